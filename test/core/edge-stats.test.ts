import { describe, expect, it } from "vitest";
import {
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
  revisionTotals,
  ruleTotals,
  seriesOf,
  STATS_BUCKET_MS,
  weightedCounts,
  type StatsBatch,
  type WindowRow,
} from "../../core/edge-stats.ts";
import { revisionStatsView, ruleStatsViews } from "../../core/stats-view.ts";

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

  it("merges batches from several isolates by time bucket, revision and selection", () => {
    const t0 = bucketStart(1_700_000_003_000);
    const one: StatsBatch = {
      service: "t/s",
      buckets: [
        {
          start: t0,
          series: [
            { version: "v0", selection: "weighted", counters: counters({ ok: 2 }) },
            { version: "v3", selection: "weighted", counters: counters({ s5xx: 1 }) },
            { version: "v3", selection: "pinned", counters: counters({ ok: 7 }) },
          ],
        },
      ],
    };
    const two: StatsBatch = {
      service: "t/s",
      buckets: [
        { start: t0 + STATS_BUCKET_MS, series: [{ version: "v3", selection: "weighted", counters: counters({ ok: 1 }) }] },
        { start: t0, series: [{ version: "v3", selection: "weighted", counters: counters({ s5xx: 2 }) }] },
      ],
    };
    const merged = mergeBatches("t/s", [one, two]);
    const find = (b: number, version: string, selection: string) =>
      merged.buckets[b].series.find((s) => s.version === version && s.selection === selection)!.counters;
    expect(merged.buckets.map((b) => b.start)).toEqual([t0, t0 + STATS_BUCKET_MS]);
    expect(find(0, "v3", "weighted").status[4]).toBe(3);
    expect(find(0, "v3", "pinned").requests).toBe(7);
    expect(find(0, "v0", "weighted").requests).toBe(2);
    expect(find(1, "v3", "weighted").requests).toBe(1);
    // inputs are left alone
    expect(one.buckets[0].series[1].counters.status[4]).toBe(1);
  });

  it("reads a bucket as new isolates send it and as isolates from before the split did", () => {
    const split = {
      start: 0,
      series: [
        { version: "v3", selection: "pinned", counters: counters({ ok: 1 }) },
        { version: "x", selection: "bogus", counters: counters({ ok: 1 }) },
      ],
    };
    expect(seriesOf(split)).toEqual([{ version: "v3", selection: "pinned", counters: counters({ ok: 1 }) }]);
    const legacy = { start: 0, revisions: { v0: counters({ ok: 2 }), constructor: counters({ s5xx: 1 }) } };
    expect(seriesOf(legacy)).toEqual([
      { version: "v0", selection: null, counters: counters({ ok: 2 }) },
      { version: "constructor", selection: null, counters: counters({ s5xx: 1 }) },
    ]);
    expect(seriesOf({ revisions: null })).toEqual([]);
  });
});

describe("totals by revision", () => {
  const rows: WindowRow[] = [
    { version: "v3", selection: "weighted", counters: counters({ ok: 1, s5xx: 9 }) },
    { version: "v3", selection: "pinned", counters: counters({ ok: 100 }) },
    { version: "v3", selection: null, counters: counters({ ok: 5 }) },
    { version: "constructor", selection: "weighted", counters: counters({ ok: 4 }) },
  ];

  it("keep everything, and the weighted and pinned parts apart; rows from before the split count only in all", () => {
    const t = revisionTotals(rows);
    expect(t.get("v3")!.all.requests).toBe(115);
    expect(t.get("v3")!.weighted.requests).toBe(10);
    expect(t.get("v3")!.pinned.requests).toBe(100);
    expect(t.get("constructor")!.weighted.requests).toBe(4);
    expect(t.has("toString")).toBe(false);
  });

  it("give the analysis only what the weights sent: a flood of pinned successes hides no weighted failure", () => {
    const weighted = weightedCounts(rows);
    expect(analyzeCanary("v3", weighted.get("v3"), { maxErrorRate: 5, minRequests: 10 })).toMatchObject({ verdict: "fail", responses: 10, errors: 9 });
    expect(analyzeCanary("constructor", weighted.get("constructor"), { maxErrorRate: 5, minRequests: 1 }).verdict).toBe("pass");
  });
});

describe("canary analysis", () => {
  const limits = { maxErrorRate: 5, minRequests: 20 };

  it("fails a canary above the rate with enough responses, and says why with figures", () => {
    const v = analyzeCanary("v3", counters({ ok: 15, s5xx: 3, originErrors: 2 }), limits);
    expect(v).toMatchObject({ verdict: "fail", responses: 20, errors: 5, errorRate: 25 });
    expect(describeVerdict(v)).toBe("v3: 5 of 20 weighted responses failed (25%), above the 5% limit");
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
  it("shows counts, rate and latency of a revision, and its weighted and pinned parts", () => {
    const view = revisionStatsView("v3", {
      all: counters({ ok: 3, s5xx: 1, latencyMs: 40 }),
      weighted: counters({ ok: 1, s5xx: 1, latencyMs: 40 }),
      pinned: counters({ ok: 2, latencyMs: 40 }),
      mirror: emptyCounters(),
    });
    expect(view).toEqual({
      version: "v3",
      requests: 4,
      weighted: { requests: 2, responses: 2, errors: 1, errorRate: 50 },
      pinned: { requests: 2, responses: 2, errors: 0, errorRate: 0 },
      mirrored: { requests: 0, responses: 0, errors: 0, errorRate: null },
      responses: 4,
      status: { "1xx": 0, "2xx": 3, "3xx": 0, "4xx": 0, "5xx": 1 },
      originErrors: 0,
      errors: 1,
      errorRate: 25,
      retries: 0,
      faultAborts: 0,
      faultDelays: 0,
      latencyMs: { mean: 40, p50: 50, p95: 50, p99: 50 },
    });
    expect(revisionStatsView("v9", undefined)).toMatchObject({ requests: 0, weighted: { requests: 0, errorRate: null }, pinned: { requests: 0 } });
  });
});

describe("mirrors, retries, faults and rules' own answers (DESIGN §10)", () => {
  const rows = (): WindowRow[] => {
    const retried = counters({ ok: 2 });
    retried.retries = 3;
    const aborted = emptyCounters();
    aborted.faultAborts = 7;
    return [
      { version: "v3", selection: "weighted", counters: counters({ ok: 20 }) },
      { version: "v3", selection: "weighted", counters: aborted },
      { version: "v3", selection: "pinned", counters: retried },
      // a mirror copy that failed every time: shown, never judged
      { version: "v3", selection: "mirror", counters: counters({ s5xx: 40 }) },
      // a rule named like a revision stays the rule's
      { version: "v3", selection: "rule", counters: counters({ s5xx: 7 }) },
      { version: "moved", selection: "rule", counters: (() => { const c = emptyCounters(); countRequest(c, 301, 0); countRequest(c, 301, 0); return c; })() },
    ];
  };

  it("judges only the weighted part: mirror copies, injected aborts and rule answers never fail a canary", () => {
    const weighted = weightedCounts(rows()).get("v3");
    expect(weighted).toMatchObject({ requests: 20, originErrors: 0, faultAborts: 7 });
    expect(analyzeCanary("v3", weighted, { maxErrorRate: 5, minRequests: 10 }).verdict).toBe("pass");
  });

  it("keeps a revision's mirrored part, retries and faults, and rules' answers apart by name", () => {
    const totals = revisionTotals(rows());
    expect([...totals.keys()]).toEqual(["v3"]);
    const view = revisionStatsView("v3", totals.get("v3"));
    expect(view).toMatchObject({
      requests: 62,
      weighted: { requests: 20, errors: 0 },
      pinned: { requests: 2 },
      mirrored: { requests: 40, errors: 40, errorRate: 100 },
      retries: 3,
      faultAborts: 7,
    });
    expect(ruleStatsViews(ruleTotals(rows()))).toEqual([
      { name: "moved", requests: 2, status: { "1xx": 0, "2xx": 0, "3xx": 2, "4xx": 0, "5xx": 0 } },
      { name: "v3", requests: 7, status: { "1xx": 0, "2xx": 0, "3xx": 0, "4xx": 0, "5xx": 7 } },
    ]);
  });

  it("merges counts from isolates that predate the retry and fault counters", () => {
    const old = counters({ ok: 1 }) as Partial<ReturnType<typeof emptyCounters>>;
    delete old.retries;
    delete old.faultAborts;
    delete old.faultDelays;
    const into = counters({ ok: 1 });
    into.retries = 1;
    expect(mergeCounters(into, old as ReturnType<typeof emptyCounters>)).toMatchObject({ requests: 2, retries: 1, faultAborts: 0, faultDelays: 0 });
  });

  it("reads stored series of every kind and drops unknown ones", () => {
    const got = seriesOf({
      series: [
        { version: "v4", selection: "mirror", counters: emptyCounters() },
        { version: "moved", selection: "rule", counters: emptyCounters() },
        { version: "x", selection: "shadow", counters: emptyCounters() },
      ],
    });
    expect(got.map((r) => `${r.version}:${r.selection}`)).toEqual(["v4:mirror", "moved:rule"]);
  });
});
