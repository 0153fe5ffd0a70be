// The data plane's side of origin health (DESIGN §13), on records seeded straight into KV:
// origins marked down are skipped; a revision with every origin down hands its requests to
// the primary, unless the request chose the version; and passive ejection, per isolate and
// with no health settings at all: 5 failures in a row (refused, timed out, 5xx) skip an
// origin for 30 s while its revision has another one.
import { beforeEach, describe, expect, it } from "vitest";
import { buildRouteRecords, routeKey } from "../../core/route-record.ts";
import type { ServiceConfig } from "../../core/model.ts";
import type { Rule } from "../../core/rule-schema.ts";
import { reconcileRuleTables } from "../../core/rule-tables.ts";
import { createSlotTable, rebalance } from "../../core/slot-table.ts";
import { ejectedOrigins, expireEjections } from "../../worker/origin-health.ts";
import { switchableOrigin } from "../switchable-origins.ts";
import { BASE, call, env, origin, resetRoutes, seed } from "./helpers.ts";

beforeEach(resetRoutes);

const H = { path: "/healthz", interval: "10s", timeout: "2s", healthyThreshold: 2, unhealthyThreshold: 3 };

/** Publishes a checked service with some origins marked down, as the ConfigStore would. */
async function seedMarked(name: string, primary: string[], canary: string[], down: { version: string; origin: string }[], rules?: Rule[]) {
  const service: ServiceConfig = {
    stack: "oh",
    name,
    version: "v0",
    origins: primary,
    affinity: "header:x-user",
    revisionHeader: true,
    createdAt: "2026-01-01T00:00:00Z",
    health: H,
    revisions: [{ version: "v3", origins: canary, weight: 5000, createdAt: "2026-01-01T00:00:00Z", health: H }],
    ...(rules ? { rules } : {}),
  };
  const table = createSlotTable("v0");
  rebalance(table, { v0: 5000, v3: 5000 });
  for (const [host, record] of buildRouteRecords(service, table, 1, BASE, [], reconcileRuleTables(undefined, rules), down)) await env.ROUTES.put(routeKey(host), JSON.stringify(record));
}

async function get(host: string, user: string, headers: Record<string, string> = {}) {
  const res = await call(`http://${host}/`, { headers: { "x-user": user, ...headers } });
  return { status: res.status, revision: res.headers.get("weir-revision"), body: await res.text() };
}

const USERS = Array.from({ length: 60 }, (_, i) => `u${i}`);

describe("origins marked down", () => {
  it("are skipped; a revision with none left sends its users to the primary", async () => {
    await seedMarked("skip", [origin("dead"), origin("hello")], [origin("helloV3")], [{ version: "v0", origin: origin("dead") }]);
    await seedMarked("fail", [origin("hello")], [origin("dead")], [{ version: "v3", origin: origin("dead") }]);
    // POSTs are never retried on another origin: a 200 for each shows the dead one was not tried
    for (const u of USERS) {
      const res = await call("http://skip.oh.weir.localhost/", { method: "POST", body: "x", headers: { "x-user": u } });
      expect(res.status).toBe(200);
      await res.arrayBuffer();
    }
    expect(ejectedOrigins()).toEqual([]);
    const served = await Promise.all(USERS.map((u) => get("fail.oh.weir.localhost", u)));
    expect(served.every((r) => r.status === 200 && r.revision === "v0" && r.body === "Hello World")).toBe(true);
  });

  it("a pinned version and a version host try their own revision anyway", async () => {
    await seedMarked("pin", [origin("hello")], [origin("dead")], [{ version: "v3", origin: origin("dead") }]);
    expect(await get("pin.oh.weir.localhost", "u", { "weir-revision": "v3" })).toMatchObject({ status: 502, revision: "v3" });
    expect(await get("pin-v3.oh.weir.localhost", "u")).toMatchObject({ status: 502, revision: "v3" });
  });

  it("with the primary down too, each request tries its own revision", async () => {
    await seedMarked("both", [origin("hello")], [origin("helloV3")], [
      { version: "v0", origin: origin("hello") },
      { version: "v3", origin: origin("helloV3") },
    ]);
    const served = await Promise.all(USERS.map((u) => get("both.oh.weir.localhost", u)));
    expect(served.every((r) => r.status === 200)).toBe(true);
    expect(new Set(served.map((r) => `${r.revision} ${r.body}`))).toEqual(new Set(["v0 Hello World", "v3 Hello World v3"]));
  });
});

describe("origin health and traffic rules", () => {
  it("a rule's version whose every origin is down fails over to the primary; its retries and mirror use usable origins only", async () => {
    const marked = await switchableOrigin("never tried");
    await seedMarked(
      "ruled",
      [origin("hello")],
      [marked.url, origin("unavailable")],
      [{ version: "v3", origin: marked.url }],
      [
        { name: "beta", match: { headers: [{ name: "x-beta", present: true }] }, version: "v3", retries: { attempts: 3, on: ["503"] } },
        { name: "mirrored", match: { path: { prefix: "/m" } }, mirror: { version: "v3", percent: 100 } },
      ],
    );
    // v3 has one usable origin (503 every time): every retry goes there, none to the marked one
    const beta = await get("ruled.oh.weir.localhost", "u", { "x-beta": "1" });
    expect([beta.status, beta.revision]).toEqual([503, "v3"]);
    expect((await marked.info()).requests).toBe(0);

    // now every origin of v3 is down: the rule's target fails over to the primary
    await seedMarked("ruled", [origin("hello")], [marked.url, origin("unavailable")], [
      { version: "v3", origin: marked.url },
      { version: "v3", origin: origin("unavailable") },
    ], [{ name: "beta", match: { headers: [{ name: "x-beta", present: true }] }, version: "v3" }]);
    resetRoutes();
    const moved = await get("ruled.oh.weir.localhost", "u", { "x-beta": "1" });
    expect([moved.status, moved.revision, moved.body]).toEqual([200, "v0", "Hello World"]);
    // the mirror's revision has no usable origin: no copy is sent, the request is served
    await seedMarked("mirror", [origin("hello")], [marked.url], [{ version: "v3", origin: marked.url }], [
      { name: "mirrored", mirror: { version: "v3", percent: 100 } },
    ]);
    for (let i = 0; i < 5; i++) expect((await get("mirror.oh.weir.localhost", `m${i}`)).status).toBe(200);
    expect((await marked.info()).requests).toBe(0);
  });
});

describe("passive ejection (no health settings)", () => {
  it("5 failures in a row skip an origin for 30 s; a sixth after that skips it again; a good answer resets the count", async () => {
    const flaky = await switchableOrigin("flaky");
    await seed({ stack: "oh", name: "passive", origins: [flaky.url, origin("hello")] });
    await flaky.answer(500);
    const post = async () => {
      const res = await call("http://passive.oh.weir.localhost/", { method: "POST", body: "x" });
      await res.arrayBuffer();
      return res.status;
    };
    // origins are taken in turn: the flaky one answers 500 until its fifth, then is skipped
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) statuses.push(await post());
    expect(statuses.filter((s) => s === 500)).toHaveLength(5);
    expect(statuses.slice(-10).every((s) => s === 200)).toBe(true);
    expect(ejectedOrigins()).toEqual([flaky.url]);
    const seen = (await flaky.info()).requests;
    for (let i = 0; i < 10; i++) expect(await post()).toBe(200);
    expect((await flaky.info()).requests).toBe(seen);

    // 30 s later it is tried again; still failing, one more failure skips it at once
    expireEjections();
    const next: number[] = [];
    for (let i = 0; i < 6; i++) next.push(await post());
    expect(next.filter((s) => s === 500)).toHaveLength(1);
    expect(ejectedOrigins()).toEqual([flaky.url]);

    // recovered: tried after the ejection, one good answer clears the count
    await flaky.answer(200);
    expireEjections();
    const bodies = new Set<string>();
    for (let i = 0; i < 6; i++) {
      const res = await call("http://passive.oh.weir.localhost/", { method: "POST", body: "x" });
      bodies.add(await res.text());
    }
    expect(bodies).toEqual(new Set(["flaky", "Hello World"]));
    await flaky.answer(500);
    for (let i = 0; i < 4; i++) await post();
    expect(ejectedOrigins()).toEqual([]);
    await flaky.answer(200);
  });

  it("counts refused connections too, and never leaves a revision without an origin", async () => {
    await seed({ stack: "oh", name: "lonely", origins: [origin("dead")] });
    await seed({ stack: "oh", name: "pair", origins: [origin("dead"), origin("failing")] });
    for (let i = 0; i < 8; i++) expect((await get("lonely.oh.weir.localhost", "u")).status).toBe(502);
    expect(ejectedOrigins()).toEqual([origin("dead")]);
    // its only origin: still tried
    expect((await get("lonely.oh.weir.localhost", "u")).status).toBe(502);
    // both origins failing and ejected: both still tried (refused GETs move on to the next origin)
    for (let i = 0; i < 10; i++) await get("pair.oh.weir.localhost", "u");
    expect(ejectedOrigins().sort()).toEqual([origin("dead"), origin("failing")].sort());
    const last = await get("pair.oh.weir.localhost", "u");
    expect([last.status, last.body]).toEqual([500, "Internal Server Error"]);
  });
});
