import { env as bindings } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { bucketStart, countRequest, emptyCounters, STATS_BUCKET_MS, type StatsBatch } from "../../core/edge-stats.ts";
import { STATS_RETENTION_MS, statsStoreOf } from "../../admin/store/stats-store.ts";
import type { Env } from "../../worker/env.ts";

// "cloudflare:test" types env loosely; these are Weir's bindings.
const env = bindings as unknown as Env;

function batch(service: string, start: number, spec: Record<string, { ok?: number; s5xx?: number; originErrors?: number }>): StatsBatch {
  const revisions: StatsBatch["buckets"][number]["revisions"] = {};
  for (const [version, s] of Object.entries(spec)) {
    const c = emptyCounters();
    for (let i = 0; i < (s.ok ?? 0); i++) countRequest(c, 200, 30);
    for (let i = 0; i < (s.s5xx ?? 0); i++) countRequest(c, 503, 30);
    for (let i = 0; i < (s.originErrors ?? 0); i++) countRequest(c, "origin_error", 0);
    revisions[version] = c;
  }
  return { service, buckets: [{ start, revisions }] };
}

describe("StatsStore", () => {
  it("adds up batches from several isolates per revision", async () => {
    const store = statsStoreOf(env, "stats/merge");
    const now = bucketStart(Date.now());
    await store.ingest(batch("stats/merge", now, { v0: { ok: 5 }, v3: { s5xx: 2 } }));
    await store.ingest(batch("stats/merge", now, { v0: { ok: 3 }, v3: { ok: 1, originErrors: 1 } }));
    await store.ingest(batch("stats/merge", now - STATS_BUCKET_MS, { v3: { ok: 4 } }));
    const sums = await store.window(now - 60_000, now + STATS_BUCKET_MS);
    expect(sums.v0.requests).toBe(8);
    expect(sums.v0.status[1]).toBe(8);
    expect(sums.v3.requests).toBe(8);
    expect(sums.v3.status).toEqual([0, 5, 0, 0, 2]);
    expect(sums.v3.originErrors).toBe(1);
    expect(sums.v3.latency.reduce((a, b) => a + b, 0)).toBe(7);
    expect(sums.v3.latencySumMs).toBe(7 * 30);
  });

  it("counts only the time buckets inside the window", async () => {
    const store = statsStoreOf(env, "stats/window");
    const now = bucketStart(Date.now());
    await store.ingest(batch("stats/window", now - 10 * 60_000, { v0: { ok: 100 } }));
    await store.ingest(batch("stats/window", now, { v0: { ok: 1 } }));
    expect((await store.window(now - 5 * 60_000, now + 1)).v0.requests).toBe(1);
    expect((await store.window(now - 15 * 60_000, now + 1)).v0.requests).toBe(101);
    expect(await store.window(now + 10 * STATS_BUCKET_MS, now + 20 * STATS_BUCKET_MS)).toEqual({});
  });

  it("keeps services apart: one object per service", async () => {
    const now = bucketStart(Date.now());
    await statsStoreOf(env, "stats/a").ingest(batch("stats/a", now, { v0: { ok: 2 } }));
    expect(await statsStoreOf(env, "stats/b").window(now - 60_000, now + 1)).toEqual({});
  });

  it("prunes counts older than the retention as new ones arrive", async () => {
    const store = statsStoreOf(env, "stats/prune");
    const now = bucketStart(Date.now());
    const old = now - STATS_RETENTION_MS - 10 * STATS_BUCKET_MS;
    await store.ingest(batch("stats/prune", old, { v0: { ok: 9 } }));
    // the store prunes at most once a minute; a fresh object has not pruned yet, so the
    // first ingest above already pruned: the old row is gone
    expect(await store.window(old - 1, now + 1)).toEqual({});
    await store.ingest(batch("stats/prune", now, { v0: { ok: 1 } }));
    expect((await store.window(old - 1, now + 1)).v0.requests).toBe(1);
  });

  it("ignores malformed counts instead of storing them", async () => {
    const store = statsStoreOf(env, "stats/garbage");
    const now = bucketStart(Date.now());
    const bad = batch("stats/garbage", now, { v0: { ok: 1 } });
    bad.buckets[0].revisions.v0.requests = -5;
    bad.buckets[0].revisions.v0.status[1] = Number.NaN;
    bad.buckets.push({ start: now + 1, revisions: { v0: emptyCounters() } });
    await store.ingest(bad);
    const sums = await store.window(now - 60_000, now + STATS_BUCKET_MS);
    expect(sums.v0.requests).toBe(0);
    expect(sums.v0.status[1]).toBe(0);
  });

  it("forgets everything on clear", async () => {
    const store = statsStoreOf(env, "stats/clear");
    const now = bucketStart(Date.now());
    await store.ingest(batch("stats/clear", now, { v0: { ok: 3 } }));
    await store.clear();
    expect(await store.window(now - 60_000, now + 1)).toEqual({});
  });
});
