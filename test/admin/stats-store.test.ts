import { env as bindings, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import {
  bucketStart,
  countRequest,
  emptyCounters,
  revisionTotals,
  STATS_BUCKET_MS,
  type RevisionCounters,
  type Selection,
  type StatsBatch,
  type WindowRow,
} from "../../core/edge-stats.ts";
import { migrateStatsTables, STATS_RETENTION_MS, statsStoreOf } from "../../admin/store/stats-store.ts";
import type { Env } from "../../worker/env.ts";

// "cloudflare:test" types env loosely; these are Weir's bindings.
const env = bindings as unknown as Env;

type Spec = Record<string, { ok?: number; s5xx?: number; originErrors?: number }>;

function countersOf(s: Spec[string]): RevisionCounters {
  const c = emptyCounters();
  for (let i = 0; i < (s.ok ?? 0); i++) countRequest(c, 200, 30);
  for (let i = 0; i < (s.s5xx ?? 0); i++) countRequest(c, 503, 30);
  for (let i = 0; i < (s.originErrors ?? 0); i++) countRequest(c, "origin_error", 0);
  return c;
}

function batch(service: string, start: number, spec: Spec, selection: Selection = "weighted"): StatsBatch {
  const series = Object.entries(spec).map(([version, s]) => ({ version, selection, counters: countersOf(s) }));
  return { service, buckets: [{ start, series }] };
}

/** All traffic per revision, as the stats route reads it. */
function sums(rows: WindowRow[]): Record<string, RevisionCounters> {
  return Object.fromEntries([...revisionTotals(rows)].map(([v, t]) => [v, t.all]));
}

/** Replaces the store's table with the one a StatsStore created before `change`. */
function recreateTableAsBefore(sql: SqlStorage, change: "split" | "rule counters"): void {
  sql.exec(`DROP TABLE stats`);
  const columns = ["requests", "s1", "s2", "s3", "s4", "s5", "origin_errors", "latency_sum", ...Array.from({ length: 12 }, (_, i) => `l${i}`)];
  const counts = columns.map((c) => `${c} ${c === "latency_sum" ? "REAL" : "INTEGER"} NOT NULL DEFAULT 0`).join(", ");
  sql.exec(
    change === "split"
      ? `CREATE TABLE stats (start INTEGER NOT NULL, version TEXT NOT NULL, ${counts}, PRIMARY KEY (start, version))`
      : `CREATE TABLE stats (start INTEGER NOT NULL, version TEXT NOT NULL, selection TEXT NOT NULL DEFAULT '', ${counts}, PRIMARY KEY (start, version, selection))`,
  );
}

describe("StatsStore", () => {
  it("adds up batches from several isolates per revision", async () => {
    const store = statsStoreOf(env, "stats/merge");
    const now = bucketStart(Date.now());
    await store.ingest(batch("stats/merge", now, { v0: { ok: 5 }, v3: { s5xx: 2 } }));
    await store.ingest(batch("stats/merge", now, { v0: { ok: 3 }, v3: { ok: 1, originErrors: 1 } }));
    await store.ingest(batch("stats/merge", now - STATS_BUCKET_MS, { v3: { ok: 4 } }));
    const all = sums(await store.window(now - 60_000, now + STATS_BUCKET_MS));
    expect(all.v0.requests).toBe(8);
    expect(all.v0.status[1]).toBe(8);
    expect(all.v3.requests).toBe(8);
    expect(all.v3.status).toEqual([0, 5, 0, 0, 2]);
    expect(all.v3.originErrors).toBe(1);
    expect(all.v3.latency.reduce((a, b) => a + b, 0)).toBe(7);
    expect(all.v3.latencySumMs).toBe(7 * 30);
  });

  it("keeps weighted and pinned counts apart, as a list with the split", async () => {
    const store = statsStoreOf(env, "stats/split");
    const now = bucketStart(Date.now());
    await store.ingest(batch("stats/split", now, { v3: { s5xx: 4, ok: 1 } }, "weighted"));
    await store.ingest(batch("stats/split", now, { v3: { ok: 50 }, constructor: { ok: 2 } }, "pinned"));
    const rows = await store.window(now - 60_000, now + 1);
    expect(rows.map((r) => [r.version, r.selection, r.counters.requests])).toEqual([
      ["constructor", "pinned", 2],
      ["v3", "pinned", 50],
      ["v3", "weighted", 5],
    ]);
    const t = revisionTotals(rows).get("v3")!;
    expect([t.all.requests, t.weighted.requests, t.pinned.requests, t.weighted.status[4]]).toEqual([55, 5, 50, 4]);
  });

  it("still takes batches from isolates that predate the split, and keeps them unsplit", async () => {
    const store = statsStoreOf(env, "stats/legacy-batch");
    const now = bucketStart(Date.now());
    const legacy = { service: "stats/legacy-batch", buckets: [{ start: now, revisions: { v0: countersOf({ ok: 3 }) } }] };
    await store.ingest(legacy as unknown as StatsBatch);
    const rows = await store.window(now - 60_000, now + 1);
    expect(rows.map((r) => [r.version, r.selection, r.counters.requests])).toEqual([["v0", null, 3]]);
    const t = revisionTotals(rows).get("v0")!;
    expect([t.all.requests, t.weighted.requests, t.pinned.requests]).toEqual([3, 0, 0]);
  });

  it("rebuilds the table of a store created before the split, its rows readable and unsplit", async () => {
    const stub = statsStoreOf(env, "stats/legacy-table");
    const now = bucketStart(Date.now());
    await runInDurableObject(stub, (_instance, state) => {
      const sql = state.storage.sql;
      // the table exactly as the first StatsStores created it, with a row in it
      recreateTableAsBefore(sql, "split");
      sql.exec(`INSERT INTO stats (start, version, requests, s2, l2, latency_sum) VALUES (?, 'v0', 7, 7, 7, 140)`, now);
      migrateStatsTables(state.storage);
      const tables = sql.exec<{ name: string; sql: string }>(`SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name LIKE 'stats%'`).toArray();
      expect(tables.map((t) => t.name)).toEqual(["stats"]);
      expect(tables[0].sql).toContain("selection");
      // idempotent: a second start changes nothing
      migrateStatsTables(state.storage);
    });
    const rows = await stub.window(now - 60_000, now + 1);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ version: "v0", selection: null, counters: { requests: 7, status: [0, 7, 0, 0, 0], latencySumMs: 140 } });
    // and new counts join them
    await stub.ingest(batch("stats/legacy-table", now, { v0: { ok: 1 } }));
    expect(sums(await stub.window(now - 60_000, now + 1)).v0.requests).toBe(8);
  });

  it("adds the retry and fault counters to a store created before them, its rows kept with 0", async () => {
    const stub = statsStoreOf(env, "stats/before-rules");
    const now = bucketStart(Date.now());
    await runInDurableObject(stub, (_instance, state) => {
      const sql = state.storage.sql;
      // the split table as it was before rules' counters (issue 9)
      recreateTableAsBefore(sql, "rule counters");
      sql.exec(`INSERT INTO stats (start, version, selection, requests, s2, l2, latency_sum) VALUES (?, 'v0', 'weighted', 7, 7, 7, 140)`, now);
      migrateStatsTables(state.storage);
      migrateStatsTables(state.storage);
      const table = sql.exec<{ sql: string }>(`SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'stats'`).one();
      for (const column of ["retries", "fault_aborts", "fault_delays"]) expect(table.sql).toContain(column);
    });
    const retried = countersOf({ ok: 1 });
    retried.retries = 2;
    retried.faultDelays = 1;
    await stub.ingest({ service: "stats/before-rules", buckets: [{ start: now, series: [{ version: "v0", selection: "weighted", counters: retried }] }] });
    const rows = await stub.window(now - 60_000, now + 1);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ version: "v0", selection: "weighted", counters: { requests: 8, retries: 2, faultAborts: 0, faultDelays: 1 } });
  });

  it("keeps mirror copies and rules' own answers as their own series", async () => {
    const store = statsStoreOf(env, "stats/kinds");
    const now = bucketStart(Date.now());
    await store.ingest(batch("stats/kinds", now, { v4: { s5xx: 3 } }, "mirror"));
    await store.ingest({ service: "stats/kinds", buckets: [{ start: now, series: [{ version: "v4", selection: "rule", counters: countersOf({ ok: 2 }) }] }] });
    const rows = await store.window(now - 60_000, now + 1);
    expect(rows.map((r) => [r.version, r.selection, r.counters.requests])).toEqual([
      ["v4", "mirror", 3],
      ["v4", "rule", 2],
    ]);
    expect(revisionTotals(rows).get("v4")).toMatchObject({ all: { requests: 3 }, mirror: { requests: 3 }, weighted: { requests: 0 } });
  });

  it("counts only the time buckets inside the window", async () => {
    const store = statsStoreOf(env, "stats/window");
    const now = bucketStart(Date.now());
    await store.ingest(batch("stats/window", now - 10 * 60_000, { v0: { ok: 100 } }));
    await store.ingest(batch("stats/window", now, { v0: { ok: 1 } }));
    expect(sums(await store.window(now - 5 * 60_000, now + 1)).v0.requests).toBe(1);
    expect(sums(await store.window(now - 15 * 60_000, now + 1)).v0.requests).toBe(101);
    expect(await store.window(now + 10 * STATS_BUCKET_MS, now + 20 * STATS_BUCKET_MS)).toEqual([]);
  });

  it("keeps services apart: one object per service", async () => {
    const now = bucketStart(Date.now());
    await statsStoreOf(env, "stats/a").ingest(batch("stats/a", now, { v0: { ok: 2 } }));
    expect(await statsStoreOf(env, "stats/b").window(now - 60_000, now + 1)).toEqual([]);
  });

  it("prunes counts older than the retention as new ones arrive", async () => {
    const store = statsStoreOf(env, "stats/prune");
    const now = bucketStart(Date.now());
    const old = now - STATS_RETENTION_MS - 10 * STATS_BUCKET_MS;
    await store.ingest(batch("stats/prune", old, { v0: { ok: 9 } }));
    // the store prunes at most once a minute; a fresh object has not pruned yet, so the
    // first ingest above already pruned: the old row is gone
    expect(await store.window(old - 1, now + 1)).toEqual([]);
    await store.ingest(batch("stats/prune", now, { v0: { ok: 1 } }));
    expect(sums(await store.window(old - 1, now + 1)).v0.requests).toBe(1);
  });

  it("ignores malformed counts instead of storing them", async () => {
    const store = statsStoreOf(env, "stats/garbage");
    const now = bucketStart(Date.now());
    const bad = batch("stats/garbage", now, { v0: { ok: 1 } });
    bad.buckets[0].series[0].counters.requests = -5;
    bad.buckets[0].series[0].counters.status[1] = Number.NaN;
    bad.buckets.push({ start: now + 1, series: [{ version: "v0", selection: "weighted", counters: emptyCounters() }] });
    // a series of no known selection, and one without counters, are dropped
    bad.buckets.push({ start: now, series: [{ version: "v1", selection: "other" as Selection, counters: countersOf({ ok: 1 }) }] });
    bad.buckets.push({ start: now, series: [{ version: "v2", selection: "pinned" } as never] });
    await store.ingest(bad);
    const all = sums(await store.window(now - 60_000, now + STATS_BUCKET_MS));
    expect(Object.keys(all)).toEqual(["v0"]);
    expect(all.v0.requests).toBe(0);
    expect(all.v0.status[1]).toBe(0);
  });

  it("forgets everything on clear", async () => {
    const store = statsStoreOf(env, "stats/clear");
    const now = bucketStart(Date.now());
    await store.ingest(batch("stats/clear", now, { v0: { ok: 3 } }));
    await store.clear();
    expect(await store.window(now - 60_000, now + 1)).toEqual([]);
  });
});
