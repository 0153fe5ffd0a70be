/**
 * @module admin/store/stats-store
 * The StatsStore Durable Object (issue 6): one per service (named `stack/name`), holding
 * the edge statistics the data plane flushes, one SQLite row per time bucket and revision.
 * Kept apart from the ConfigStore so that flushes from every isolate never queue behind
 * config writes, and each service's counts scale on their own object. Rows older than
 * STATS_RETENTION_MS are pruned as new counts arrive.
 */
import { DurableObject } from "cloudflare:workers";
import {
  emptyCounters,
  LATENCY_BUCKETS,
  STATS_BUCKET_MS,
  type RevisionCounters,
  type StatsBatch,
  type StatsRow,
} from "../../core/edge-stats.ts";
import type { Env } from "../../worker/env.ts";

/** How long counts are kept: the longest window one can ask for. */
export const STATS_RETENTION_MS = 24 * 3_600_000;
const PRUNE_EVERY_MS = 60_000;

const STATUS_COLUMNS = ["s1", "s2", "s3", "s4", "s5"];
const LATENCY_COLUMNS = Array.from({ length: LATENCY_BUCKETS }, (_, i) => `l${i}`);
const COUNT_COLUMNS = ["requests", ...STATUS_COLUMNS, "origin_errors", "latency_sum", ...LATENCY_COLUMNS];

const SCHEMA = `CREATE TABLE IF NOT EXISTS stats (
  start INTEGER NOT NULL, version TEXT NOT NULL,
  ${COUNT_COLUMNS.map((c) => `${c} ${c === "latency_sum" ? "REAL" : "INTEGER"} NOT NULL DEFAULT 0`).join(", ")},
  PRIMARY KEY (start, version))`;

// Adding in SQL keeps a merge one statement per row, whatever is already stored.
const UPSERT = `INSERT INTO stats (start, version, ${COUNT_COLUMNS.join(", ")})
  VALUES (?, ?, ${COUNT_COLUMNS.map(() => "?").join(", ")})
  ON CONFLICT (start, version) DO UPDATE SET ${COUNT_COLUMNS.map((c) => `${c} = ${c} + excluded.${c}`).join(", ")}`;

const SUMS = `SELECT version, ${COUNT_COLUMNS.map((c) => `SUM(${c}) AS ${c}`).join(", ")}
  FROM stats WHERE start > ? AND start <= ? GROUP BY version`;

// Rows summed per step: each bucket's start rounded down to a multiple of the step (SQLite's %
// works on integers, whatever type the bound step has).
const STEP_SUMS = `SELECT start - start % ? AS step_start, version, ${COUNT_COLUMNS.map((c) => `SUM(${c}) AS ${c}`).join(", ")}
  FROM stats WHERE start > ? AND start <= ? GROUP BY step_start, version`;

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
  ];
}

function counters(r: Record<string, SqlStorageValue>): RevisionCounters {
  const c = emptyCounters();
  c.requests = Number(r.requests);
  c.status = STATUS_COLUMNS.map((col) => Number(r[col]));
  c.originErrors = Number(r.origin_errors);
  c.latencySumMs = Number(r.latency_sum);
  c.latency = LATENCY_COLUMNS.map((col) => Number(r[col]));
  return c;
}

export class StatsStore extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  private lastPrune = 0;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(SCHEMA);
  }

  /** Adds an isolate's batch (RPC from the data plane). */
  ingest(batch: StatsBatch): void {
    const now = Date.now();
    this.ctx.storage.transactionSync(() => {
      for (const bucket of batch.buckets) {
        if (!Number.isInteger(bucket.start) || bucket.start % STATS_BUCKET_MS !== 0) continue;
        for (const [version, c] of Object.entries(bucket.revisions)) this.sql.exec(UPSERT, bucket.start, version, ...row(c));
      }
      if (now - this.lastPrune >= PRUNE_EVERY_MS) {
        this.sql.exec(`DELETE FROM stats WHERE start < ?`, now - STATS_RETENTION_MS - STATS_BUCKET_MS);
        this.lastPrune = now;
      }
    });
  }

  /**
   * Counts per revision over the time buckets that overlap (fromMs, toMs]; `toMs` defaults
   * to now. A bucket is counted whole, so a window is exact to STATS_BUCKET_MS.
   */
  window(fromMs: number, toMs: number = Date.now()): Record<string, RevisionCounters> {
    const out: Record<string, RevisionCounters> = {};
    for (const r of this.sql.exec(SUMS, fromMs - STATS_BUCKET_MS, toMs)) out[String(r.version)] = counters(r);
    return out;
  }

  /**
   * Counts per revision and step over the buckets that overlap (fromMs, toMs]; `stepMs` is
   * a multiple of STATS_BUCKET_MS, so each bucket falls in exactly one step.
   */
  series(fromMs: number, toMs: number, stepMs: number): StatsRow[] {
    const rows: StatsRow[] = [];
    for (const r of this.sql.exec(STEP_SUMS, stepMs, fromMs - STATS_BUCKET_MS, toMs)) {
      rows.push({ start: Number(r.step_start), version: String(r.version), counters: counters(r) });
    }
    return rows;
  }

  /** Forgets every count (the service was removed). */
  clear(): void {
    this.sql.exec(`DELETE FROM stats`);
  }
}

/** The stats store of one service. */
export function statsStoreOf(env: Pick<Env, "STATS_STORE">, service: string): DurableObjectStub<StatsStore> {
  // Env types the binding without its class: naming StatsStore there would be circular.
  const ns = env.STATS_STORE as unknown as DurableObjectNamespace<StatsStore>;
  return ns.get(ns.idFromName(service));
}
