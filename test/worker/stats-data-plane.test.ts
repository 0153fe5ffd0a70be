// Edge statistics from the data plane (issue 6): what the Worker served, counted per
// revision by the isolate's recorder and flushed through ctx.waitUntil into the service's
// StatsStore, checked against the responses the test itself received from real origins.
import { describe, expect, it } from "vitest";
import { statsStoreOf } from "../../admin/store/stats-store.ts";
import { revisionTotals, ruleTotals, weightedCounts, type RevisionTotals } from "../../core/edge-stats.ts";
import { call, env, origin, seed } from "./helpers.ts";

const failing = () => `http://127.0.0.1:${(env.ORIGINS as unknown as { failing: number }).failing}`;

let n = 0;
const unique = () => `stats${++n}-${crypto.randomUUID().slice(0, 6)}`;

/** Per revision: all counts, and the weighted and pinned parts. */
async function totalsOf(service: string): Promise<Map<string, RevisionTotals>> {
  return revisionTotals(await statsStoreOf(env, service).window(Date.now() - 60_000, Date.now() + 1));
}

/** All counts per revision. */
async function countsOf(service: string) {
  return Object.fromEntries([...(await totalsOf(service))].map(([v, t]) => [v, t.all]));
}

describe("edge statistics from the data plane", () => {
  it("count each revision's requests and status classes as served", async () => {
    const stack = unique();
    await seed({
      stack,
      name: "svc",
      origins: [origin("hello")],
      revisions: { v3: { origins: [origin("helloV3")], weight: 50 } },
    });
    const served: Record<string, number> = {};
    for (let i = 0; i < 60; i++) {
      // no cookie: each request gets a fresh sticky key, so both revisions serve
      const res = await call(`http://svc.${stack}.weir.localhost/`, {}, { STATS_FLUSH_MS: "0" });
      expect(res.status).toBe(200);
      const version = res.headers.get("weir-revision") as string;
      served[version] = (served[version] ?? 0) + 1;
      await res.arrayBuffer();
    }
    expect(Object.keys(served).sort()).toEqual(["v0", "v3"]);
    const counts = await countsOf(`${stack}/svc`);
    for (const version of ["v0", "v3"]) {
      expect(counts[version].requests, version).toBe(served[version]);
      expect(counts[version].status).toEqual([0, served[version], 0, 0, 0]);
      expect(counts[version].originErrors).toBe(0);
      expect(counts[version].latency.reduce((a, b) => a + b, 0)).toBe(served[version]);
    }
  });

  it("count 5xx from the origin and origin errors apart, and version hosts under their revision", async () => {
    const stack = unique();
    await seed({
      stack,
      name: "svc",
      origins: [origin("hello")],
      revisions: { bad: { origins: [failing()], weight: 0 }, gone: { origins: [origin("dead")], weight: 0 } },
    });
    const get = async (host: string) => {
      const res = await call(`http://${host}.${stack}.weir.localhost/`, {}, { STATS_FLUSH_MS: "0" });
      await res.arrayBuffer();
      return res.status;
    };
    for (let i = 0; i < 3; i++) expect(await get("svc-bad")).toBe(500);
    for (let i = 0; i < 2; i++) expect(await get("svc-gone")).toBe(502);
    expect(await get("svc-v0")).toBe(200);
    const counts = await countsOf(`${stack}/svc`);
    expect(counts.bad).toMatchObject({ requests: 3, status: [0, 0, 0, 0, 3], originErrors: 0 });
    expect(counts.gone).toMatchObject({ requests: 2, status: [0, 0, 0, 0, 0], originErrors: 2 });
    expect(counts.v0.requests).toBe(1);
  });

  it("count what the weights chose apart from what a request named: pin header, version host, version-pinned domain", async () => {
    const stack = unique();
    await seed({
      stack,
      name: "svc",
      origins: [origin("hello")],
      revisions: { v3: { origins: [origin("helloV3")], weight: 50 } },
      domains: [{ host: `v3.${stack}.example.com`, version: "v3" }, { host: `www.${stack}.example.com` }],
    });
    const get = async (host: string, headers: Record<string, string> = {}) => {
      const res = await call(`http://${host}/`, { headers }, { STATS_FLUSH_MS: "0" });
      await res.arrayBuffer();
      return res.headers.get("weir-revision") as string;
    };
    const weighted = new Map<string, number>();
    const count = (v: string) => weighted.set(v, (weighted.get(v) ?? 0) + 1);
    // the weights choose: the service host and a domain bound to the service
    for (let i = 0; i < 20; i++) count(await get(`svc.${stack}.weir.localhost`));
    for (let i = 0; i < 10; i++) count(await get(`www.${stack}.example.com`));
    // a request names v3: pin header (on the service host), version host, version-pinned domain
    for (let i = 0; i < 4; i++) expect(await get(`svc.${stack}.weir.localhost`, { "weir-revision": "v3" })).toBe("v3");
    for (let i = 0; i < 3; i++) expect(await get(`svc-v3.${stack}.weir.localhost`)).toBe("v3");
    for (let i = 0; i < 2; i++) expect(await get(`v3.${stack}.example.com`)).toBe("v3");
    // an unknown pin falls back to the weights
    count(await get(`svc.${stack}.weir.localhost`, { "weir-revision": "nope" }));

    const totals = await totalsOf(`${stack}/svc`);
    const v3 = totals.get("v3")!;
    expect(v3.pinned.requests).toBe(9);
    expect(v3.weighted.requests).toBe(weighted.get("v3") ?? 0);
    expect(v3.all.requests).toBe(9 + (weighted.get("v3") ?? 0));
    expect(totals.get("v0")!.weighted.requests).toBe(weighted.get("v0") ?? 0);
    expect(totals.get("v0")!.pinned.requests).toBe(0);
  });

  it("batch counts and deliver them within the flush interval, without a write per request", async () => {
    const stack = unique();
    await seed({ stack, name: "svc", origins: [origin("hello")] });
    const url = `http://svc.${stack}.weir.localhost/`;
    // The first request of a quiet isolate flushes at once; the ones right after it are
    // batched behind one delayed flush, which the last request's context waits for.
    const responses = await Promise.all(Array.from({ length: 25 }, () => call(url, {}, { STATS_FLUSH_MS: "300" })));
    for (const res of responses) await res.arrayBuffer();
    expect((await countsOf(`${stack}/svc`)).v0.requests).toBe(25);
  });
});

describe("edge statistics of traffic rules (DESIGN §10)", () => {
  const get = async (stack: string, path: string, headers: Record<string, string> = {}) => {
    const res = await call(`http://svc.${stack}.weir.localhost${path}`, { headers }, { STATS_FLUSH_MS: "0" });
    await res.arrayBuffer();
    return res;
  };

  it("count each request as what it is: a split as weighted, a rule's version as pinned, a mirror copy as mirrored, injected aborts and redirects as the rule's", async () => {
    const stack = unique();
    await seed({
      stack,
      name: "svc",
      origins: [origin("hello")],
      revisions: { v3: { origins: [origin("helloV3")], weight: 0 }, v4: { origins: [failing()], weight: 0 } },
      rules: [
        // the mirror's revision fails every copy: the client never sees it, no rollout judges it
        { name: "beta", match: { headers: [{ name: "x-beta", exact: "1" }] }, version: "v3", mirror: { version: "v4" } },
        { name: "chaos", match: { headers: [{ name: "x-chaos", exact: "1" }] }, fault: { abort: { status: 503, percent: 100 } } },
        { name: "moved", match: { path: { prefix: "/old" } }, redirect: { path: "/new" } },
        { name: "split", weights: { v3: 50, v0: 50 } },
      ],
    });
    for (let i = 0; i < 4; i++) expect((await get(stack, "/", { "x-beta": "1" })).status).toBe(200);
    for (let i = 0; i < 3; i++) expect((await get(stack, "/", { "x-chaos": "1" })).status).toBe(503);
    for (let i = 0; i < 2; i++) expect((await get(stack, "/old")).status).toBe(302);
    const split: Record<string, number> = {};
    for (let i = 0; i < 20; i++) {
      const v = (await get(stack, "/")).headers.get("weir-revision") as string;
      split[v] = (split[v] ?? 0) + 1;
    }
    const rows = await statsStoreOf(env, `${stack}/svc`).window(Date.now() - 60_000, Date.now() + 1);
    const totals = revisionTotals(rows);
    const v3 = totals.get("v3")!;
    const v0 = totals.get("v0")!;
    const v4 = totals.get("v4")!;
    expect(v3.pinned.requests).toBe(4);
    expect(v3.weighted.requests).toBe(split.v3 ?? 0);
    // the chaos rule routes by the service's weights (v0 only): its aborts are v0's, apart
    // from its requests, and the rule's answers
    expect(v0.weighted).toMatchObject({ requests: split.v0 ?? 0, faultAborts: 3 });
    expect(v0.all.requests + v3.all.requests).toBe(4 + 20);
    expect(v4.mirror).toMatchObject({ requests: 4, status: [0, 0, 0, 0, 4] });
    expect(v4.weighted.requests + v4.pinned.requests).toBe(0);
    expect(weightedCounts(rows).get("v4")?.requests ?? 0).toBe(0);
    const rules = ruleTotals(rows);
    expect([...rules.keys()].sort()).toEqual(["chaos", "moved"]);
    expect(rules.get("chaos")).toMatchObject({ requests: 3, status: [0, 0, 0, 0, 3] });
    expect(rules.get("moved")).toMatchObject({ requests: 2, status: [0, 0, 2, 0, 0] });
  });

  it("count a retried request once, with its last answer and its retries; injected delays beside it", async () => {
    const stack = unique();
    await seed({
      stack,
      name: "svc",
      origins: [origin("flaky")],
      rules: [
        { name: "retry", match: { headers: [{ name: "x-retry", exact: "1" }] }, retries: { attempts: 2, on: ["503"] } },
        { name: "slow", match: { headers: [{ name: "x-slow", exact: "1" }] }, fault: { delay: { ms: 5, percent: 100 } } },
      ],
    });
    // the flaky origin answers each new id's first request 503, the next 200
    for (let i = 0; i < 5; i++) expect((await get(stack, "/", { "x-retry": "1", "x-flaky-id": `${stack}-r${i}` })).status).toBe(200);
    // without the rule, no retry: the client gets the 503
    expect((await get(stack, "/", { "x-flaky-id": `${stack}-plain` })).status).toBe(503);
    for (let i = 0; i < 2; i++) expect((await get(stack, "/", { "x-slow": "1", "x-flaky-id": `${stack}-s` })).status).toBe(i === 0 ? 503 : 200);
    const v0 = (await totalsOf(`${stack}/svc`)).get("v0")!;
    expect(v0.weighted).toMatchObject({ requests: 8, status: [0, 6, 0, 0, 2], retries: 5, faultDelays: 2, faultAborts: 0 });
  });
});
