// Origin health end to end in workerd (DESIGN §13): real origins stopped and started
// through test/setup/origins.ts, the real HealthChecker and ConfigStore Durable Objects,
// real KV, the real data plane. Rounds of checks run through runDurableObjectAlarm; the
// settings use a 1 h interval so no round fires by itself mid-test.
import { runDurableObjectAlarm } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { RouteRecord, routeKey } from "../../core/route-record.ts";
import type { ServiceView } from "../../core/views.ts";
import { api, call, currentVersion, env, json, origin, run, uniqueStack } from "./helpers.ts";
import {
  checkerAlarm,
  checkerStatus,
  checkerStub,
  checkRound,
  firstRound,
  healthView,
  MANUAL,
  originState,
  switchableOrigin,
} from "./health-helpers.ts";

/** No route cache: each request reads KV, so a published change is served at once. */
const FRESH = { ROUTE_CACHE_MS: "0" };
const USERS = Array.from({ length: 120 }, (_, i) => `user-${i}`);

async function request(host: string, user: string, headers: Record<string, string> = {}) {
  const res = await call(`http://${host}/`, { headers: { "x-user": user, ...headers } }, FRESH);
  return { status: res.status, revision: res.headers.get("weir-revision"), config: res.headers.get("weir-config-version"), body: await res.text() };
}

/** Every user once, one after the other (concurrent requests would share a KV read, and serve the old record meanwhile). */
async function traffic(host: string) {
  const out = [];
  for (const u of USERS) out.push(await request(host, u));
  return out;
}

async function historyCount(stack: string): Promise<number> {
  return (await json(await api("GET", `/v1/history?service=${stack}/svc`))).entries.length;
}

async function record(host: string) {
  return RouteRecord.parse(await env.ROUTES.get(routeKey(host), "json"));
}

async function service(stack: string): Promise<ServiceView> {
  return json<ServiceView>(await api("GET", `/v1/services/${stack}/svc`));
}

async function stageChecked(stack: string, version: string, origins: string[], weight: number, health: object = MANUAL) {
  return json<ServiceView>(await api("POST", `/v1/services/${stack}/svc/revisions`, { body: { version, origins, weight, health } }), 201);
}

describe("an origin that stops", () => {
  it("is marked down after unhealthyThreshold failed checks an interval apart; its users go to the primary with no failed request, and come back when it recovers", async () => {
    const stack = uniqueStack("hc");
    const host = `svc.${stack}.weir.localhost`;
    const canary = await switchableOrigin("Hello canary");
    await run(stack, "svc", origin("hello"), { affinity: "header:x-user" });
    await stageChecked(stack, "v3", [canary.url], 50);
    const id = `${stack}/svc`;
    await firstRound(id);
    expect(await originState(stack, "v3", canary.url)).toMatchObject({ state: "up", consecutiveSuccesses: 1, consecutiveFailures: 0, lastError: null });

    const before = await traffic(host);
    expect(before.every((r) => r.status === 200)).toBe(true);
    const canaryUsers = USERS.filter((_, i) => before[i].revision === "v3");
    expect(canaryUsers.length).toBeGreaterThan(20);
    expect(before.filter((r) => r.revision === "v3").every((r) => r.body === "Hello canary")).toBe(true);
    const version = await currentVersion();
    const entries = await historyCount(stack);
    const configHeader = before[0].config;

    // Mid-traffic the origin stops: until the checks say so, its users get 502.
    await canary.stop();
    expect((await request(host, canaryUsers[0])).status).toBe(502);

    // First failed check: counted, not yet down; the next round is one interval later.
    await checkRound(id);
    const one = await originState(stack, "v3", canary.url);
    expect(one).toMatchObject({ state: "up", consecutiveFailures: 1 });
    expect(one.lastError).toMatch(/cannot connect/);
    // the next round is due at most an interval after this check
    const next = (await checkerAlarm(id)) as number;
    expect(next).toBeGreaterThan(Date.parse(one.lastCheck as string));
    expect(next).toBeLessThanOrEqual(Date.parse(one.lastCheck as string) + 3_600_000);

    // Second (unhealthyThreshold = 2): down, published to the edge at once.
    await checkRound(id);
    expect(await originState(stack, "v3", canary.url)).toMatchObject({ state: "down", consecutiveFailures: 2 });
    const marked = await record(host);
    expect(marked.revisions.find((r) => r.version === "v3")?.down).toEqual([0]);
    expect(marked.revisions.find((r) => r.version === "v0")?.down).toBeUndefined();
    const view = await service(stack);
    expect(view.revisions[0]).toMatchObject({ version: "v3", state: "unhealthy", down: [canary.url] });

    // From here on not one request fails: the canary's users are served by the primary.
    const during = await traffic(host);
    expect(during.filter((r) => r.status !== 200)).toEqual([]);
    expect(during.every((r) => r.revision === "v0" && r.body === "Hello World")).toBe(true);
    // Health is no config change: same version, no history entry.
    expect(await currentVersion()).toBe(version);
    expect(marked.configVersion).toBe(Number(configHeader));
    expect(during[0].config).toBe(configHeader);
    expect(await historyCount(stack)).toBe(entries);

    // Restarted: one good check is not enough (healthyThreshold = 2), two are.
    await canary.start();
    await checkRound(id);
    expect(await originState(stack, "v3", canary.url)).toMatchObject({ state: "down", consecutiveSuccesses: 1 });
    await checkRound(id);
    expect(await originState(stack, "v3", canary.url)).toMatchObject({ state: "up", consecutiveSuccesses: 2, consecutiveFailures: 0 });
    expect((await record(host)).revisions.find((r) => r.version === "v3")?.down).toBeUndefined();

    // The same users return to it: their keys kept their slots.
    const after = await traffic(host);
    expect(after.map((r) => r.revision)).toEqual(before.map((r) => r.revision));
    expect(after.every((r) => r.status === 200)).toBe(true);
    expect(await currentVersion()).toBe(version);
    expect(await historyCount(stack)).toBe(entries);
    expect((await service(stack)).revisions[0].state).toBe("active");
  });

  it("of a revision with several keeps it serving from the live ones, and is never sent a request while down", async () => {
    const stack = uniqueStack("hc");
    const host = `svc.${stack}.weir.localhost`;
    const a = await switchableOrigin("v3 from a");
    const b = await switchableOrigin("v3 from b");
    await run(stack, "svc", origin("hello"), { affinity: "header:x-user" });
    await stageChecked(stack, "v3", [a.url, b.url], 100);
    const id = `${stack}/svc`;
    await firstRound(id);

    await a.stop();
    await checkRound(id);
    await checkRound(id);
    const view = await service(stack);
    expect(view.revisions[0]).toMatchObject({ version: "v3", state: "active", down: [a.url] });
    expect((await record(host)).revisions.find((r) => r.version === "v3")?.down).toEqual([0]);

    // Every request is served by v3, from b; a is not even tried (POSTs are not retried elsewhere, so a try would show).
    await a.start();
    const seenByA = (await a.info()).requests;
    for (const u of USERS.slice(0, 30)) {
      const res = await call(`http://${host}/`, { method: "POST", body: "x", headers: { "x-user": u } }, FRESH);
      expect(res.status).toBe(200);
      expect(res.headers.get("weir-revision")).toBe("v3");
      expect(await res.text()).toBe("v3 from b");
    }
    expect((await a.info()).requests).toBe(seenByA);

    const health = await healthView(stack);
    expect(health.revisions.map((r) => r.version)).toEqual(["v0", "v3"]);
    expect(health.revisions[1].origins.map((o) => [o.origin, o.state])).toEqual([
      [a.url, "down"],
      [b.url, "up"],
    ]);
  });

  it("when the primary is down too, requests try the revision anyway; a pinned version is tried anyway", async () => {
    const stack = uniqueStack("hc");
    const host = `svc.${stack}.weir.localhost`;
    const primary = await switchableOrigin("primary");
    const canary = await switchableOrigin("canary");
    await run(stack, "svc", primary.url, { affinity: "header:x-user", health: MANUAL });
    await stageChecked(stack, "v3", [canary.url], 50);
    const id = `${stack}/svc`;
    await firstRound(id);
    const before = await traffic(host);

    await canary.stop();
    await checkRound(id);
    await checkRound(id);
    // The version host and the Weir-Revision pin ask for v3 itself: no failover, v3 is tried (and refused).
    expect((await request(`svc-v3.${stack}.weir.localhost`, "u")).status).toBe(502);
    const pinned = await request(host, "u", { "weir-revision": "v3" });
    expect([pinned.status, pinned.revision]).toEqual([502, "v3"]);

    await primary.stop();
    await checkRound(id);
    await checkRound(id);
    expect((await service(stack)).state).toBe("unhealthy");
    // Both down: each request still tries its own revision, and gets through the moment it is back.
    await canary.start();
    const tried = await traffic(host);
    tried.forEach((r, i) => {
      if (before[i].revision === "v3") expect([r.status, r.revision, r.body]).toEqual([200, "v3", "canary"]);
      else expect([r.status, r.revision]).toEqual([502, "v0"]);
    });
    await primary.start();
  });
});

describe("health checks", () => {
  it("GET /path with Via and a User-Agent that says Weir; 2xx and 3xx pass, 5xx and timeouts fail", async () => {
    const stack = uniqueStack("hc");
    const o = await switchableOrigin("probe");
    await run(stack, "svc", o.url, { health: { ...MANUAL, path: "/ready?deep=1", healthyThreshold: 1, unhealthyThreshold: 1 } });
    const id = `${stack}/svc`;
    await firstRound(id);
    const seen = (await o.info()).lastCheck;
    expect(seen).toMatchObject({ method: "GET", path: "/ready?deep=1" });
    expect(seen?.headers).toMatchObject({ via: "1.1 weir", "user-agent": "weir-health/1" });

    await o.answer(302);
    await checkRound(id);
    expect(await originState(stack, "v0", o.url)).toMatchObject({ state: "up", lastError: null });
    await o.answer(503);
    await checkRound(id);
    expect(await originState(stack, "v0", o.url)).toMatchObject({ state: "down", lastError: "answered 503 Service Unavailable" });
    await o.answer(200);
    await checkRound(id);
    expect(await originState(stack, "v0", o.url)).toMatchObject({ state: "up" });
  });

  it("an origin that does not answer within the timeout fails its check", async () => {
    const stack = uniqueStack("hc");
    // the lab origin never answers /slow
    await run(stack, "svc", origin("lab"), { health: { path: "/slow", interval: "1h", timeout: "300ms", unhealthyThreshold: 1 } });
    const id = `${stack}/svc`;
    await firstRound(id);
    expect(await originState(stack, "v0", origin("lab"))).toMatchObject({ state: "down", lastError: "no answer within 300 ms" });
  });

  it("a service without health checks has no checker; its health answers 200 with nothing checked", async () => {
    const stack = uniqueStack("hc");
    await run(stack);
    expect(await checkerStatus(`${stack}/svc`)).toEqual({ service: null, generation: null, origins: [] });
    expect(await checkerAlarm(`${stack}/svc`)).toBeNull();
    expect(await healthView(stack)).toEqual({
      service: `${stack}/svc`,
      revisions: [
        { version: "v0", health: null, origins: [] },
      ],
    });
    const res = await api("GET", `/v1/services/${stack}/nope/health`);
    expect(res.status).toBe(404);
    await res.arrayBuffer();
  });
});

describe("the checker stops", () => {
  it("after weir rm of the service", async () => {
    const stack = uniqueStack("hc");
    await run(stack, "svc", origin("hello"), { health: MANUAL });
    const id = `${stack}/svc`;
    await firstRound(id);
    expect((await checkerStatus(id)).service).toBe(id);
    expect(await checkerAlarm(id)).not.toBeNull();

    const res = await api("DELETE", `/v1/services/${stack}/svc`);
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    expect(await checkerStatus(id)).toEqual({ service: null, generation: null, origins: [] });
    expect(await checkerAlarm(id)).toBeNull();
    expect(await runDurableObjectAlarm(checkerStub(id))).toBe(false);
  });

  it("after its health settings are removed, and checks only what still has them meanwhile", async () => {
    const stack = uniqueStack("hc");
    const id = `${stack}/svc`;
    const file = (primaryHealth: boolean, canaryHealth: boolean) => ({
      stack,
      services: {
        svc: {
          origins: [origin("hello")],
          ...(primaryHealth ? { health: MANUAL } : {}),
          revisions: { v3: { origins: [origin("helloV3")], weight: 10, ...(canaryHealth ? { health: MANUAL } : {}) } },
        },
      },
    });
    const apply = async (body: unknown) => {
      const res = await api("PUT", `/v1/stacks/${stack}`, { body });
      expect(res.status, await res.clone().text()).toBe(200);
      return res.json();
    };
    await apply(file(true, true));
    await firstRound(id);
    expect((await checkerStatus(id)).origins.map((o) => o.version)).toEqual(["v0", "v3"]);

    await apply(file(false, true));
    expect((await checkerStatus(id)).origins.map((o) => o.version)).toEqual(["v3"]);
    expect(await checkerAlarm(id)).not.toBeNull();

    await apply(file(false, false));
    expect(await checkerStatus(id)).toEqual({ service: null, generation: null, origins: [] });
    expect(await checkerAlarm(id)).toBeNull();
  });
});
