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
    type Part = { requests: number; errors: number; errorRate: number | null };
    const points = view.series.points as { at: string; revisions: (Part & { version: string; weighted: Part; pinned: Part })[] }[];
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
    // the header pinned each request: the series says so per step, as the totals do
    const pinned = (v: string) => points.reduce((sum, p) => sum + (p.revisions.find((r) => r.version === v)?.pinned.requests ?? 0), 0);
    const weighted = (v: string) => points.reduce((sum, p) => sum + (p.revisions.find((r) => r.version === v)?.weighted.requests ?? 0), 0);
    expect([pinned("v0"), pinned("v3"), weighted("v0"), weighted("v3")]).toEqual([1, 2, 0, 0]);
    expect(view.revisions.map((r: { pinned: { requests: number } }) => r.pinned.requests)).toEqual([1, 2]);
    const none = { requests: 0, responses: 0, errors: 0, errorRate: null };
    const empty = points.find((p) => p.revisions.every((r) => r.requests === 0));
    expect(empty?.revisions[0]).toEqual({ version: "v0", ...none, weighted: none, pinned: none, mirrored: none });
  });

  it("sums the stats buckets of each step per selection and keeps error rates per step", async () => {
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
    // two buckets in the previous minute, one in this one; weighted, pinned, and one bucket
    // as an isolate from before the split sent it (counted in the total only)
    const previous = thisStep - step;
    await store.ingest({
      service: `${stack}/svc`,
      buckets: [
        { start: previous, series: [{ version: "v0", selection: "weighted", counters: counters(3, 1) }] },
        {
          start: previous + 5 * STATS_BUCKET_MS,
          series: [
            { version: "v0", selection: "weighted", counters: counters(1, 1) },
            { version: "v0", selection: "pinned", counters: counters(0, 2) },
          ],
        },
        { start: bucketStart(now), series: [{ version: "v0", selection: "pinned", counters: counters(2, 0) }] },
      ],
    });
    await store.ingest({ service: `${stack}/svc`, buckets: [{ start: previous + STATS_BUCKET_MS, revisions: { v0: counters(1, 1) } }] });
    const view = await json(await api("GET", `/v1/services/${stack}/svc/stats?window=5m&step=1m`));
    const byStart = new Map(view.series.points.map((p: { at: string; revisions: unknown[] }) => [Date.parse(p.at), p.revisions[0]]));
    const part = (requests: number, errors: number, errorRate: number | null) => ({ requests, responses: requests, errors, errorRate });
    expect(byStart.get(previous)).toEqual({ version: "v0", ...part(10, 5, 50), weighted: part(6, 2, 100 / 3), pinned: part(2, 2, 100), mirrored: part(0, 0, null) });
    expect(byStart.get(thisStep)).toEqual({ version: "v0", ...part(2, 0, 0), weighted: part(0, 0, null), pinned: part(2, 0, 0), mirrored: part(0, 0, null) });
    expect(view.revisions[0]).toMatchObject({ requests: 12, errors: 5, weighted: { requests: 6 }, pinned: { requests: 4 } });
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
    // a long value is quoted cut short (probe, session 2: it came back whole)
    const long = await expectError(await api("GET", path(`window=${"x".repeat(5000)}`)), 400, "bad_request");
    expect(long).toBe(`window '${"x".repeat(64)}…' does not parse: write a duration like '30s', '5m' or '1h'`);
    expect((await expectError(await api("GET", path(`window=24h&step=${"1".repeat(5000)}0s`)), 422, "invalid")).length).toBeLessThan(200);
    // without step there is no series
    expect((await json(await api("GET", path("window=1m")))).series).toBeUndefined();
  });

  // Probe (session 2): 5000s in 10s steps passed the check (exactly 500 steps) and gave
  // 501 points, the window's start lying inside its first step.
  it("never gives more than 500 points, however the window falls on the steps", async () => {
    const stack = uniqueStack("series");
    await run(stack);
    const path = (q: string) => `/v1/services/${stack}/svc/stats?${q}`;
    expect(await expectError(await api("GET", path("window=5000s&step=10s")), 422, "invalid")).toBe(
      "step 10s gives more than 500 points over 5000s: use a step of at least 20s",
    );
    for (const q of ["window=4990s&step=10s", "window=5000s&step=20s", "window=24h&step=3m", "window=24h&step=24h"]) {
      const points = (await json(await api("GET", path(q)))).series.points as unknown[];
      expect(points.length, q).toBeLessThanOrEqual(500);
    }
  });
});

describe("GET …/stats and traffic rules (DESIGN §10)", () => {
  it("shows a revision's mirrored part, retries and faults, and the answers rules gave themselves", async () => {
    const stack = uniqueStack("series");
    await run(stack);
    await stage(stack, "svc", "v4", origin("hello"), 0);
    const rules = [
      { name: "shadow", match: { path: { prefix: "/m" } }, mirror: { version: "v4" } },
      { name: "maintenance", match: { path: { prefix: "/down" } }, respond: { status: 503, body: "later" } },
    ];
    await json(await api("PUT", `/v1/services/${stack}/svc/rules`, { body: { rules } }));
    for (const path of ["/m", "/m", "/down"]) {
      const res = await call(`http://svc.${stack}.weir.localhost${path}`, {}, { ROUTE_CACHE_MS: "0" });
      await res.arrayBuffer();
    }
    const view = await json(await api("GET", `/v1/services/${stack}/svc/stats?window=1m&step=10s`));
    type Part = { requests: number };
    type Line = { version: string; requests: number; weighted: Part; pinned: Part; mirrored: Part; retries: number; faultAborts: number; faultDelays: number };
    expect((view.revisions as Line[]).map((r) => [r.version, r.requests, r.weighted.requests, r.mirrored.requests, r.retries, r.faultAborts, r.faultDelays])).toEqual([
      ["v0", 2, 2, 0, 0, 0, 0],
      ["v4", 2, 0, 2, 0, 0, 0],
    ]);
    expect(view.rules).toEqual([{ name: "maintenance", requests: 1, status: { "1xx": 0, "2xx": 0, "3xx": 0, "4xx": 0, "5xx": 1 } }]);
    const mirrored = (view.series.points as { revisions: Line[] }[]).reduce((sum, p) => sum + p.revisions[1].mirrored.requests, 0);
    expect(mirrored).toBe(2);
  });
});
