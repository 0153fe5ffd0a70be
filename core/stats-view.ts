/**
 * @module core/stats-view
 * The JSON of `GET /v1/services/{stack}/{name}/stats?window=5m`, shared by the API, its
 * OpenAPI document, `weir stats`, the error rate in `weir ps`, and (with `&step=`) the
 * dashboard's charts. Per revision: all it was sent, its weighted, pinned and mirrored
 * parts, retries and injected faults; per rule, the answers it gave itself.
 */
import { z } from "zod";
import {
  emptyTotals,
  errorRate,
  errorsOf,
  latencyQuantile,
  responsesOf,
  revisionTotals,
  type RevisionCounters,
  type RevisionTotals,
  type StatsRow,
} from "./edge-stats.ts";

/** Part of a revision's traffic: what the weights sent it, what requests pinned to it, or what a mirror copied to it. */
export const TrafficPartView = z.object({
  requests: z.number().int(),
  responses: z.number().int(),
  errors: z.number().int(),
  /** percent, null without responses */
  errorRate: z.number().nullable(),
});
export type TrafficPartView = z.infer<typeof TrafficPartView>;

export const RevisionStatsView = z.object({
  version: z.string(),
  /** every request sent to the revision's origins: weighted, pinned, mirrored, and any counted before the split */
  requests: z.number().int(),
  /** traffic the weights (the service's, or a rule's split) chose: what a rollout's analysis judges */
  weighted: TrafficPartView,
  /** traffic that named the revision (Weir-Revision header, version host, version-pinned domain) or a rule sent to it by name */
  pinned: TrafficPartView,
  /** copies a rule's mirror sent it, their answers discarded: never judged */
  mirrored: TrafficPartView,
  /** origin responses plus origin errors */
  responses: z.number().int(),
  status: z.object({ "1xx": z.number().int(), "2xx": z.number().int(), "3xx": z.number().int(), "4xx": z.number().int(), "5xx": z.number().int() }),
  /** requests the origin did not answer (502/504 from Weir) */
  originErrors: z.number().int(),
  /** 5xx plus origin errors */
  errors: z.number().int(),
  /** percent, null without responses */
  errorRate: z.number().nullable(),
  /** tries beyond the first (a rule's retries; the next origin after a refused connection); each request counts once, with its last answer */
  retries: z.number().int(),
  /** requests bound for the revision that a rule's fault answered with its injected abort: not in `requests`, never an error of the revision */
  faultAborts: z.number().int(),
  /** requests a rule's fault delayed before sending them (in `requests`; the delay is not in the latency) */
  faultDelays: z.number().int(),
  /** time to the origin's response headers, ms; quantiles are histogram bucket bounds */
  latencyMs: z.object({ mean: z.number().nullable(), p50: z.number().nullable(), p95: z.number().nullable(), p99: z.number().nullable() }),
});
export type RevisionStatsView = z.infer<typeof RevisionStatsView>;

/**
 * What a traffic rule answered itself, without a revision: its redirects or direct
 * responses, or, for a rule that routes, its injected aborts.
 */
export const RuleStatsView = z.object({
  /** the rule's name (a rule since removed or renamed still shows while it has counts in the window) */
  name: z.string(),
  requests: z.number().int(),
  status: z.object({ "1xx": z.number().int(), "2xx": z.number().int(), "3xx": z.number().int(), "4xx": z.number().int(), "5xx": z.number().int() }),
});
export type RuleStatsView = z.infer<typeof RuleStatsView>;

/**
 * One revision in one point of a series: what a chart of requests/s and error rate needs,
 * over all its traffic, with the weighted, pinned and mirrored parts as in RevisionStatsView.
 */
export const StatsPointRevision = TrafficPartView.extend({
  version: z.string(),
  weighted: TrafficPartView,
  pinned: TrafficPartView,
  mirrored: TrafficPartView,
});

/** Counts per time step over the window (`?step=`): the points of a chart, oldest first. */
export const StatsSeries = z.object({
  /** the step as asked, e.g. "30s" */
  step: z.string(),
  points: z.array(
    z.object({
      /** start of the step (ISO); the step covers [at, at + step) */
      at: z.string(),
      /** the same revisions, in the same order, as the view's `revisions` */
      revisions: z.array(StatsPointRevision),
    }),
  ),
});
export type StatsSeries = z.infer<typeof StatsSeries>;

export const StatsView = z.object({
  /** `stack/name` */
  service: z.string(),
  /** the window as asked, e.g. "5m" */
  window: z.string(),
  from: z.string(),
  to: z.string(),
  /** the primary first, then staged revisions; revisions without traffic have zero counts */
  revisions: z.array(RevisionStatsView),
  /** rules that answered requests themselves in the window, by name */
  rules: z.array(RuleStatsView),
  /** set for a removed service (its counts are kept until a new service takes the name): the change that removed it */
  removed: z.object({ configVersion: z.number().int(), at: z.string() }).optional(),
  /** only with `?step=` */
  series: StatsSeries.optional(),
});
export type StatsView = z.infer<typeof StatsView>;

function partView(c: RevisionCounters): TrafficPartView {
  return { requests: c.requests, responses: responsesOf(c), errors: errorsOf(c), errorRate: errorRate(c) };
}

function statusView(c: RevisionCounters): RevisionStatsView["status"] {
  return { "1xx": c.status[0], "2xx": c.status[1], "3xx": c.status[2], "4xx": c.status[3], "5xx": c.status[4] };
}

/** A revision's line of the stats view; `totals` undefined when it served nothing in the window. */
export function revisionStatsView(version: string, totals: RevisionTotals | undefined): RevisionStatsView {
  const t = totals ?? emptyTotals();
  const c = t.all;
  const answered = c.latency.reduce((a, b) => a + b, 0);
  return {
    version,
    requests: c.requests,
    weighted: partView(t.weighted),
    pinned: partView(t.pinned),
    mirrored: partView(t.mirror),
    responses: responsesOf(c),
    status: statusView(c),
    originErrors: c.originErrors,
    errors: errorsOf(c),
    errorRate: errorRate(c),
    retries: c.retries,
    faultAborts: c.faultAborts,
    faultDelays: c.faultDelays,
    latencyMs: {
      mean: answered === 0 ? null : Math.round((c.latencySumMs / answered) * 10) / 10,
      p50: latencyQuantile(c, 0.5),
      p95: latencyQuantile(c, 0.95),
      p99: latencyQuantile(c, 0.99),
    },
  };
}

/** The rules' own answers (ruleTotals), by name: names are user-chosen, so a sorted list, never an object. */
export function ruleStatsViews(totals: ReadonlyMap<string, RevisionCounters>): RuleStatsView[] {
  return [...totals]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, c]) => ({ name, requests: c.requests, status: statusView(c) }));
}

/** The most points a series may have: a chart has no use for more. */
export const MAX_SERIES_POINTS = 500;

/**
 * The series of `versions` over [fromMs, toMs] in steps of `stepMs` (a multiple of the
 * stats bucket): `rows` are counts already summed per step start and selection (the stats
 * store groups them). Every step gets a point, with zeros where nothing was served, so a
 * chart's time axis has no holes.
 */
export function statsSeriesView(rows: readonly StatsRow[], versions: readonly string[], fromMs: number, toMs: number, stepMs: number, step: string): StatsSeries {
  const byStep = new Map<number, StatsRow[]>();
  for (const row of rows) {
    const list = byStep.get(row.start);
    if (list) list.push(row);
    else byStep.set(row.start, [row]);
  }
  const points: StatsSeries["points"] = [];
  for (let at = fromMs - (fromMs % stepMs); at <= toMs; at += stepMs) {
    // a Map by version: versions are user-chosen names
    const totals = revisionTotals(byStep.get(at) ?? []);
    points.push({
      at: new Date(at).toISOString(),
      revisions: versions.map((version) => {
        const t = totals.get(version) ?? emptyTotals();
        return { version, ...partView(t.all), weighted: partView(t.weighted), pinned: partView(t.pinned), mirrored: partView(t.mirror) };
      }),
    });
  }
  return { step, points };
}
