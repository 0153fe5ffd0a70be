/**
 * `GET …/stats?window=15m&step=30s` (the dashboard's charts): counts per step from the real
 * StatsStore, every step present, and steps the route cannot serve refused.
 */
import { describe, expect, it } from "vitest";
import { bucketStart, countRequest, emptyCounters, STATS_BUCKET_MS } from "../../core/edge-stats.ts";
import { statsStoreOf } from "../../admin/store/stats-store.ts";
import { api, call, env, expectError, json, origin, run, stage, uniqueStack } from "./helpers.ts";
import type { Env } from "../../worker/env.ts";

describe("GET …/stats with step", () => {
  it("gives one point per step, oldest first, with the window's requests in the last ones", async () => {
    const stack = uniqueStack("series");
    await run(stack);
    await stage(stack, "svc", "v3", origin("helloV3"));
    for (const pin of ["v0", "v3", "v3"]) {
      const res = await call(`http://svc.${stack}.weir.localhost/`, { headers: { "weir-revision": pin } }, { ROUTE_CACHE_MS: "0" });
      await res.arrayBuffer();
    }
    const view = await json(await api("GET", `/v1/services/${stack}/svc/stats?window=15m&step=30s`));
    const points = view.series.points as { at: string; revisions: { version: string; requests: number; errors: number; errorRate: number | null }[] }[];
    expect(view.series.step).toBe("30s");
    // 15 minutes in 30 s steps, the first step aligned down: 30 or 31 points
    expect(points.length).toBeGreaterThanOrEqual(30);
    expect(points.length).toBeLessThanOrEqual(31);
    const starts = points.map((p) => Date.parse(p.at));
    for (let i = 1; i < starts.length; i++) expect(starts[i] - starts[i - 1]).toBe(30_000);
    expect(starts[0] % 30_000).toBe(0);
    expect(starts[0]).toBeLessThanOrEqual(Date.parse(view.from));
    expect(starts.at(-1)).toBeLessThanOrEqual(Date.parse(view.to));
    for (const p of points) expect(p.revisions.map((r) => r.version)).toEqual(["v0", "v3"]);
    const total = (v: string) => points.reduce((sum, p) => sum + (p.revisions.find((r) => r.version === v)?.requests ?? 0), 0);
    expect([total("v0"), total("v3")]).toEqual([1, 2]);
    // the series adds up to the window's totals
    expect(view.revisions.map((r: { requests: number }) => r.requests)).toEqual([1, 2]);
    const empty = points.find((p) => p.revisions.every((r) => r.requests === 0));
    expect(empty?.revisions[0]).toEqual({ version: "v0", requests: 0, responses: 0, errors: 0, errorRate: null });
  });

  it("sums the stats buckets of each step and keeps error rates per step", async () => {
    const stack = uniqueStack("series");
    await run(stack);
    const store = statsStoreOf(env as unknown as Env, `${stack}/svc`);
    const now = Date.now();
    const step = 60_000;
    const thisStep = now - (now % step);
    const counters = (ok: number, failed: number) => {
      const c = emptyCounters();
      for (let i = 0; i < ok; i++) countRequest(c, 200, 5);
      for (let i = 0; i < failed; i++) countRequest(c, 503, 5);
      return c;
    };
    // two buckets in the previous minute, one in this one
    const previous = thisStep - step;
    await store.ingest({
      service: `${stack}/svc`,
      buckets: [
        { start: previous, revisions: { v0: counters(3, 1) } },
        { start: previous + 5 * STATS_BUCKET_MS, revisions: { v0: counters(0, 4) } },
        { start: bucketStart(now), revisions: { v0: counters(2, 0) } },
      ],
    });
    const view = await json(await api("GET", `/v1/services/${stack}/svc/stats?window=5m&step=1m`));
    const byStart = new Map(view.series.points.map((p: { at: string; revisions: unknown[] }) => [Date.parse(p.at), p.revisions[0]]));
    expect(byStart.get(previous)).toEqual({ version: "v0", requests: 8, responses: 8, errors: 5, errorRate: 62.5 });
    expect(byStart.get(thisStep)).toEqual({ version: "v0", requests: 2, responses: 2, errors: 0, errorRate: 0 });
    expect(view.revisions[0]).toMatchObject({ requests: 10, errors: 5 });
  });

  it("refuses a step that does not parse, is not whole buckets, is longer than the window or gives too many points", async () => {
    const stack = uniqueStack("series");
    await run(stack);
    const path = (q: string) => `/v1/services/${stack}/svc/stats?${q}`;
    expect(await expectError(await api("GET", path("step=abc")), 400, "bad_request")).toMatch(/step 'abc' does not parse/);
    expect(await expectError(await api("GET", path("step=15s")), 422, "invalid")).toMatch(/multiple of 10s/);
    expect(await expectError(await api("GET", path("step=5s")), 422, "invalid")).toMatch(/multiple of 10s/);
    expect(await expectError(await api("GET", path("window=1m&step=2m")), 422, "invalid")).toMatch(/no longer than the window \(1m\)/);
    expect(await expectError(await api("GET", path("window=24h&step=10s")), 422, "invalid")).toMatch(/more than 500 points over 24h: use a step of at least 3m/);
    // without step there is no series
    expect((await json(await api("GET", path("window=1m")))).series).toBeUndefined();
  });
});
