/**
 * @module core/stats-view
 * The JSON of `GET /v1/services/{stack}/{name}/stats?window=5m`, shared by the API, its
 * OpenAPI document, `weir stats`, the error rate in `weir ps`, and (with `&step=`) the
 * dashboard's charts.
 */
import { z } from "zod";
import {
  emptyCounters,
  errorRate,
  errorsOf,
  latencyQuantile,
  responsesOf,
  revisionTotals,
  type RevisionCounters,
  type RevisionTotals,
  type StatsRow,
} from "./edge-stats.ts";

/** Part of a revision's traffic: what the weights sent it, or what requests pinned to it. */
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
  /** every request the revision served: weighted, pinned, and any counted before the split */
  requests: z.number().int(),
  /** traffic the weights chose: what a rollout's analysis judges */
  weighted: TrafficPartView,
  /** traffic that named the revision (Weir-Revision header, version host, version-pinned domain) */
  pinned: TrafficPartView,
  /** origin responses plus origin errors */
  responses: z.number().int(),
  status: z.object({ "1xx": z.number().int(), "2xx": z.number().int(), "3xx": z.number().int(), "4xx": z.number().int(), "5xx": z.number().int() }),
  /** requests the origin did not answer (502/504 from Weir) */
  originErrors: z.number().int(),
  /** 5xx plus origin errors */
  errors: z.number().int(),
  /** percent, null without responses */
  errorRate: z.number().nullable(),
  /** time to the origin's response headers, ms; quantiles are histogram bucket bounds */
  latencyMs: z.object({ mean: z.number().nullable(), p50: z.number().nullable(), p95: z.number().nullable(), p99: z.number().nullable() }),
});
export type RevisionStatsView = z.infer<typeof RevisionStatsView>;

/**
 * One revision in one point of a series: what a chart of requests/s and error rate needs,
 * over all its traffic, with the weighted and pinned parts as in RevisionStatsView.
 */
export const StatsPointRevision = TrafficPartView.extend({
  version: z.string(),
  weighted: TrafficPartView,
  pinned: TrafficPartView,
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
  /** set for a removed service (its counts are kept until a new service takes the name): the change that removed it */
  removed: z.object({ configVersion: z.number().int(), at: z.string() }).optional(),
  /** only with `?step=` */
  series: StatsSeries.optional(),
});
export type StatsView = z.infer<typeof StatsView>;

function partView(c: RevisionCounters): TrafficPartView {
  return { requests: c.requests, responses: responsesOf(c), errors: errorsOf(c), errorRate: errorRate(c) };
}

/** A revision's line of the stats view; `totals` undefined when it served nothing in the window. */
export function revisionStatsView(version: string, totals: RevisionTotals | undefined): RevisionStatsView {
  const t = totals ?? { all: emptyCounters(), weighted: emptyCounters(), pinned: emptyCounters() };
  const c = t.all;
  const answered = c.latency.reduce((a, b) => a + b, 0);
  return {
    version,
    requests: c.requests,
    weighted: partView(t.weighted),
    pinned: partView(t.pinned),
    responses: responsesOf(c),
    status: { "1xx": c.status[0], "2xx": c.status[1], "3xx": c.status[2], "4xx": c.status[3], "5xx": c.status[4] },
    originErrors: c.originErrors,
    errors: errorsOf(c),
    errorRate: errorRate(c),
    latencyMs: {
      mean: answered === 0 ? null : Math.round((c.latencySumMs / answered) * 10) / 10,
      p50: latencyQuantile(c, 0.5),
      p95: latencyQuantile(c, 0.95),
      p99: latencyQuantile(c, 0.99),
    },
  };
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
        const t = totals.get(version);
        return { version, ...partView(t?.all ?? emptyCounters()), weighted: partView(t?.weighted ?? emptyCounters()), pinned: partView(t?.pinned ?? emptyCounters()) };
      }),
    });
  }
  return { step, points };
}
