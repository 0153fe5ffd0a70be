import { describe, expect, it } from "vitest";
import {
  aggregateWindow,
  analyzeCanary,
  bucketStart,
  countRequest,
  describeVerdict,
  emptyCounters,
  errorRate,
  LATENCY_BOUNDS_MS,
  latencyBucket,
  latencyQuantile,
  mergeBatches,
  mergeCounters,
  responsesOf,
  STATS_BUCKET_MS,
  type StatsBatch,
} from "../../core/edge-stats.ts";
import { revisionStatsView } from "../../core/stats-view.ts";

function counters(spec: { ok?: number; s5xx?: number; s4xx?: number; originErrors?: number; latencyMs?: number }) {
  const c = emptyCounters();
  for (let i = 0; i < (spec.ok ?? 0); i++) countRequest(c, 200, spec.latencyMs ?? 20);
  for (let i = 0; i < (spec.s4xx ?? 0); i++) countRequest(c, 404, spec.latencyMs ?? 20);
  for (let i = 0; i < (spec.s5xx ?? 0); i++) countRequest(c, 500, spec.latencyMs ?? 20);
  for (let i = 0; i < (spec.originErrors ?? 0); i++) countRequest(c, "origin_error", 0);
  return c;
}

describe("counting", () => {
  it("sorts responses by status class and keeps origin errors apart", () => {
    const c = emptyCounters();
    for (const s of [101, 200, 204, 301, 404, 418, 500, 503]) countRequest(c, s, 1);
    countRequest(c, "origin_error", 30_000);
    expect(c.requests).toBe(9);
    expect(c.status).toEqual([1, 2, 1, 2, 2]);
    expect(c.originErrors).toBe(1);
    expect(responsesOf(c)).toBe(9);
    // origin errors have no latency: only the 8 responses are in the histogram
    expect(c.latency.reduce((a, b) => a + b, 0)).toBe(8);
  });

  it("puts latencies into fixed buckets, bounds inclusive", () => {
    expect(latencyBucket(0)).toBe(0);
    expect(latencyBucket(5)).toBe(0);
    expect(latencyBucket(5.1)).toBe(1);
    expect(latencyBucket(100)).toBe(4);
    expect(latencyBucket(10_000)).toBe(LATENCY_BOUNDS_MS.length - 1);
    expect(latencyBucket(60_000)).toBe(LATENCY_BOUNDS_MS.length);
  });

  it("reads quantiles from the histogram", () => {
    const c = emptyCounters();
    for (let i = 0; i < 90; i++) countRequest(c, 200, 3);
    for (let i = 0; i < 10; i++) countRequest(c, 200, 700);
    expect(latencyQuantile(c, 0.5)).toBe(5);
    expect(latencyQuantile(c, 0.9)).toBe(5);
    expect(latencyQuantile(c, 0.95)).toBe(1_000);
    expect(latencyQuantile(emptyCounters(), 0.5)).toBeNull();
  });
});

describe("merging", () => {
  it("adds counters field by field", () => {
    const a = counters({ ok: 3, s5xx: 1 });
    const b = counters({ ok: 2, originErrors: 2, latencyMs: 400 });
    const m = mergeCounters(emptyCounters(), a);
    mergeCounters(m, b);
    expect(m.requests).toBe(8);
    expect(m.status[1]).toBe(5);
    expect(m.status[4]).toBe(1);
    expect(m.originErrors).toBe(2);
    expect(m.latencySumMs).toBe(a.latencySumMs + b.latencySumMs);
    expect(m.latency.reduce((x, y) => x + y, 0)).toBe(6);
  });

  it("merges batches from several isolates by time bucket and revision", () => {
    const t0 = bucketStart(1_700_000_003_000);
    const one: StatsBatch = { service: "t/s", buckets: [{ start: t0, revisions: { v0: counters({ ok: 2 }), v3: counters({ s5xx: 1 }) } }] };
    const two: StatsBatch = {
      service: "t/s",
      buckets: [
        { start: t0 + STATS_BUCKET_MS, revisions: { v3: counters({ ok: 1 }) } },
        { start: t0, revisions: { v3: counters({ s5xx: 2 }) } },
      ],
    };
    const merged = mergeBatches("t/s", [one, two]);
    expect(merged.buckets.map((b) => b.start)).toEqual([t0, t0 + STATS_BUCKET_MS]);
    expect(merged.buckets[0].revisions.v3.status[4]).toBe(3);
    expect(merged.buckets[0].revisions.v0.requests).toBe(2);
    expect(merged.buckets[1].revisions.v3.requests).toBe(1);
    // inputs are left alone
    expect(one.buckets[0].revisions.v3.status[4]).toBe(1);
  });
});

describe("windows", () => {
  it("sums only the buckets that overlap the window", () => {
    const t0 = bucketStart(1_700_000_000_000);
    const rows = [0, 1, 2, 3].map((k) => ({ start: t0 + k * STATS_BUCKET_MS, version: "v3", counters: counters({ ok: 1 + k }) }));
    const all = aggregateWindow(rows, t0, t0 + 4 * STATS_BUCKET_MS);
    expect(all.get("v3")!.requests).toBe(1 + 2 + 3 + 4);
    const lastTwo = aggregateWindow(rows, t0 + 2 * STATS_BUCKET_MS + 1, t0 + 4 * STATS_BUCKET_MS);
    expect(lastTwo.get("v3")!.requests).toBe(3 + 4);
    expect(aggregateWindow(rows, t0 + 10 * STATS_BUCKET_MS, t0 + 11 * STATS_BUCKET_MS).size).toBe(0);
  });
});

describe("canary analysis", () => {
  const limits = { maxErrorRate: 5, minRequests: 20 };

  it("fails a canary above the rate with enough responses, and says why with figures", () => {
    const v = analyzeCanary("v3", counters({ ok: 15, s5xx: 3, originErrors: 2 }), limits);
    expect(v).toMatchObject({ verdict: "fail", responses: 20, errors: 5, errorRate: 25 });
    expect(describeVerdict(v)).toBe("v3: 5 of 20 responses failed (25%), above the 5% limit");
  });

  it("passes a canary within the rate; 4xx are not errors", () => {
    const v = analyzeCanary("v3", counters({ ok: 80, s4xx: 19, s5xx: 1 }), limits);
    expect(v.verdict).toBe("pass");
    expect(v.errorRate).toBe(1);
  });

  it("passes a canary exactly at the limit", () => {
    expect(analyzeCanary("v3", counters({ ok: 19, s5xx: 1 }), limits).verdict).toBe("pass");
  });

  it("does not judge with fewer than minRequests responses", () => {
    const v = analyzeCanary("v3", counters({ s5xx: 19 }), limits);
    expect(v.verdict).toBe("insufficient");
    expect(describeVerdict(v)).toMatch(/fewer than the 20 needed/);
    expect(analyzeCanary("v3", undefined, { maxErrorRate: 5, minRequests: 0 }).verdict).toBe("insufficient");
  });

  it("computes the error rate as (5xx + origin errors) / responses", () => {
    expect(errorRate(counters({ ok: 2, s5xx: 1, originErrors: 1 }))).toBe(50);
    expect(errorRate(emptyCounters())).toBeNull();
  });
});

describe("stats view", () => {
  it("shows counts, rate and latency of a revision", () => {
    const view = revisionStatsView("v3", counters({ ok: 3, s5xx: 1, latencyMs: 40 }));
    expect(view).toEqual({
      version: "v3",
      requests: 4,
      responses: 4,
      status: { "1xx": 0, "2xx": 3, "3xx": 0, "4xx": 0, "5xx": 1 },
      originErrors: 0,
      errors: 1,
      errorRate: 25,
      latencyMs: { mean: 40, p50: 50, p95: 50, p99: 50 },
    });
  });
});
