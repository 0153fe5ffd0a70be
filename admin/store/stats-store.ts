/**
 * @module admin/store/stats-store
 * The StatsStore Durable Object (issue 6): one per service (named `stack/name`), holding
 * the edge statistics the data plane flushes, one SQLite row per time bucket, revision
 * and selection (weighted, pinned, mirror; or a rule's own answers, DESIGN §10). Kept apart from the ConfigStore so that
 * flushes from every isolate never queue behind config writes, and each service's counts
 * scale on their own object. Rows older than STATS_RETENTION_MS are pruned as new counts
 * arrive, or by the alarm once the service is removed (its counts are kept until then, or
 * until a new service takes the name). A store from before the split keeps its rows,
 * unsplit (selection ''); one from before the retry and fault counters gets them, as 0.
 */
import { DurableObject } from "cloudflare:workers";
import {
  emptyCounters,
  LATENCY_BUCKETS,
  seriesOf,
  STATS_BUCKET_MS,
  type LegacyStatsBucket,
  type RevisionCounters,
  type SeriesKind,
  type StatsBatch,
  type StatsRow,
  type WindowRow,
} from "../../core/edge-stats.ts";
import type { Env } from "../../worker/env.ts";

/** How long counts are kept: the longest window one can ask for. */
export const STATS_RETENTION_MS = 24 * 3_600_000;
const PRUNE_EVERY_MS = 60_000;

const STATUS_COLUMNS = ["s1", "s2", "s3", "s4", "s5"];
const LATENCY_COLUMNS = Array.from({ length: LATENCY_BUCKETS }, (_, i) => `l${i}`);
/** counters added after the first tables: a store from before them gets them by ALTER TABLE */
const LATER_COLUMNS = ["retries", "fault_aborts", "fault_delays"];
const COUNT_COLUMNS = ["requests", ...STATUS_COLUMNS, "origin_errors", "latency_sum", ...LATENCY_COLUMNS, ...LATER_COLUMNS];
const definition = (c: string) => `${c} ${c === "latency_sum" ? "REAL" : "INTEGER"} NOT NULL DEFAULT 0`;
const COUNT_DEFINITIONS = COUNT_COLUMNS.map(definition).join(", ");

/**
 * `selection` is 'weighted', 'pinned', 'mirror', 'rule' (then `version` holds the rule's
 * name), or '' (UNSPLIT) for counts recorded before the split.
 */
const schema = (table: string) => `CREATE TABLE IF NOT EXISTS ${table} (
  start INTEGER NOT NULL, version TEXT NOT NULL, selection TEXT NOT NULL DEFAULT '',
  ${COUNT_DEFINITIONS},
  PRIMARY KEY (start, version, selection))`;

const UNSPLIT = "";

// Adding in SQL keeps a merge one statement per row, whatever is already stored.
const UPSERT = `INSERT INTO stats (start, version, selection, ${COUNT_COLUMNS.join(", ")})
  VALUES (?, ?, ?, ${COUNT_COLUMNS.map(() => "?").join(", ")})
  ON CONFLICT (start, version, selection) DO UPDATE SET ${COUNT_COLUMNS.map((c) => `${c} = ${c} + excluded.${c}`).join(", ")}`;

const SUMS = `SELECT version, selection, ${COUNT_COLUMNS.map((c) => `SUM(${c}) AS ${c}`).join(", ")}
  FROM stats WHERE start > ? AND start <= ? GROUP BY version, selection ORDER BY version, selection`;

// Rows summed per step: each bucket's start rounded down to a multiple of the step (SQLite's %
// works on integers, whatever type the bound step has).
const STEP_SUMS = `SELECT start - start % ? AS step_start, version, selection, ${COUNT_COLUMNS.map((c) => `SUM(${c}) AS ${c}`).join(", ")}
  FROM stats WHERE start > ? AND start <= ? GROUP BY step_start, version, selection`;

function count(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) && value >= 0 ? value : 0;
}

function row(counters: RevisionCounters): number[] {
  return [
    count(counters.requests),
    ...STATUS_COLUMNS.map((_, i) => count(counters.status?.[i])),
    count(counters.originErrors),
    count(counters.latencySumMs),
    ...LATENCY_COLUMNS.map((_, i) => count(counters.latency?.[i])),
    // isolates from before these counters send none
    count(counters.retries),
    count(counters.faultAborts),
    count(counters.faultDelays),
  ];
}

function counters(r: Record<string, SqlStorageValue>): RevisionCounters {
  const c = emptyCounters();
  c.requests = Number(r.requests);
  c.status = STATUS_COLUMNS.map((col) => Number(r[col]));
  c.originErrors = Number(r.origin_errors);
  c.latencySumMs = Number(r.latency_sum);
  c.latency = LATENCY_COLUMNS.map((col) => Number(r[col]));
  c.retries = Number(r.retries);
  c.faultAborts = Number(r.fault_aborts);
  c.faultDelays = Number(r.fault_delays);
  return c;
}

function selectionOf(value: SqlStorageValue): SeriesKind | null {
  return value === UNSPLIT ? null : (String(value) as SeriesKind);
}

/**
 * Creates the table. A store from before the retry and fault counters gets their columns
 * (0 in old rows); one from before the split (table `stats` keyed by start and version
 * only) is then rebuilt with the `selection` column, its rows kept as unsplit.
 */
export function migrateStatsTables(storage: DurableObjectStorage): void {
  const sql = storage.sql;
  storage.transactionSync(() => {
    const existing = sql.exec<{ sql: string }>(`SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'stats'`).toArray()[0];
    if (existing === undefined) {
      sql.exec(schema("stats"));
      return;
    }
    for (const column of LATER_COLUMNS) {
      if (!new RegExp(`\\b${column}\\b`).test(existing.sql)) sql.exec(`ALTER TABLE stats ADD COLUMN ${definition(column)}`);
    }
    if (/\bselection\b/.test(existing.sql)) return;
    const columns = COUNT_COLUMNS.join(", ");
    sql.exec(`ALTER TABLE stats RENAME TO stats_unsplit`);
    sql.exec(schema("stats"));
    sql.exec(`INSERT INTO stats (start, version, selection, ${columns}) SELECT start, version, ?, ${columns} FROM stats_unsplit`, UNSPLIT);
    sql.exec(`DROP TABLE stats_unsplit`);
  });
}

export class StatsStore extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  private lastPrune = 0;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    migrateStatsTables(ctx.storage);
  }

  /**
   * Adds an isolate's batch (RPC from the data plane). Buckets in the format from before
   * the split (`revisions` by version) are still taken, their counts stored unsplit.
   */
  ingest(batch: StatsBatch | { service: string; buckets: LegacyStatsBucket[] }): void {
    const now = Date.now();
    this.ctx.storage.transactionSync(() => {
      for (const bucket of batch.buckets as { start: number; series?: unknown; revisions?: unknown }[]) {
        if (!Number.isInteger(bucket.start) || bucket.start % STATS_BUCKET_MS !== 0) continue;
        for (const s of seriesOf(bucket)) this.sql.exec(UPSERT, bucket.start, s.version, s.selection ?? UNSPLIT, ...row(s.counters));
      }
      if (now - this.lastPrune >= PRUNE_EVERY_MS) {
        this.sql.exec(`DELETE FROM stats WHERE start < ?`, now - STATS_RETENTION_MS - STATS_BUCKET_MS);
        this.lastPrune = now;
      }
    });
  }

  /**
   * Counts per revision (or rule) and selection over the time buckets that overlap (fromMs, toMs];
   * `toMs` defaults to now. A bucket is counted whole, so a window is exact to
   * STATS_BUCKET_MS. A list, not an object keyed by version: versions are user-chosen names.
   */
  window(fromMs: number, toMs: number = Date.now()): WindowRow[] {
    return this.sql.exec(SUMS, fromMs - STATS_BUCKET_MS, toMs).toArray().map((r) => ({
      version: String(r.version),
      selection: selectionOf(r.selection),
      counters: counters(r),
    }));
  }

  /**
   * Counts per revision, selection and step over the buckets that overlap (fromMs, toMs];
   * `stepMs` is a multiple of STATS_BUCKET_MS, so each bucket falls in exactly one step.
   */
  series(fromMs: number, toMs: number, stepMs: number): StatsRow[] {
    return this.sql.exec(STEP_SUMS, stepMs, fromMs - STATS_BUCKET_MS, toMs).toArray().map((r) => ({
      start: Number(r.step_start),
      version: String(r.version),
      selection: selectionOf(r.selection),
      counters: counters(r),
    }));
  }

  /** Forgets every count (a new service took the name). */
  clear(): void {
    this.sql.exec(`DELETE FROM stats`);
  }

  /**
   * The service was removed: its counts stay readable, and since no new batch will come
   * to prune them, the alarm deletes them once they are older than the retention.
   */
  async retire(): Promise<void> {
    await this.ctx.storage.setAlarm(Date.now() + STATS_RETENTION_MS + STATS_BUCKET_MS);
  }

  override async alarm(): Promise<void> {
    this.sql.exec(`DELETE FROM stats WHERE start < ?`, Date.now() - STATS_RETENTION_MS - STATS_BUCKET_MS);
  }
}

/** The stats store of one service. */
export function statsStoreOf(env: Pick<Env, "STATS_STORE">, service: string): DurableObjectStub<StatsStore> {
  // Env types the binding without its class: naming StatsStore there would be circular.
  const ns = env.STATS_STORE as unknown as DurableObjectNamespace<StatsStore>;
  return ns.get(ns.idFromName(service));
}
