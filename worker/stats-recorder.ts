/**
 * @module worker/stats-recorder
 * Per-isolate counting of what the data plane serves (issue 6). A request adds to
 * in-memory counters (a few map lookups and increments, no I/O, no allocation once its
 * service, time bucket and revision have been seen); the counts leave in one batch per
 * service, off the request path through `ctx.waitUntil`, at most once per flush interval.
 * A burst followed by silence is still flushed: the first count after a flush arms one
 * delayed flush for the end of the interval.
 */
import { statsStoreOf } from "../admin/store/stats-store.ts";
import {
  bucketStart,
  countRequest,
  emptyCounters,
  MAX_SERVICES_PER_FLUSH,
  mergeCounters,
  SERIES_KINDS,
  type RevisionCounters,
  type Selection,
  type SeriesKind,
  type StatsBatch,
} from "../core/edge-stats.ts";
import type { Env } from "./env.ts";

/** Where a service's batch goes (the stats store); a rejection keeps the counts for the next flush. */
export type StatsSink = (batch: StatsBatch) => Promise<void>;

export interface WaitUntil {
  waitUntil(promise: Promise<unknown>): void;
}

export interface StatsRecorderOptions {
  /** clock in ms (tests) */
  now?: () => number;
  /** service × bucket × revision entries kept at most; past it new counts are dropped */
  maxEntries?: number;
  /** resolves after `ms` (tests) */
  wait?: (ms: number) => Promise<void>;
}

export const DEFAULT_FLUSH_MS = 5_000;
const DEFAULT_MAX_ENTRIES = 10_000;


/** counters by version (or rule name), one map per kind, in SERIES_KINDS order */
type ByKind = Map<string, RevisionCounters>[];
/** service → time bucket start → kind → version → counters */
type Pending = Map<string, Map<number, ByKind>>;

/** The position of a kind in SERIES_KINDS, without a search per request. */
function kindIndex(kind: SeriesKind): number {
  return kind === "weighted" ? 0 : kind === "pinned" ? 1 : kind === "mirror" ? 2 : 3;
}

/** A fault a rule injected: an abort answered for the revision, or a delay before it. */
export type InjectedFault = "abort" | "delay";

export class StatsRecorder {
  private pending: Pending = new Map();
  private entries = 0;
  private lastFlush = Number.NEGATIVE_INFINITY;
  /** the last flush left services waiting: the next one is due at once */
  private backlog = false;
  /** when the armed delayed flush is due; null when none is armed */
  private armedFor: number | null = null;
  /** counts dropped because `maxEntries` was reached (exposed for tests and logs) */
  dropped = 0;
  private readonly now: () => number;
  private readonly maxEntries: number;
  private readonly wait: (ms: number) => Promise<void>;

  constructor(options: StatsRecorderOptions = {}) {
    this.now = options.now ?? Date.now;
    this.maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
    this.wait = options.wait ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /**
   * Counts one request of `service` served by `version` (kind `rule`: answered by the rule
   * named `version`), chosen as `kind`: the origin's status, or "origin_error"; `retries`
   * is the tries it took beyond the first.
   */
  record(service: string, version: string, kind: SeriesKind, status: number | "origin_error", latencyMs: number, retries = 0): void {
    const counters = this.countersOf(service, version, kind);
    if (counters !== null) countRequest(counters, status, latencyMs, retries);
  }

  /** Counts a fault a rule injected into a request bound for `version`, chosen as `selection`. */
  recordFault(service: string, version: string, selection: Selection, fault: InjectedFault): void {
    const counters = this.countersOf(service, version, selection);
    if (counters === null) return;
    if (fault === "abort") counters.faultAborts++;
    else counters.faultDelays++;
  }

  /** The counters of this time bucket's series; null (and counted as dropped) when the recorder is full. */
  private countersOf(service: string, version: string, kind: SeriesKind): RevisionCounters | null {
    const start = bucketStart(this.now());
    const counters = this.pending.get(service)?.get(start)?.[kindIndex(kind)].get(version);
    if (counters) return counters;
    if (this.entries >= this.maxEntries) {
      this.dropped++;
      return null;
    }
    return this.series(service, start, version, kind);
  }

  /** Creates the counters of a new series. */
  private series(service: string, start: number, version: string, kind: SeriesKind, counters = emptyCounters()): RevisionCounters {
    let buckets = this.pending.get(service);
    if (!buckets) this.pending.set(service, (buckets = new Map()));
    let byKind = buckets.get(start);
    if (!byKind) buckets.set(start, (byKind = SERIES_KINDS.map(() => new Map())));
    byKind[kindIndex(kind)].set(version, counters);
    this.entries++;
    return counters;
  }

  /** True when counts wait to be flushed. */
  hasPending(): boolean {
    return this.entries > 0;
  }

  /**
   * Call after `record`: flushes now when the last flush is at least `flushMs` old, else
   * makes sure one delayed flush is armed for when it will be. Never awaits.
   */
  maybeFlush(ctx: WaitUntil, sink: StatsSink, flushMs: number): void {
    if (!this.hasPending()) return;
    const now = this.now();
    const due = this.backlog ? now : this.lastFlush + flushMs;
    // An armed flush whose request context died never runs; a stale one is forgotten.
    if (this.armedFor !== null && now < this.armedFor + flushMs) return;
    if (now >= due) {
      this.armedFor = null;
      ctx.waitUntil(this.flush(sink));
      return;
    }
    this.armedFor = due;
    ctx.waitUntil(
      this.wait(due - now).then(() => {
        this.armedFor = null;
        return this.flush(sink);
      }),
    );
  }

  /**
   * Sends the pending counts of up to `maxServices` services, one batch each (the others
   * wait for the next flush, due at once). A failed batch goes back into pending.
   */
  async flush(sink: StatsSink, maxServices = MAX_SERVICES_PER_FLUSH): Promise<void> {
    this.lastFlush = this.now();
    const batches = this.take(maxServices);
    this.backlog = this.pending.size > 0 && batches.length === maxServices;
    await Promise.all(
      batches.map(async (batch) => {
        try {
          await sink(batch);
        } catch (error) {
          console.warn(`stats flush for ${batch.service} failed, keeping its counts:`, String(error));
          this.putBack(batch);
        }
      }),
    );
  }

  /**
   * Removes and returns the pending counts as batches, of the `maxServices` services that
   * have waited longest (a service counted again goes to the back).
   */
  take(maxServices = Number.POSITIVE_INFINITY): StatsBatch[] {
    const out: StatsBatch[] = [];
    for (const [service, buckets] of this.pending) {
      if (out.length >= maxServices) break;
      const batch: StatsBatch = { service, buckets: [] };
      for (const [start, byKind] of buckets) {
        const series = SERIES_KINDS.flatMap((selection, i) => [...byKind[i]].map(([version, counters]) => ({ version, selection, counters })));
        batch.buckets.push({ start, series });
      }
      out.push(batch);
    }
    for (const batch of out) {
      for (const bucket of batch.buckets) this.entries -= bucket.series.length;
      this.pending.delete(batch.service);
    }
    return out;
  }

  private putBack(batch: StatsBatch): void {
    for (const bucket of batch.buckets) {
      for (const { version, selection, counters } of bucket.series) {
        const existing = this.pending.get(batch.service)?.get(bucket.start)?.[kindIndex(selection)].get(version);
        if (existing) mergeCounters(existing, counters);
        else if (this.entries < this.maxEntries) this.series(batch.service, bucket.start, version, selection, counters);
        else this.dropped += counters.requests;
      }
    }
  }
}

/** This isolate's recorder. */
const isolateRecorder = new StatsRecorder();

/** `STATS_FLUSH_MS` as a number (default DEFAULT_FLUSH_MS). */
export function flushMs(value: string | undefined): number {
  const ms = value === undefined || value === "" ? Number.NaN : Number(value);
  return Number.isFinite(ms) && ms >= 0 ? ms : DEFAULT_FLUSH_MS;
}

type StatsEnv = Pick<Env, "STATS_STORE" | "STATS_FLUSH_MS">;

function flushWhenDue(env: StatsEnv, ctx: WaitUntil): void {
  isolateRecorder.maybeFlush(ctx, (batch) => statsStoreOf(env, batch.service).ingest(batch), flushMs(env.STATS_FLUSH_MS));
}

/**
 * The data plane's one call per proxied request (and per mirror copy, and per answer a
 * rule gave itself): counts what `version` of `service` answered (`status`, or
 * "origin_error"), chosen as `kind` (for `rule`, `version` names the rule), after
 * `retries` tries beyond the first, and flushes this isolate's counts to each service's
 * StatsStore when due. Without an execution context nothing is counted.
 */
export function recordServed(
  env: StatsEnv,
  ctx: WaitUntil | undefined,
  service: string,
  version: string,
  kind: SeriesKind,
  status: number | "origin_error",
  latencyMs: number,
  retries = 0,
): void {
  if (ctx === undefined || env.STATS_STORE === undefined) return;
  isolateRecorder.record(service, version, kind, status, latencyMs, retries);
  flushWhenDue(env, ctx);
}

/** Counts a fault a rule injected into a request the data plane had chosen `version` for, as `selection`. */
export function recordFault(env: StatsEnv, ctx: WaitUntil | undefined, service: string, version: string, selection: Selection, fault: InjectedFault): void {
  if (ctx === undefined || env.STATS_STORE === undefined) return;
  isolateRecorder.recordFault(service, version, selection, fault);
  flushWhenDue(env, ctx);
}
