// Timed rollouts (issue 6): steps driven by the ConfigStore's alarm (runDurableObjectAlarm,
// no sleeps; each step is due at its stored time, checked against the alarm the store
// sets), pause/resume/abort, promote with a duration, 409 while a rollout is in flight, and
// the automatic abort of a canary whose real origin answers 500 to everything. Issue 9:
// the analysis judges only traffic the weights sent (pinned traffic cannot game it),
// revisions named `constructor` neither stall a rollout nor break stats, and a step that
// throws is retried with backoff and shown in the rollout's status.
// Rollouts here use intervals of a minute or more so no alarm fires by itself mid-test.
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { Rollouts } from "../../admin/store/rollouts.ts";
import { TIMER_RETRY_BASE_MS } from "../../admin/store/timers.ts";
import { compileRouteRecord, RouteRecord, routeKey } from "../../core/route-record.ts";
import type { RolloutView } from "../../core/rollout.ts";
import { selectRevision } from "../../core/selection.ts";
import type { ServiceView } from "../../core/views.ts";
import { api, call, env, expectError, json, origin, run, stage, storeStub, uniqueStack } from "./helpers.ts";

const KEYS = Array.from({ length: 20_000 }, (_, i) => `key-${i}`);
const started: string[] = [];

/** Leaves no rollout in flight for the next test: the store and its alarm are shared. */
afterEach(async () => {
  for (const id of started.splice(0)) {
    const res = await api("POST", `/v1/services/${id}/rollout/abort`);
    await res.arrayBuffer();
  }
});

async function startWeights(stack: string, weights: Record<string, number>, extra: Record<string, unknown> = {}): Promise<RolloutView> {
  const view = await json<RolloutView>(await api("PUT", `/v1/services/${stack}/svc/weights`, { body: { weights, ...extra } }), 202);
  started.push(`${stack}/svc`);
  return view;
}

async function status(stack: string): Promise<RolloutView> {
  return json<RolloutView>(await api("GET", `/v1/services/${stack}/svc/rollout`));
}

async function setWeightsNow(stack: string, weights: Record<string, number>): Promise<ServiceView> {
  return json<ServiceView>(await api("PUT", `/v1/services/${stack}/svc/weights`, { body: { weights } }));
}

async function service(stack: string): Promise<ServiceView> {
  return json<ServiceView>(await api("GET", `/v1/services/${stack}/svc`));
}

function weightOf(s: ServiceView, version: string): number {
  return version === s.version ? s.weight : (s.revisions.find((r) => r.version === version)?.weight ?? 0);
}

/** When the store's alarm is set, or null. */
function alarmAt(): Promise<number | null> {
  return runInDurableObject(storeStub(), (_i, state) => state.storage.getAlarm());
}

/** The revision of each key, from the published weighted route record. */
async function routing(stack: string): Promise<string[]> {
  const route = compileRouteRecord(RouteRecord.parse(await env.ROUTES.get(routeKey(`svc.${stack}.weir.localhost`), "json")));
  return KEYS.map((k) => route.record.revisions[selectRevision(route, k)].version);
}

/** `n` sticky keys (header affinity `x-user`) that the published weights send to `version`. */
async function keysOf(stack: string, version: string, n: number): Promise<string[]> {
  const owners = await routing(stack);
  const keys = KEYS.filter((_, i) => owners[i] === version).slice(0, n);
  expect(keys.length, `keys on ${version}`).toBe(n);
  return keys;
}

const fresh = { ROUTE_CACHE_MS: "0", STATS_FLUSH_MS: "0" };

/** Requests as a user whose sticky key is `key` (service affinity header:x-user): the weights choose. */
async function asUser(stack: string, key: string, path = "/"): Promise<Response> {
  const res = await call(`http://svc.${stack}.weir.localhost${path}`, { headers: { "x-user": key } }, fresh);
  await res.arrayBuffer();
  return res;
}

/** Requests that name the revision: its own hostname. Anyone can send these. */
async function pinnedTo(stack: string, version: string, path = "/"): Promise<Response> {
  const res = await call(`http://svc-${version}.${stack}.weir.localhost${path}`, {}, fresh);
  await res.arrayBuffer();
  return res;
}

async function history(stack: string): Promise<{ operation: string; summary: string; configVersion: number; actor: string }[]> {
  return (await json(await api("GET", `/v1/history?service=${stack}/svc`))).entries;
}

describe("timed weight rollouts", () => {
  it("reaches its target in 10 steps on schedule, each a versioned change that keeps canary users", async () => {
    const stack = uniqueStack("ro");
    await run(stack);
    await stage(stack, "svc", "v3", origin("helloV3"));
    const r = await startWeights(stack, { v3: 50 }, { duration: "10m", interval: "1m" });
    expect(r).toMatchObject({ status: "running", step: 0, steps: 10, duration: "10m", interval: "1m", from: { v3: 0 }, target: { v3: 50 } });
    const t0 = Date.parse(r.startedAt);
    expect(Date.parse(r.nextStepAt as string)).toBe(t0 + 60_000);

    let before = await routing(stack);
    let lastVersion = (await service(stack)).configVersion;
    for (let k = 1; k <= 10; k++) {
      // the alarm is set for this step's due time
      expect(await alarmAt()).toBe(t0 + k * 60_000);
      expect(await runDurableObjectAlarm(storeStub())).toBe(true);
      const s = await service(stack);
      expect(weightOf(s, "v3")).toBe(5 * k);
      expect(s.configVersion).toBeGreaterThan(lastVersion);
      lastVersion = s.configVersion;
      // minimal diff: nobody already on v3 leaves it
      const after = await routing(stack);
      expect(before.every((v, i) => v !== "v3" || after[i] === "v3")).toBe(true);
      before = after;
    }
    const done = await status(stack);
    expect(done).toMatchObject({ status: "completed", step: 10, current: { v3: 50 }, nextStepAt: null, reason: "reached its target" });
    expect(await alarmAt()).toBeNull();
    const steps = (await history(stack)).filter((e) => e.operation === "rollout step");
    expect(steps.map((e) => e.summary)).toEqual(Array.from({ length: 10 }, (_, i) => `rollout ${stack}/svc step ${i + 1}/10: weight v3=${5 * (i + 1)}%`));
    expect(new Set(steps.map((e) => e.configVersion)).size).toBe(10);
    expect(before.filter((v) => v === "v3").length / KEYS.length).toBeCloseTo(0.5, 1);
  });

  it("holds while paused and continues on resume", async () => {
    const stack = uniqueStack("ro");
    await run(stack);
    await stage(stack, "svc", "v3", origin("helloV3"));
    await startWeights(stack, { v3: 40 }, { duration: "4m", interval: "1m" });
    await runDurableObjectAlarm(storeStub());
    expect(weightOf(await service(stack), "v3")).toBe(10);

    const paused = await json<RolloutView>(await api("POST", `/v1/services/${stack}/svc/rollout/pause`));
    expect(paused).toMatchObject({ status: "paused", step: 1, nextStepAt: null });
    expect(await alarmAt()).toBeNull();
    // a forced alarm while paused moves nothing
    await runDurableObjectAlarm(storeStub());
    expect(weightOf(await service(stack), "v3")).toBe(10);
    expect((await status(stack)).step).toBe(1);

    const resumed = await json<RolloutView>(await api("POST", `/v1/services/${stack}/svc/rollout/resume`));
    expect(resumed.status).toBe("running");
    // the next step moved back by the time spent paused
    expect(Date.parse(resumed.nextStepAt as string)).toBeGreaterThanOrEqual(Date.parse(resumed.startedAt) + 120_000);
    expect(await alarmAt()).toBe(Date.parse(resumed.nextStepAt as string));
    for (let k = 2; k <= 4; k++) {
      await runDurableObjectAlarm(storeStub());
      expect(weightOf(await service(stack), "v3")).toBe(10 * k);
    }
    expect((await status(stack)).status).toBe("completed");
  });

  it("can start paused", async () => {
    const stack = uniqueStack("ro");
    await run(stack);
    await stage(stack, "svc", "v3", origin("helloV3"));
    const r = await startWeights(stack, { v3: 20 }, { duration: "2m", interval: "1m", pause: true });
    expect(r).toMatchObject({ status: "paused", nextStepAt: null });
    expect(await alarmAt()).toBeNull();
    await json(await api("POST", `/v1/services/${stack}/svc/rollout/resume`));
    await runDurableObjectAlarm(storeStub());
    expect(weightOf(await service(stack), "v3")).toBe(10);
  });

  it("abort restores the earlier weights and every key's revision", async () => {
    const stack = uniqueStack("ro");
    await run(stack);
    await stage(stack, "svc", "v3", origin("helloV3"), 10);
    const beforeRollout = await routing(stack);
    await startWeights(stack, { v3: 70 }, { duration: "6m", interval: "1m" });
    for (let k = 0; k < 3; k++) await runDurableObjectAlarm(storeStub());
    expect(weightOf(await service(stack), "v3")).toBe(40);
    expect(await routing(stack)).not.toEqual(beforeRollout);

    const res = await api("POST", `/v1/services/${stack}/svc/rollout/abort`);
    const aborted = await json<RolloutView>(res);
    expect(aborted).toMatchObject({ status: "aborted", step: 3, reason: "aborted by root" });
    const s = await service(stack);
    expect(weightOf(s, "v3")).toBe(10);
    expect(Number(JSON.parse(res.headers.get("etag") as string))).toBe(s.configVersion);
    expect(await routing(stack)).toEqual(beforeRollout);
    expect(await alarmAt()).toBeNull();
    const last = (await history(stack)).at(-1)!;
    expect(last.operation).toBe("rollout abort");
    expect(last.summary).toContain("aborted by root; back to v3=10%");
    // an ended rollout cannot be aborted, paused or resumed again
    for (const action of ["abort", "pause", "resume"]) {
      await expectError(await api("POST", `/v1/services/${stack}/svc/rollout/${action}`), 409, "conflict");
    }
  });
});

describe("promote with a duration", () => {
  it("ramps the revision to 100% and ends with it promoted", async () => {
    const stack = uniqueStack("ro");
    await run(stack);
    await stage(stack, "svc", "v3", origin("helloV3"));
    const r = await json<RolloutView>(await api("POST", `/v1/services/${stack}/svc/promote`, { body: { version: "v3", duration: "20m", interval: "5m" } }), 202);
    started.push(`${stack}/svc`);
    expect(r).toMatchObject({ kind: "promote", version: "v3", steps: 4, target: { v3: 100 } });
    for (let k = 1; k <= 3; k++) {
      await runDurableObjectAlarm(storeStub());
      const s = await service(stack);
      expect(s.version).toBe("v0");
      expect(weightOf(s, "v3")).toBe(25 * k);
    }
    await runDurableObjectAlarm(storeStub());
    const s = await service(stack);
    expect(s).toMatchObject({ version: "v3", weight: 100, revisions: [], origins: [origin("helloV3")] });
    expect(await status(stack)).toMatchObject({ status: "completed", reason: "promoted v3" });
    const ops = (await history(stack)).map((e) => e.operation);
    expect(ops.slice(-2)).toEqual(["rollout step", "promote"]);
    const res = await call(`http://svc.${stack}.weir.localhost/`, {}, { ROUTE_CACHE_MS: "0" });
    expect(await res.text()).toBe("Hello World v3");
  });
});

// Probe (session 2): pause and resume ignored If-Match, even a malformed one.
describe("If-Match on pause and resume", () => {
  it("is checked against the config version: 412 on a mismatch, 400 malformed, and the rollout stays as it was", async () => {
    const stack = uniqueStack("ro");
    await run(stack);
    await stage(stack, "svc", "v3", origin("helloV3"));
    const view = await startWeights(stack, { v3: 50 }, { duration: "10m", interval: "1m" });
    expect(view.status).toBe("running");
    const etag = (await api("GET", `/v1/services/${stack}/svc/rollout`)).headers.get("etag") as string;
    const stale = `"${Number(JSON.parse(etag)) + 1000}"`;
    const act = (action: string, ifMatch: string) => api("POST", `/v1/services/${stack}/svc/rollout/${action}`, { headers: { "if-match": ifMatch } });
    await expectError(await act("pause", stale), 412, "precondition_failed");
    await expectError(await act("pause", "garbage"), 400, "bad_request");
    expect((await json<RolloutView>(await api("GET", `/v1/services/${stack}/svc/rollout`))).status).toBe("running");
    expect((await json<RolloutView>(await act("pause", etag))).status).toBe("paused");
    await expectError(await act("resume", stale), 412, "precondition_failed");
    expect((await json<RolloutView>(await api("GET", `/v1/services/${stack}/svc/rollout`))).status).toBe("paused");
    expect((await json<RolloutView>(await act("resume", etag))).status).toBe("running");
  });
});

describe("rollout fields without a duration", () => {
  // Probe (session 2): "interval only apply to a timed rollout".
  it("are a 422 naming them, in good English, and change nothing", async () => {
    const stack = uniqueStack("ro");
    await run(stack);
    await stage(stack, "svc", "v3", origin("helloV3"));
    const weights = (extra: Record<string, unknown>) => api("PUT", `/v1/services/${stack}/svc/weights`, { body: { weights: { v3: 30 }, ...extra } });
    expect(await expectError(await weights({ interval: "1m" }), 422, "invalid")).toBe("interval only applies to a timed rollout: add a duration");
    expect(await expectError(await weights({ interval: "1m", pause: true }), 422, "invalid")).toBe("interval, pause only apply to a timed rollout: add a duration");
    const promote = await api("POST", `/v1/services/${stack}/svc/promote`, { body: { version: "v3", maxErrorRate: 5 } });
    expect(await expectError(promote, 422, "invalid")).toBe("maxErrorRate only applies to a timed rollout: add a duration");
    const service = await json<ServiceView>(await api("GET", `/v1/services/${stack}/svc`));
    expect([service.version, service.revisions.map((r) => r.weight)]).toEqual(["v0", [0]]);
  });
});

describe("a rollout in flight", () => {
  it("lets exactly one of two concurrent rollout requests win; the other gets 409", async () => {
    const stack = uniqueStack("ro");
    await run(stack);
    await stage(stack, "svc", "v3", origin("helloV3"));
    await stage(stack, "svc", "v2", origin("helloV2"));
    const body = (v: string) => ({ body: { weights: { [v]: 30 }, duration: "10m", interval: "1m" } });
    const [a, b] = await Promise.all([
      api("PUT", `/v1/services/${stack}/svc/weights`, body("v3")),
      api("PUT", `/v1/services/${stack}/svc/weights`, body("v2")),
    ]);
    started.push(`${stack}/svc`);
    const byStatus = [a, b].sort((x, y) => x.status - y.status);
    expect(byStatus.map((r) => r.status)).toEqual([202, 409]);
    await byStatus[0].arrayBuffer();
    const message = await expectError(byStatus[1], 409, "rollout_in_progress");
    expect(message).toContain(`${stack}/svc has a rollout in flight`);
  });

  it("refuses a plain weight change or promote with 409 unless force, which aborts the rollout", async () => {
    const stack = uniqueStack("ro");
    await run(stack);
    await stage(stack, "svc", "v3", origin("helloV3"));
    await startWeights(stack, { v3: 50 }, { duration: "10m", interval: "1m" });
    await runDurableObjectAlarm(storeStub());
    await expectError(await api("PUT", `/v1/services/${stack}/svc/weights`, { body: { weights: { v3: 1 } } }), 409, "rollout_in_progress");
    await expectError(await api("POST", `/v1/services/${stack}/svc/promote`, { body: { version: "v3" } }), 409, "rollout_in_progress");
    await expectError(
      await api("PUT", `/v1/services/${stack}/svc/weights`, { body: { weights: { v3: 1 }, duration: "5m" } }),
      409,
      "rollout_in_progress",
    );
    expect(weightOf(await service(stack), "v3")).toBe(5);

    const forced = await json<ServiceView>(await api("PUT", `/v1/services/${stack}/svc/weights`, { body: { weights: { v3: 1 }, force: true } }));
    expect(weightOf(forced, "v3")).toBe(1);
    expect(await status(stack)).toMatchObject({ status: "aborted", reason: "superseded by a forced change by root" });
    expect(await alarmAt()).toBeNull();
    // and a new rollout may start
    await startWeights(stack, { v3: 2 }, { duration: "1m" });
  });

  it("ends when the service is rolled back or removed under it", async () => {
    const stack = uniqueStack("ro");
    await run(stack);
    await stage(stack, "svc", "v3", origin("helloV3"));
    await startWeights(stack, { v3: 50 }, { duration: "10m", interval: "1m" });
    await runDurableObjectAlarm(storeStub());
    await json(await api("POST", `/v1/services/${stack}/svc/rollback`, { body: {} }));
    expect(await status(stack)).toMatchObject({ status: "aborted", reason: "superseded by rollback by root" });
    await runDurableObjectAlarm(storeStub());
    expect(weightOf(await service(stack), "v3")).toBe(0);
  });
});

describe("removing a service", () => {
  it("ends its rollout and forgets its edge statistics", async () => {
    const stack = uniqueStack("ro");
    await run(stack);
    await stage(stack, "svc", "v3", origin("helloV3"));
    await startWeights(stack, { v3: 50 }, { duration: "10m", interval: "1m" });
    const res = await call(`http://svc.${stack}.weir.localhost/`, {}, { ROUTE_CACHE_MS: "0" });
    await res.arrayBuffer();
    const stats = async () => (await json(await api("GET", `/v1/services/${stack}/svc/stats`))).revisions.map((r: { requests: number }) => r.requests);
    expect((await stats()).reduce((a: number, b: number) => a + b, 0)).toBe(1);

    await json(await api("DELETE", `/v1/services/${stack}/svc`));
    expect(await alarmAt()).toBeNull();
    await run(stack);
    expect(await stats()).toEqual([0]);
    await expectError(await api("GET", `/v1/services/${stack}/svc/rollout`), 404, "not_found");
  });
});

describe("rollout requests that cannot be honoured", () => {
  it("refuses bad durations, stray rollout fields and impossible targets, changing nothing", async () => {
    const stack = uniqueStack("ro");
    await run(stack);
    await stage(stack, "svc", "v3", origin("helloV3"));
    const put = (body: unknown) => api("PUT", `/v1/services/${stack}/svc/weights`, { body });
    expect(await expectError(await put({ weights: { v3: 10 }, duration: "3s" }), 422, "invalid")).toMatch(/too short/);
    expect(await expectError(await put({ weights: { v3: 10 }, duration: "25h" }), 422, "invalid")).toMatch(/longer than the 24h/);
    expect(await expectError(await put({ weights: { v3: 10 }, duration: "soon" }), 400, "bad_request")).toMatch(/does not parse/);
    expect(await expectError(await put({ weights: { v3: 10 }, duration: "1m", interval: "2m" }), 422, "invalid")).toMatch(/longer than the duration/);
    expect(await expectError(await put({ weights: { v3: 10 }, interval: "1m" }), 422, "invalid")).toMatch(/add a duration/);
    expect(await expectError(await put({ weights: { v3: 10 }, maxErrorRate: 5 }), 422, "invalid")).toMatch(/add a duration/);
    expect(await expectError(await put({ weights: { v9: 10 }, duration: "1m" }), 422, "invalid")).toMatch(/no staged revision 'v9'/);
    expect(await expectError(await put({ weights: { v0: 10 }, duration: "1m" }), 422, "invalid")).toMatch(/primary/);
    expect(await expectError(await put({ weights: { v3: 0 }, duration: "1m" }), 422, "invalid")).toMatch(/nothing to roll out/);
    await expectError(await put({ weights: { v3: 10 }, duration: "1m", maxErrorRate: 150 }), 422, "invalid");
    await expectError(await put({ weights: { v3: 10 }, duration: "1m", maxErrorRate: "5%" }), 400, "bad_request");
    await expectError(await api("POST", `/v1/services/${stack}/svc/promote`, { body: { version: "v9", duration: "1m" } }), 422, "invalid");
    await expectError(await api("GET", `/v1/services/${stack}/svc/rollout`), 404, "not_found");
    await expectError(await api("POST", `/v1/services/${stack}/svc/rollout/pause`), 404, "not_found");
    await expectError(await api("GET", `/v1/services/${stack}/nope/rollout`), 404, "not_found");
    expect(weightOf(await service(stack), "v3")).toBe(0);
    expect((await history(stack)).map((e) => e.operation)).toEqual(["run", "stage"]);
  });
});

describe("automatic abort on the canary's error rate", () => {
  it("aborts a rollout whose canary origin answers 500 to its weighted traffic, and history says why with the rate", async () => {
    const stack = uniqueStack("ro");
    await run(stack, "svc", origin("hello"), { affinity: "header:x-user" });
    await stage(stack, "svc", "bad", origin("failing" as never));
    const beforeRollout = await routing(stack);
    await startWeights(stack, { bad: 50 }, { duration: "10m", interval: "1m", maxErrorRate: 5, minRequests: 10 });
    // step 1 has no traffic to judge yet: it goes ahead
    await runDurableObjectAlarm(storeStub());
    expect(weightOf(await service(stack), "bad")).toBe(5);
    expect((await status(stack)).lastAnalysis).toEqual([expect.objectContaining({ version: "bad", verdict: "insufficient", responses: 0 })]);

    // real traffic: the users the weights send to the canary get the origin's 500s; others get v0
    for (const key of await keysOf(stack, "bad", 12)) {
      const res = await asUser(stack, key);
      expect([res.status, res.headers.get("weir-revision")]).toEqual([500, "bad"]);
    }
    for (const key of await keysOf(stack, "v0", 8)) expect((await asUser(stack, key)).status).toBe(200);

    await runDurableObjectAlarm(storeStub());
    const r = await status(stack);
    expect(r.status).toBe("aborted");
    expect(r.reason).toBe("error rate: bad: 12 of 12 weighted responses failed (100%), above the 5% limit");
    expect(r.lastAnalysis).toEqual([expect.objectContaining({ version: "bad", verdict: "fail", errors: 12, responses: 12, errorRate: 100 })]);
    expect(weightOf(await service(stack), "bad")).toBe(0);
    expect(await routing(stack)).toEqual(beforeRollout);
    expect(await alarmAt()).toBeNull();
    const last = (await history(stack)).at(-1)!;
    expect(last.operation).toBe("rollout abort");
    expect(last.actor).toBe("root");
    expect(last.summary).toBe(
      `rollout ${stack}/svc error rate: bad: 12 of 12 weighted responses failed (100%), above the 5% limit; back to bad=0% (weights from before config version ${last.configVersion - 2})`,
    );
  });

  it("keeps going while the canary is healthy", async () => {
    const stack = uniqueStack("ro");
    await run(stack, "svc", origin("hello"), { affinity: "header:x-user" });
    await stage(stack, "svc", "v3", origin("helloV3"));
    await startWeights(stack, { v3: 20 }, { duration: "2m", interval: "1m", maxErrorRate: 5, minRequests: 5 });
    await runDurableObjectAlarm(storeStub());
    for (const key of await keysOf(stack, "v3", 6)) expect((await asUser(stack, key)).headers.get("weir-revision")).toBe("v3");
    await runDurableObjectAlarm(storeStub());
    const r = await status(stack);
    expect(r).toMatchObject({ status: "completed", current: { v3: 20 } });
    expect(r.lastAnalysis).toEqual([expect.objectContaining({ version: "v3", verdict: "pass", responses: 6, errors: 0 })]);
  });
});

describe("canary analysis that pinned traffic cannot game (issue 9)", () => {
  /** A service whose canary `v3` is the lab origin: /status/200 succeeds, /status/500 fails. */
  async function canaryOnLab(stack: string): Promise<void> {
    await run(stack, "svc", origin("lab"), { affinity: "header:x-user" });
    await stage(stack, "svc", "v3", origin("lab"));
    await startWeights(stack, { v3: 20 }, { duration: "2m", interval: "1m", maxErrorRate: 5, minRequests: 10 });
    await runDurableObjectAlarm(storeStub());
    expect(weightOf(await service(stack), "v3")).toBe(10);
  }

  it("aborts a failing canary however many successes anyone sends to its version host, and stats show both", async () => {
    const stack = uniqueStack("game");
    await canaryOnLab(stack);
    // the canary's real users, chosen by the weights, get 500s
    for (const key of await keysOf(stack, "v3", 10)) expect((await asUser(stack, key, "/status/500")).status).toBe(500);
    // an anonymous client floods the canary's own hostname with successes
    for (let i = 0; i < 60; i++) expect((await pinnedTo(stack, "v3", "/status/200")).status).toBe(200);

    await runDurableObjectAlarm(storeStub());
    const r = await status(stack);
    expect(r.status).toBe("aborted");
    expect(r.lastAnalysis).toEqual([expect.objectContaining({ version: "v3", verdict: "fail", responses: 10, errors: 10 })]);
    expect(weightOf(await service(stack), "v3")).toBe(0);

    // weir stats still shows all of it, split
    const v3 = (await json(await api("GET", `/v1/services/${stack}/svc/stats`))).revisions.find((x: { version: string }) => x.version === "v3");
    expect(v3).toMatchObject({
      requests: 70,
      weighted: { requests: 10, responses: 10, errors: 10, errorRate: 100 },
      pinned: { requests: 60, responses: 60, errors: 0, errorRate: 0 },
      status: { "2xx": 60, "5xx": 10 },
    });
  });

  it("completes a healthy canary however many errors anyone sends to its version host", async () => {
    const stack = uniqueStack("game");
    await canaryOnLab(stack);
    for (const key of await keysOf(stack, "v3", 10)) expect((await asUser(stack, key, "/status/200")).status).toBe(200);
    // the pin header is no way in either
    for (let i = 0; i < 30; i++) expect((await pinnedTo(stack, "v3", "/status/500")).status).toBe(500);
    for (let i = 0; i < 30; i++) {
      const res = await call(`http://svc.${stack}.weir.localhost/status/500`, { headers: { "weir-revision": "v3", "x-user": "anyone" } }, fresh);
      await res.arrayBuffer();
      expect([res.status, res.headers.get("weir-revision")]).toEqual([500, "v3"]);
    }

    await runDurableObjectAlarm(storeStub());
    const r = await status(stack);
    expect(r).toMatchObject({ status: "completed", current: { v3: 20 } });
    expect(r.lastAnalysis).toEqual([expect.objectContaining({ version: "v3", verdict: "pass", responses: 10, errors: 0 })]);
    const v3 = (await json(await api("GET", `/v1/services/${stack}/svc/stats`))).revisions.find((x: { version: string }) => x.version === "v3");
    expect(v3).toMatchObject({ requests: 70, weighted: { requests: 10, errors: 0 }, pinned: { requests: 60, errors: 60, errorRate: 100 } });
  });
});

describe("revisions named after Object.prototype (issue 9)", () => {
  it("a rollout with a canary named `constructor` advances and completes, its analysis included", async () => {
    const stack = uniqueStack("proto");
    await run(stack, "svc", origin("hello"), { affinity: "header:x-user" });
    await stage(stack, "svc", "constructor", origin("helloV3"));
    const r = await startWeights(stack, { constructor: 20 }, { duration: "2m", interval: "1m", maxErrorRate: 5, minRequests: 5 });
    expect(r).toMatchObject({ target: { constructor: 20 }, from: { constructor: 0 } });
    // step 1 with nothing to judge yet
    await runDurableObjectAlarm(storeStub());
    expect(await status(stack)).toMatchObject({ status: "running", step: 1, failures: 0 });
    expect(weightOf(await service(stack), "constructor")).toBe(10);
    for (const key of await keysOf(stack, "constructor", 5)) expect((await asUser(stack, key)).status).toBe(200);
    await runDurableObjectAlarm(storeStub());
    const done = await status(stack);
    expect(done).toMatchObject({ status: "completed", step: 2, current: { constructor: 20 } });
    expect(done.lastAnalysis).toEqual([expect.objectContaining({ version: "constructor", verdict: "pass", responses: 5 })]);
    // and the next weight change is not refused as if a rollout were still in flight
    expect(weightOf(await setWeightsNow(stack, { constructor: 30 }), "constructor")).toBe(30);
  });

  it("stats, inspect and rm of a revision named `constructor` answer as for any other name", async () => {
    const stack = uniqueStack("proto");
    await run(stack);
    await stage(stack, "svc", "constructor", origin("helloV3"));
    const s = await service(stack);
    expect(s.revisions).toEqual([expect.objectContaining({ version: "constructor", weight: 0, state: "staged" })]);
    const stats = await json(await api("GET", `/v1/services/${stack}/svc/stats`));
    expect(stats.revisions.map((r: { version: string; requests: number }) => [r.version, r.requests])).toEqual([
      ["v0", 0],
      ["constructor", 0],
    ]);
    expect((await pinnedTo(stack, "constructor")).status).toBe(200);
    const after = await json(await api("GET", `/v1/services/${stack}/svc/stats`));
    expect(after.revisions[1]).toMatchObject({ version: "constructor", requests: 1, pinned: { requests: 1 } });
    await json(await api("DELETE", `/v1/services/${stack}/svc/revisions/constructor`));
    expect((await service(stack)).revisions).toEqual([]);
  });
});

describe("a rollout step that throws (issue 9)", () => {
  it("is retried with backoff, shown in the rollout's status, and the rollout goes on", async () => {
    const stack = uniqueStack("retry");
    await run(stack);
    await stage(stack, "svc", "v3", origin("helloV3"));
    await startWeights(stack, { v3: 20 }, { duration: "2m", interval: "1m" });
    // The next step throws once (the rollout engine's own code, as an unexpected bug would).
    const proto = Rollouts.prototype as unknown as { step: (...args: unknown[]) => Promise<void> };
    const step = proto.step;
    proto.step = async function () {
      proto.step = step;
      throw new Error("injected step failure");
    };
    try {
      const before = Date.now();
      expect(await runDurableObjectAlarm(storeStub())).toBe(true);
      const failed = await status(stack);
      expect(failed).toMatchObject({ status: "running", step: 0, failures: 1, lastError: { message: "injected step failure" } });
      expect(weightOf(await service(stack), "v3")).toBe(0);
      // the clock keeps going: due again after the first backoff, not gone
      const due = (await alarmAt()) as number;
      expect(due).toBeGreaterThanOrEqual(before + TIMER_RETRY_BASE_MS);
      expect(due).toBeLessThan(Date.now() + 60_000);
    } finally {
      proto.step = step;
    }
    expect(await runDurableObjectAlarm(storeStub())).toBe(true);
    const recovered = await status(stack);
    expect(recovered).toMatchObject({ status: "running", step: 1, failures: 0, lastError: { message: "injected step failure" } });
    expect(weightOf(await service(stack), "v3")).toBe(10);
    await runDurableObjectAlarm(storeStub());
    expect(await status(stack)).toMatchObject({ status: "completed", step: 2 });
  });
});

describe("the OpenAPI document", () => {
  it("lists the rollout and stats routes with the new body fields", async () => {
    const doc = await json(await api("GET", "/v1/openapi.json"));
    const base = "/v1/services/{stack}/{name}";
    expect(Object.keys(doc.paths[`${base}/rollout`])).toEqual(["get"]);
    for (const action of ["pause", "resume", "abort"]) expect(Object.keys(doc.paths[`${base}/rollout/${action}`])).toEqual(["post"]);
    expect(doc.paths[`${base}/stats`].get.parameters.some((p: { name: string; in: string }) => p.name === "window" && p.in === "query")).toBe(true);
    expect(doc.paths[`${base}/weights`].put.responses["202"]).toBeDefined();
    expect(doc.paths[`${base}/promote`].post.responses["202"]).toBeDefined();
    expect(Object.keys(doc.components.schemas.WeightsBody.properties)).toEqual(
      expect.arrayContaining(["duration", "interval", "pause", "force", "maxErrorRate", "minRequests"]),
    );
    expect(doc.components.schemas.RolloutView).toBeDefined();
    expect(doc.components.schemas.StatsView).toBeDefined();
  });
});

describe("GET …/stats", () => {
  it("reports each revision over the window, and refuses windows it cannot serve", async () => {
    const stack = uniqueStack("st");
    await run(stack);
    await stage(stack, "svc", "v3", origin("helloV3"));
    for (const pin of ["v0", "v0", "v3"]) {
      const res = await call(`http://svc.${stack}.weir.localhost/`, { headers: { "weir-revision": pin } }, { ROUTE_CACHE_MS: "0" });
      await res.arrayBuffer();
    }
    const view = await json(await api("GET", `/v1/services/${stack}/svc/stats?window=5m`));
    expect(view).toMatchObject({ service: `${stack}/svc`, window: "5m" });
    expect(Date.parse(view.to) - Date.parse(view.from)).toBe(300_000);
    expect(view.revisions).toEqual([
      expect.objectContaining({ version: "v0", requests: 2, responses: 2, errors: 0, errorRate: 0, status: { "1xx": 0, "2xx": 2, "3xx": 0, "4xx": 0, "5xx": 0 } }),
      expect.objectContaining({ version: "v3", requests: 1, errorRate: 0 }),
    ]);
    expect((await json(await api("GET", `/v1/services/${stack}/svc/stats`))).window).toBe("5m");
    expect(await expectError(await api("GET", `/v1/services/${stack}/svc/stats?window=1s`), 422, "invalid")).toMatch(/between 10s and 24h/);
    expect(await expectError(await api("GET", `/v1/services/${stack}/svc/stats?window=25h`), 422, "invalid")).toMatch(/between 10s and 24h/);
    await expectError(await api("GET", `/v1/services/${stack}/svc/stats?window=abc`), 400, "bad_request");
    await expectError(await api("GET", `/v1/services/${stack}/nope/stats`), 404, "not_found");
  });
});
