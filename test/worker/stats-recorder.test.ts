import { describe, expect, it } from "vitest";
import { MAX_SERVICES_PER_FLUSH, mergeBatches, STATS_BUCKET_MS, type StatsBatch } from "../../core/edge-stats.ts";
import { StatsRecorder } from "../../worker/stats-recorder.ts";

/** A clock the test moves, a ctx whose waitUntil promises the test can await, a sink that keeps batches. */
function harness(start = 1_700_000_000_000) {
  const clock = { t: start };
  const waits: Promise<unknown>[] = [];
  const ctx = { waitUntil: (p: Promise<unknown>) => void waits.push(p) };
  const batches: StatsBatch[] = [];
  const sink = async (b: StatsBatch) => void batches.push(b);
  // The delayed flush's timer: the test decides when it fires by settling `waits`.
  const recorder = new StatsRecorder({ now: () => clock.t, wait: async () => {} });
  return { clock, waits, ctx, batches, sink, recorder, settle: () => Promise.all(waits) };
}

function total(batches: StatsBatch[], service: string, version: string, selection = "weighted") {
  const merged = mergeBatches(service, batches.filter((b) => b.service === service));
  const of = (b: StatsBatch["buckets"][number]) => b.series.find((s) => s.version === version && s.selection === selection)?.counters.requests ?? 0;
  return merged.buckets.reduce((sum, b) => sum + of(b), 0);
}

describe("StatsRecorder", () => {
  it("batches: many requests within one interval make at most one immediate and one delayed flush", async () => {
    const h = harness();
    for (let i = 0; i < 1_000; i++) {
      h.recorder.record("t/s", i % 10 === 0 ? "v3" : "v0", "weighted", 200, 12);
      h.recorder.maybeFlush(h.ctx, h.sink, 5_000);
      h.clock.t += 1; // one second in all
    }
    expect(h.waits.length).toBeLessThanOrEqual(2);
    // the delayed flush fires at the interval's end
    h.clock.t += 4_000;
    await h.settle();
    expect(h.recorder.hasPending()).toBe(false);
    expect(h.batches.length).toBeLessThanOrEqual(2);
    expect(total(h.batches, "t/s", "v0")).toBe(900);
    expect(total(h.batches, "t/s", "v3")).toBe(100);
  });

  it("flushes a burst followed by silence without waiting for another request", async () => {
    const h = harness();
    h.recorder.record("t/s", "v0", "weighted", 200, 1);
    h.recorder.maybeFlush(h.ctx, h.sink, 20); // first flush of the isolate: immediate
    await h.settle();
    h.clock.t += 5;
    h.recorder.record("t/s", "v0", "weighted", 500, 1);
    h.recorder.record("t/s", "v0", "weighted", "origin_error", 0);
    h.recorder.maybeFlush(h.ctx, h.sink, 20); // arms one delayed flush, 15 ms away
    h.recorder.maybeFlush(h.ctx, h.sink, 20); // already armed: nothing more
    expect(h.waits).toHaveLength(2);
    expect(h.batches).toHaveLength(1);
    await h.settle();
    expect(h.batches).toHaveLength(2);
    const second = h.batches[1].buckets[0].series.find((x) => x.version === "v0")!.counters;
    expect(second.requests).toBe(2);
    expect(second.status[4]).toBe(1);
    expect(second.originErrors).toBe(1);
  });

  it("keeps what the weights chose apart from what requests pinned, per revision", async () => {
    const h = harness();
    for (let i = 0; i < 7; i++) h.recorder.record("t/s", "v3", "pinned", 200, 1);
    for (let i = 0; i < 3; i++) h.recorder.record("t/s", "v3", "weighted", 500, 1);
    h.recorder.record("t/s", "constructor", "weighted", 200, 1);
    await h.recorder.flush(h.sink);
    expect(total(h.batches, "t/s", "v3", "pinned")).toBe(7);
    expect(total(h.batches, "t/s", "v3", "weighted")).toBe(3);
    expect(total(h.batches, "t/s", "constructor", "weighted")).toBe(1);
    expect(total(h.batches, "t/s", "constructor", "pinned")).toBe(0);
  });

  it("sends at most MAX_SERVICES_PER_FLUSH services per flush, the longest waiting first; the rest go with the next request at once", async () => {
    const h = harness();
    for (let i = 0; i < 100; i++) h.recorder.record(`t/s${i}`, "v0", "weighted", 200, 1);
    h.recorder.maybeFlush(h.ctx, h.sink, 5_000);
    await h.settle();
    expect(h.batches.map((b) => b.service)).toEqual(Array.from({ length: MAX_SERVICES_PER_FLUSH }, (_, i) => `t/s${i}`));
    // a service already sent and counted again waits behind those not yet sent
    h.recorder.record("t/s0", "v0", "weighted", 200, 1);
    // each following request flushes the next share at once, not after the interval
    for (let n = 0; n < 4 && h.recorder.hasPending(); n++) {
      h.clock.t += 1;
      h.recorder.maybeFlush(h.ctx, h.sink, 5_000);
      await h.settle();
    }
    expect(h.recorder.hasPending()).toBe(false);
    expect(h.batches.at(-1)!.service).toBe("t/s0");
    for (let i = 0; i < 100; i++) expect(total(h.batches, `t/s${i}`, "v0"), `t/s${i}`).toBe(i === 0 ? 2 : 1);
    expect(Math.max(...h.batches.map((b) => b.buckets.length))).toBe(1);
  });

  it("keeps one batch per service and splits counts by time bucket", () => {
    const h = harness(1_700_000_000_000 + STATS_BUCKET_MS - 1);
    h.recorder.record("t/a", "v0", "weighted", 200, 1);
    h.recorder.record("t/b", "v0", "weighted", 200, 1);
    h.clock.t += 1;
    h.recorder.record("t/a", "v0", "weighted", 200, 1);
    const batches = h.recorder.take();
    expect(batches.map((b) => b.service).sort()).toEqual(["t/a", "t/b"]);
    const a = batches.find((b) => b.service === "t/a")!;
    expect(a.buckets.map((b) => b.start)).toEqual([1_700_000_000_000, 1_700_000_000_000 + STATS_BUCKET_MS]);
    expect(h.recorder.hasPending()).toBe(false);
  });

  it("keeps the counts of a failed flush for the next one", async () => {
    const h = harness();
    let fail = true;
    const sent: StatsBatch[] = [];
    const flaky = async (b: StatsBatch) => {
      if (fail) throw new Error("store unavailable");
      sent.push(b);
    };
    h.recorder.record("t/s", "v0", "weighted", 200, 1);
    await h.recorder.flush(flaky);
    expect(h.recorder.hasPending()).toBe(true);
    h.recorder.record("t/s", "v0", "weighted", 200, 1);
    fail = false;
    await h.recorder.flush(flaky);
    expect(total(sent, "t/s", "v0")).toBe(2);
  });

  it("bounds its memory: past maxEntries new series are dropped and counted", () => {
    const recorder = new StatsRecorder({ now: () => 1_700_000_000_000, maxEntries: 3 });
    for (let i = 0; i < 5; i++) recorder.record(`t/s${i}`, "v0", "weighted", 200, 1);
    recorder.record("t/s0", "v0", "weighted", 200, 1); // an existing series still counts
    expect(recorder.dropped).toBe(2);
    const batches = recorder.take();
    expect(batches).toHaveLength(3);
    expect(total(batches, "t/s0", "v0")).toBe(2);
  });
});
