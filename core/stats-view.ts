/**
 * @module core/stats-view
 * The JSON of `GET /v1/services/{stack}/{name}/stats?window=5m`, shared by the API, its
 * OpenAPI document, `weir stats` and the error rate in `weir ps`.
 */
import { z } from "zod";
import { emptyCounters, errorRate, errorsOf, latencyQuantile, responsesOf, type RevisionCounters, type StatsRow } from "./edge-stats.ts";

export const RevisionStatsView = z.object({
  version: z.string(),
  requests: z.number().int(),
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

/** One revision in one point of a series: what a chart of requests/s and error rate needs. */
export const StatsPointRevision = z.object({
  version: z.string(),
  requests: z.number().int(),
  responses: z.number().int(),
  errors: z.number().int(),
  /** percent, null without responses */
  errorRate: z.number().nullable(),
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
  /** only with `?step=` */
  series: StatsSeries.optional(),
});
export type StatsView = z.infer<typeof StatsView>;

export function revisionStatsView(version: string, c: RevisionCounters): RevisionStatsView {
  const answered = c.latency.reduce((a, b) => a + b, 0);
  return {
    version,
    requests: c.requests,
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
 * stats bucket): `rows` are counts already summed per step start (the stats store groups
 * them). Every step gets a point, with zeros where nothing was served, so a chart's time
 * axis has no holes.
 */
export function statsSeriesView(rows: readonly StatsRow[], versions: readonly string[], fromMs: number, toMs: number, stepMs: number, step: string): StatsSeries {
  const byStep = new Map<number, Map<string, RevisionCounters>>();
  for (const row of rows) {
    let revisions = byStep.get(row.start);
    if (!revisions) byStep.set(row.start, (revisions = new Map()));
    revisions.set(row.version, row.counters);
  }
  const points: StatsSeries["points"] = [];
  for (let at = fromMs - (fromMs % stepMs); at <= toMs; at += stepMs) {
    const counts = byStep.get(at);
    points.push({
      at: new Date(at).toISOString(),
      revisions: versions.map((version) => {
        const c = counts?.get(version) ?? emptyCounters();
        return { version, requests: c.requests, responses: responsesOf(c), errors: errorsOf(c), errorRate: errorRate(c) };
      }),
    });
  }
  return { step, points };
}
