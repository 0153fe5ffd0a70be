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
  SELECTIONS,
  type RevisionCounters,
  type Selection,
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


/** counters by version, one map per selection (index 0 weighted, 1 pinned) */
type BySelection = [Map<string, RevisionCounters>, Map<string, RevisionCounters>];
/** service → time bucket start → selection → version → counters */
type Pending = Map<string, Map<number, BySelection>>;

const selectionIndex = (selection: Selection): 0 | 1 => (selection === "pinned" ? 1 : 0);

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
   * Counts one request of `service` served by `version`, chosen as `selection`: the
   * origin's status, or "origin_error".
   */
  record(service: string, version: string, selection: Selection, status: number | "origin_error", latencyMs: number): void {
    const start = bucketStart(this.now());
    let counters = this.pending.get(service)?.get(start)?.[selectionIndex(selection)].get(version);
    if (!counters) {
      if (this.entries >= this.maxEntries) {
        this.dropped++;
        return;
      }
      counters = this.series(service, start, version, selection);
    }
    countRequest(counters, status, latencyMs);
  }

  /** Creates the counters of a new series. */
  private series(service: string, start: number, version: string, selection: Selection, counters = emptyCounters()): RevisionCounters {
    let buckets = this.pending.get(service);
    if (!buckets) this.pending.set(service, (buckets = new Map()));
    let bySelection = buckets.get(start);
    if (!bySelection) buckets.set(start, (bySelection = [new Map(), new Map()]));
    bySelection[selectionIndex(selection)].set(version, counters);
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
      for (const [start, bySelection] of buckets) {
        const series = SELECTIONS.flatMap((selection) =>
          [...bySelection[selectionIndex(selection)]].map(([version, counters]) => ({ version, selection, counters })),
        );
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
        const existing = this.pending.get(batch.service)?.get(bucket.start)?.[selectionIndex(selection)].get(version);
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

/**
 * The data plane's one call per proxied request: counts what `version` of `service`
 * answered (`status`, or "origin_error"), chosen as `selection`, and flushes this
 * isolate's counts to each service's StatsStore when due. Without an execution context
 * nothing is counted.
 */
export function recordServed(
  env: Pick<Env, "STATS_STORE" | "STATS_FLUSH_MS">,
  ctx: WaitUntil | undefined,
  service: string,
  version: string,
  selection: Selection,
  status: number | "origin_error",
  latencyMs: number,
): void {
  if (ctx === undefined || env.STATS_STORE === undefined) return;
  isolateRecorder.record(service, version, selection, status, latencyMs);
  isolateRecorder.maybeFlush(ctx, (batch) => statsStoreOf(env, batch.service).ingest(batch), flushMs(env.STATS_FLUSH_MS));
}
