/**
 * @module core/edge-stats
 * What the data plane counts per revision (issue 6): requests, responses by status class,
 * origin errors, retries, injected faults and a fixed-bucket latency histogram, apart for
 * traffic the weights chose, traffic that named its revision (issue 9) and a rule's mirror
 * copies (DESIGN §10), and beside them what rules answered themselves; how counts from
 * many isolates merge; how a time window of them is summarised; and the canary error-rate
 * analysis that can abort a rollout, which judges weighted traffic only. Pure: the worker
 * records, the stats store persists, both call this.
 */

/** Upper bounds (ms, inclusive) of the latency buckets; one more bucket holds the rest. */
export const LATENCY_BOUNDS_MS = [5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000] as const;
export const LATENCY_BUCKETS = LATENCY_BOUNDS_MS.length + 1;
/** Stats are kept per time bucket of this width (the finest window). */
export const STATS_BUCKET_MS = 10_000;
/**
 * Services an isolate flushes at most at once: each is one Durable Object call, a
 * subrequest of the request whose waitUntil runs the flush (Cloudflare allows 50 per
 * request on the free plan, 1,000 paid). More waiting go out with the next request, at once.
 */
export const MAX_SERVICES_PER_FLUSH = 32;

/** Counters of one revision over some span of time. */
export interface RevisionCounters {
  /**
   * requests sent to the revision's origins, each answered by one (`status`) or by Weir
   * for it (`originErrors`); a request a rule's injected abort answered is not one of them
   */
  requests: number;
  /** origin responses by status class: [1xx, 2xx, 3xx, 4xx, 5xx] */
  status: number[];
  /** requests that got no origin response (unreachable, timeout): Weir answered 502/504 */
  originErrors: number;
  /** count per latency bucket (LATENCY_BOUNDS_MS), time to the origin's response headers */
  latency: number[];
  /** sum of the latencies in ms, for the mean */
  latencySumMs: number;
  /**
   * tries beyond the first: a rule's retries, and the next origin after a refused
   * connection (DESIGN §5). The request counts once, with the answer of its last try.
   */
  retries: number;
  /** requests a rule's fault answered with its injected abort instead of sending them on (not in `requests`) */
  faultAborts: number;
  /** requests a rule's fault held back by an injected delay before sending them (also in `requests`; the delay is not in the latency) */
  faultDelays: number;
}

/**
 * How the revision that served a request was chosen. `weighted`: by the service's weights
 * (its slot table) or a traffic rule's weighted split. `pinned`: the request named it,
 * through the `Weir-Revision` header, the revision's own hostname or a custom domain bound
 * to that version, or a rule sent it to that one version. `mirror`: a rule's mirror sent
 * it a copy of a request another revision served; the client never saw its answer. Anyone
 * can pin, and a mirror is a shadow, so only weighted traffic judges a canary.
 */
export type Selection = "weighted" | "pinned" | "mirror";

/**
 * What a series counts: a revision's traffic, chosen one way (Selection), or (`rule`) the
 * requests a traffic rule answered itself: its redirects or direct responses, or, for a
 * rule that routes, its injected aborts. A `rule` series names the rule where the others
 * name a version (rule names and versions are both DNS labels; the kind keeps them apart).
 */
export type SeriesKind = Selection | "rule";
export const SERIES_KINDS: readonly SeriesKind[] = ["weighted", "pinned", "mirror", "rule"];

/** One revision's counts (or one rule's answers) in one time bucket, as chosen one way. */
export interface StatsSeries {
  /** the revision's version; the rule's name when `selection` is `rule` */
  version: string;
  selection: SeriesKind;
  counters: RevisionCounters;
}

/** Counters of one service, per time bucket (start ms): what an isolate flushes. */
export interface StatsBatch {
  /** `stack/name` */
  service: string;
  buckets: { start: number; series: StatsSeries[] }[];
}

/**
 * A bucket as isolates sent it before counts were split by selection: counters per
 * revision, keyed by version. The stats store still takes these (a deploy leaves old
 * isolates flushing for a while); their counts are kept unsplit.
 */
export interface LegacyStatsBucket {
  start: number;
  revisions: Record<string, RevisionCounters>;
}

/**
 * A revision's counts (or a rule's answers) over a window as chosen one way; `selection`
 * null for counts recorded before the split.
 */
export interface WindowRow {
  /** the revision's version; the rule's name when `selection` is `rule` */
  version: string;
  selection: SeriesKind | null;
  counters: RevisionCounters;
}

/** A WindowRow of one time step (a stats series): the step starts at `start` (ms). */
export interface StatsRow extends WindowRow {
  start: number;
}

export function emptyCounters(): RevisionCounters {
  return {
    requests: 0,
    status: [0, 0, 0, 0, 0],
    originErrors: 0,
    latency: new Array<number>(LATENCY_BUCKETS).fill(0),
    latencySumMs: 0,
    retries: 0,
    faultAborts: 0,
    faultDelays: 0,
  };
}

/** The histogram bucket of a latency. A handful of comparisons, no allocation. */
export function latencyBucket(ms: number): number {
  let i = 0;
  while (i < LATENCY_BOUNDS_MS.length && ms > LATENCY_BOUNDS_MS[i]) i++;
  return i;
}

/** The start of the time bucket holding `timeMs`. */
export function bucketStart(timeMs: number): number {
  return timeMs - (timeMs % STATS_BUCKET_MS);
}

/**
 * Counts one request into `into`. `status` is the origin's response status, or
 * "origin_error" when the origin gave none; `latencyMs` is only counted for responses;
 * `retries` is the tries it took beyond the first.
 */
export function countRequest(into: RevisionCounters, status: number | "origin_error", latencyMs: number, retries = 0): void {
  into.requests++;
  into.retries += retries;
  if (status === "origin_error") {
    into.originErrors++;
    return;
  }
  const cls = Math.floor(status / 100) - 1;
  if (cls >= 0 && cls < 5) into.status[cls]++;
  into.latency[latencyBucket(latencyMs)]++;
  into.latencySumMs += latencyMs;
}

/** Adds `add` into `into` (merging isolates' batches, or time buckets). */
export function mergeCounters(into: RevisionCounters, add: RevisionCounters): RevisionCounters {
  into.requests += add.requests;
  for (let i = 0; i < 5; i++) into.status[i] += add.status[i] ?? 0;
  into.originErrors += add.originErrors;
  for (let i = 0; i < LATENCY_BUCKETS; i++) into.latency[i] += add.latency[i] ?? 0;
  into.latencySumMs += add.latencySumMs;
  // batches from isolates that predate these counters lack them
  into.retries += add.retries ?? 0;
  into.faultAborts += add.faultAborts ?? 0;
  into.faultDelays += add.faultDelays ?? 0;
  return into;
}

/** The series of a flushed bucket, whichever format an isolate sent; unsplit ones carry selection null. */
export function seriesOf(bucket: { series?: unknown; revisions?: unknown }): WindowRow[] {
  if (Array.isArray(bucket.series)) {
    return (bucket.series as Partial<StatsSeries>[])
      .filter((s) => typeof s?.version === "string" && SERIES_KINDS.includes(s.selection as SeriesKind) && typeof s.counters === "object" && s.counters !== null)
      .map((s) => ({ version: s.version as string, selection: s.selection as SeriesKind, counters: s.counters as RevisionCounters }));
  }
  if (typeof bucket.revisions === "object" && bucket.revisions !== null) {
    return Object.entries(bucket.revisions as Record<string, RevisionCounters>)
      .filter(([, c]) => typeof c === "object" && c !== null)
      .map(([version, counters]) => ({ version, selection: null, counters }));
  }
  return [];
}

/** Merges batches of one service into one, with one series per time bucket, revision (or rule) and kind. */
export function mergeBatches(service: string, batches: readonly StatsBatch[]): StatsBatch {
  const byStart = new Map<number, Map<string, StatsSeries>>();
  for (const batch of batches) {
    for (const bucket of batch.buckets) {
      let series = byStart.get(bucket.start);
      if (!series) byStart.set(bucket.start, (series = new Map()));
      for (const s of bucket.series) {
        const key = `${s.selection} ${s.version}`;
        let into = series.get(key);
        if (!into) series.set(key, (into = { version: s.version, selection: s.selection, counters: emptyCounters() }));
        mergeCounters(into.counters, s.counters);
      }
    }
  }
  return {
    service,
    buckets: [...byStart.entries()].sort((a, b) => a[0] - b[0]).map(([start, series]) => ({ start, series: [...series.values()] })),
  };
}

/**
 * A revision's counts over a window: everything its origins were sent, and the parts the
 * weights chose, requests pinned and mirrors copied.
 */
export interface RevisionTotals {
  /** every request, including rows recorded before the split */
  all: RevisionCounters;
  weighted: RevisionCounters;
  pinned: RevisionCounters;
  mirror: RevisionCounters;
}

export function emptyTotals(): RevisionTotals {
  return { all: emptyCounters(), weighted: emptyCounters(), pinned: emptyCounters(), mirror: emptyCounters() };
}

/** Sums rows per revision, keeping the split; rules' own answers are not a revision's (ruleTotals). */
export function revisionTotals(rows: readonly WindowRow[]): Map<string, RevisionTotals> {
  const out = new Map<string, RevisionTotals>();
  for (const row of rows) {
    if (row.selection === "rule") continue;
    let t = out.get(row.version);
    if (!t) out.set(row.version, (t = emptyTotals()));
    mergeCounters(t.all, row.counters);
    if (row.selection !== null) mergeCounters(t[row.selection], row.counters);
  }
  return out;
}

/** Sums the answers rules gave themselves, per rule name. */
export function ruleTotals(rows: readonly WindowRow[]): Map<string, RevisionCounters> {
  const out = new Map<string, RevisionCounters>();
  for (const row of rows) {
    if (row.selection !== "rule") continue;
    let c = out.get(row.version);
    if (!c) out.set(row.version, (c = emptyCounters()));
    mergeCounters(c, row.counters);
  }
  return out;
}

/**
 * What a canary analysis judges: per revision, only the traffic the weights sent it. Not
 * pinned requests, not mirror copies, not a rule's own answers; and since a request a
 * rule's fault aborted never reached an origin, an injected failure is no failure here.
 */
export function weightedCounts(rows: readonly WindowRow[]): Map<string, RevisionCounters> {
  const out = new Map<string, RevisionCounters>();
  for (const [version, t] of revisionTotals(rows)) out.set(version, t.weighted);
  return out;
}

/** Responses: origin responses plus the errors Weir answered for the origin. */
export function responsesOf(c: RevisionCounters): number {
  return c.status.reduce((a, b) => a + b, 0) + c.originErrors;
}

/** 5xx responses plus origin errors. */
export function errorsOf(c: RevisionCounters): number {
  return c.status[4] + c.originErrors;
}

/** Error rate in percent (0–100), or null without responses. */
export function errorRate(c: RevisionCounters): number | null {
  const responses = responsesOf(c);
  return responses === 0 ? null : (errorsOf(c) * 100) / responses;
}

/**
 * The latency (ms) below which a fraction `q` of responses fell, read from the histogram:
 * the upper bound of the bucket that holds the q-th response (the last bucket has none,
 * so it reports its lower bound). Null without responses.
 */
export function latencyQuantile(c: RevisionCounters, q: number): number | null {
  const total = c.latency.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (let i = 0; i < LATENCY_BUCKETS; i++) {
    seen += c.latency[i];
    if (seen >= rank) return i < LATENCY_BOUNDS_MS.length ? LATENCY_BOUNDS_MS[i] : LATENCY_BOUNDS_MS[LATENCY_BOUNDS_MS.length - 1];
  }
  return LATENCY_BOUNDS_MS[LATENCY_BOUNDS_MS.length - 1];
}

export interface CanaryThresholds {
  /** percent, 0–100: the canary fails when its error rate is above this */
  maxErrorRate: number;
  /** responses needed in the window before the rate is judged */
  minRequests: number;
}

export interface CanaryVerdict {
  /** "fail" aborts the rollout; "insufficient" means too few responses to judge */
  verdict: "pass" | "fail" | "insufficient";
  version: string;
  requests: number;
  responses: number;
  errors: number;
  /** percent, null without responses */
  errorRate: number | null;
  maxErrorRate: number;
  minRequests: number;
}

/**
 * The rollout analysis: the canary fails when it has at least `minRequests` responses in
 * the window and (5xx + origin errors) / responses is above `maxErrorRate` percent. Give
 * it weighted counts only (`weightedCounts`): pinned traffic is anyone's to flood.
 */
export function analyzeCanary(version: string, counters: RevisionCounters | undefined, t: CanaryThresholds): CanaryVerdict {
  const c = counters ?? emptyCounters();
  const responses = responsesOf(c);
  const errors = errorsOf(c);
  const rate = errorRate(c);
  const base = { version, requests: c.requests, responses, errors, errorRate: rate, ...t };
  if (responses === 0 || responses < t.minRequests) return { verdict: "insufficient", ...base };
  return { verdict: rate !== null && rate > t.maxErrorRate ? "fail" : "pass", ...base };
}

/** One line for history and the CLI: "v3: 12 of 40 weighted responses failed (30%), above the 5% limit". */
export function describeVerdict(v: CanaryVerdict): string {
  const rate = v.errorRate === null ? "no responses" : `${formatRate(v.errorRate)}`;
  if (v.verdict === "insufficient") {
    return `${v.version}: ${v.responses} weighted responses, fewer than the ${v.minRequests} needed to judge (error rate ${rate})`;
  }
  const relation = v.verdict === "fail" ? "above" : "within";
  return `${v.version}: ${v.errors} of ${v.responses} weighted responses failed (${rate}), ${relation} the ${formatRate(v.maxErrorRate)} limit`;
}

/** A rate in percent with at most two decimals: 33.333… → "33.33%". */
export function formatRate(percent: number): string {
  return `${Math.round(percent * 100) / 100}%`;
}
