/**
 * @module admin/routes/rollouts
 * Timed rollouts and edge statistics (issue 6): the rollout of a service (status, pause,
 * resume, abort), its per-revision statistics over a window, and how a weight change or
 * promote with a `duration` becomes a rollout.
 */
import { z, type OpenAPIHono } from "@hono/zod-openapi";
import { accessRoute, read, write } from "../authorization.ts";
import { revisionTotals, ruleTotals, STATS_BUCKET_MS } from "../../core/edge-stats.ts";
import { WeirError } from "../../core/errors.ts";
import { shortValue } from "../../core/printable.ts";
import { formatDuration, parseDuration } from "../../core/duration.ts";
import { RolloutView as CoreRolloutView } from "../../core/rollout.ts";
import { MAX_SERIES_POINTS, revisionStatsView, ruleStatsViews, statsSeriesView, StatsView as CoreStatsView } from "../../core/stats-view.ts";
import { STATS_RETENTION_MS, statsStoreOf } from "../store/stats-store.ts";
import { checkIfMatch, settle, store, writeContext, type AdminContext, type AdminEnv } from "../context.ts";
import { commonErrors, ErrorBody, jsonResponse, notFound, ServiceParams, writeErrors } from "../schemas.ts";
import type { RolloutStart } from "../store/rollouts.ts";

export const RolloutView = CoreRolloutView.openapi("RolloutView");
export const StatsView = CoreStatsView.openapi("StatsView");
const StatsQuery = z.object({
  window: z.string().optional().openapi({ example: "5m" }),
  /** adds `series`: counts per step (a multiple of 10s), e.g. for a chart */
  step: z.string().optional().openapi({ example: "30s" }),
});

const tags = ["rollouts"];
const inFlight = { 409: { description: "The rollout has already ended", content: { "application/json": { schema: ErrorBody } } } };

/** The 202 a weight change or promote with a duration answers with. */
export const rolloutStarted = { 202: jsonResponse(RolloutView, "A timed rollout has started; its steps run on the server") };

const DEFAULT_WINDOW = "5m";

/** Rollout fields used without a duration are a mistake worth naming. */
function timedFieldsWithoutDuration(body: Record<string, unknown>): void {
  const used = ["interval", "pause", "maxErrorRate", "minRequests"].filter((k) => body[k] !== undefined);
  if (used.length > 0) throw new WeirError("invalid", `${used.join(", ")} only ${used.length === 1 ? "applies" : "apply"} to a timed rollout: add a duration`);
}

/**
 * A weight change or promote with `duration` starts a rollout and answers 202 with it;
 * without one this returns null and the caller makes the change at once (`force` passes on).
 */
export async function maybeStartRollout(
  c: AdminContext,
  stack: string,
  name: string,
  body: { duration?: string; interval?: string; pause?: boolean; force?: boolean; maxErrorRate?: number; minRequests?: number },
  what: Pick<RolloutStart, "kind" | "weights" | "version">,
): Promise<Response | null> {
  if (body.duration === undefined) {
    timedFieldsWithoutDuration(body);
    return null;
  }
  const input: RolloutStart = { ...what, duration: body.duration };
  if (body.interval !== undefined) input.interval = body.interval;
  if (body.pause !== undefined) input.pause = body.pause;
  if (body.force !== undefined) input.force = body.force;
  if (body.maxErrorRate !== undefined) input.maxErrorRate = body.maxErrorRate;
  if (body.minRequests !== undefined) input.minRequests = body.minRequests;
  if (body.minRequests !== undefined && body.maxErrorRate === undefined) {
    throw new WeirError("invalid", "minRequests only applies with maxErrorRate");
  }
  return c.json(settle(c, await store(c).startRollout(writeContext(c), stack, name, input)), 202);
}

function windowMs(text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined) throw new WeirError("bad_request", `window '${shortValue(text)}' does not parse: write a duration like '30s', '5m' or '1h'`);
  if (ms < STATS_BUCKET_MS || ms > STATS_RETENTION_MS) {
    throw new WeirError("invalid", `window ${shortValue(text)} must be between ${formatDuration(STATS_BUCKET_MS)} and ${formatDuration(STATS_RETENTION_MS)}`);
  }
  return ms;
}

/** A series step: whole stats buckets, at most MAX_SERIES_POINTS of them over the window. */
function stepMs(text: string, window: string, span: number): number {
  const ms = parseDuration(text);
  if (ms === undefined) throw new WeirError("bad_request", `step '${shortValue(text)}' does not parse: write a duration like '10s' or '1m'`);
  if (ms < STATS_BUCKET_MS || ms % STATS_BUCKET_MS !== 0 || ms > span) {
    throw new WeirError("invalid", `step ${shortValue(text)} must be a multiple of ${formatDuration(STATS_BUCKET_MS)} and no longer than the window (${shortValue(window)})`);
  }
  // A series has a point for every step the window touches: floor(span / step) + 1 of them
  // when the window's start lies inside a step, as it nearly always does.
  if (Math.floor(span / ms) + 1 > MAX_SERIES_POINTS) {
    const least = (Math.floor(span / MAX_SERIES_POINTS / STATS_BUCKET_MS) + 1) * STATS_BUCKET_MS;
    throw new WeirError("invalid", `step ${shortValue(text)} gives more than ${MAX_SERIES_POINTS} points over ${shortValue(window)}: use a step of at least ${formatDuration(least)}`);
  }
  return ms;
}

export function registerRolloutRoutes(app: OpenAPIHono<AdminEnv>): void {
  app.openapi(
    accessRoute(read("path"), {
      method: "get",
      path: "/v1/services/{stack}/{name}/rollout",
      tags,
      summary: "The service's rollout: progress, weights, schedule, last analysis (weir rollout status)",
      request: { params: ServiceParams },
      responses: { 200: jsonResponse(RolloutView, "The current or last rollout"), ...commonErrors, ...notFound },
    }),
    async (c) => {
      const { stack, name } = c.req.valid("param");
      return c.json(settle(c, await store(c).rolloutStatus(stack, name)), 200);
    },
  );

  for (const action of ["pause", "resume", "abort"] as const) {
    const summary = {
      pause: "Hold the rollout where it is (weir rollout pause)",
      resume: "Continue a paused rollout; later steps move back by the pause (weir rollout resume)",
      abort: "Stop the rollout and restore the weights and slot table from before it (weir rollout abort)",
    }[action];
    app.openapi(
      accessRoute(write("path"), {
        method: "post",
        path: `/v1/services/{stack}/{name}/rollout/${action}`,
        tags,
        summary,
        request: { params: ServiceParams },
        responses: { 200: jsonResponse(RolloutView, "The rollout after the change"), ...writeErrors, ...notFound, ...inFlight },
      }),
      async (c) => {
        const { stack, name } = c.req.valid("param");
        // abort is a versioned write (the write path checks If-Match); pause and resume are not
        if (action !== "abort") await checkIfMatch(c);
        const s = store(c);
        const outcome =
          action === "abort"
            ? await s.abortRollout(writeContext(c), stack, name)
            : action === "pause"
              ? await s.pauseRollout(stack, name)
              : await s.resumeRollout(stack, name);
        return c.json(settle(c, outcome), 200);
      },
    );
  }

  app.openapi(
    accessRoute(read("path"), {
      method: "get",
      path: "/v1/services/{stack}/{name}/stats",
      tags,
      summary:
        "Per-revision edge statistics over a window (default 5m, 10s to 24h): requests, split into weighted, pinned and mirrored traffic, status classes, origin errors, error rate, retries, injected faults, latency, and the answers rules gave themselves (weir stats); with `step`, also a series of counts per step. A removed service still answers, with the revisions it had and `removed`, until a new service takes its name",
      request: { params: ServiceParams, query: StatsQuery },
      responses: { 200: jsonResponse(StatsView, "Statistics of the service's revisions"), ...commonErrors, ...notFound, 422: writeErrors[422] },
    }),
    async (c) => {
      const { stack, name } = c.req.valid("param");
      const query = c.req.valid("query");
      const window = query.window ?? DEFAULT_WINDOW;
      const span = windowMs(window);
      const step = query.step === undefined ? undefined : stepMs(query.step, window, span);
      const { versions, removed } = settle(c, await store(c).statsSubject(stack, name));
      const to = Date.now();
      const from = to - span;
      const stats = statsStoreOf(c.env, `${stack}/${name}`);
      const [rows, stepRows] = await Promise.all([stats.window(from, to), step === undefined ? undefined : stats.series(from, to, step)]);
      // A Map: revision names are user-chosen (one named `constructor` once made this a 500).
      const totals = revisionTotals(rows);
      return c.json(
        {
          service: `${stack}/${name}`,
          window,
          from: new Date(from).toISOString(),
          to: new Date(to).toISOString(),
          revisions: versions.map((v) => revisionStatsView(v, totals.get(v))),
          rules: ruleStatsViews(ruleTotals(rows)),
          ...(removed ? { removed } : {}),
          ...(stepRows === undefined || step === undefined ? {} : { series: statsSeriesView(stepRows, versions, from, to, step, query.step as string) }),
        },
        200,
      );
    },
  );
}
