/**
 * @module core/rollout
 * A timed rollout's record and its life (issue 6): running → paused ↔ running → completed,
 * or aborted (by hand, by `force`, by the error-rate analysis, or by a step that can no
 * longer apply). Pure: the config store persists the record, drives it from its alarm and
 * applies each step as a normal change; this module decides what is due and when.
 */
import { z } from "zod";
import type { CanaryThresholds } from "./edge-stats.ts";
import { WeirError } from "./errors.ts";
import { formatDuration } from "./duration.ts";
import { own } from "./own-property.ts";
import { planRollout, promoteTarget, type RolloutTiming } from "./rollout-plan.ts";
import { bpToPercent, formatPercent } from "./weights.ts";

export const RolloutStatus = z.enum(["running", "paused", "completed", "aborted"]);
export type RolloutStatus = z.infer<typeof RolloutStatus>;

const Weights = z.record(z.string(), z.number());

const Verdict = z.object({
  verdict: z.enum(["pass", "fail", "insufficient"]),
  version: z.string(),
  requests: z.number(),
  responses: z.number(),
  errors: z.number(),
  errorRate: z.number().nullable(),
  maxErrorRate: z.number(),
  minRequests: z.number(),
});

/** What the store keeps per service (one row; the last rollout stays for `status`). */
export const Rollout = z.object({
  /** `stack/name` */
  service: z.string(),
  kind: z.enum(["weights", "promote"]),
  /** promote: the revision promoted after the last step */
  version: z.string().optional(),
  status: RolloutStatus,
  startedBy: z.string(),
  /** ms since the epoch */
  startedAt: z.number(),
  durationMs: z.number(),
  intervalMs: z.number(),
  /** staged weights (bp) before the rollout, and its target */
  from: Weights,
  target: Weights,
  steps: z.array(z.object({ at: z.number(), weights: Weights })),
  /** steps applied so far */
  applied: z.number().int(),
  /** when the last step was applied (ms), or startedAt */
  lastStepAt: z.number(),
  pausedAt: z.number().nullable(),
  /** total time spent paused, which pushes every later step back */
  pausedMs: z.number(),
  /** revisions judged by the analysis: those the rollout grows */
  canaries: z.array(z.string()),
  analysis: z.object({ maxErrorRate: z.number(), minRequests: z.number() }).nullable(),
  lastAnalysis: z.array(Verdict).nullable(),
  endedAt: z.number().nullable(),
  /** why it ended */
  reason: z.string().nullable(),
  /** the config version just before the rollout started */
  configVersionBefore: z.number(),
  /** failed runs of the rollout's timer in a row (each is retried with backoff); 0 after a step succeeds */
  failures: z.number().int().default(0),
  /** the last failure of the rollout's timer (ms, message), kept after it recovers */
  lastError: z.object({ at: z.number(), message: z.string() }).nullable().default(null),
});
export type Rollout = z.infer<typeof Rollout>;

export interface RolloutRequest {
  service: string;
  kind: "weights" | "promote";
  /** promote: the revision to promote */
  version?: string;
  /** staged weights (bp) now */
  current: Record<string, number>;
  /** weights: the staged versions to change and their target (bp); others keep theirs */
  weights?: Record<string, number>;
  timing: RolloutTiming;
  /** start paused: nothing moves until resume */
  pause?: boolean;
  analysis?: CanaryThresholds;
  actor: string;
  now: number;
  configVersion: number;
}

/** A new rollout, or a 422 when there is nothing to roll out. */
export function newRollout(req: RolloutRequest): Rollout {
  const target =
    req.kind === "promote" ? promoteTarget(req.current, req.version as string) : { ...req.current, ...(req.weights ?? {}) };
  const plan = planRollout(req.current, target, req.timing);
  if (req.kind === "weights" && plan.steps.length === 0) {
    throw new WeirError("invalid", `${req.service} already has those weights; there is nothing to roll out`);
  }
  const canaries =
    req.kind === "promote"
      ? [req.version as string]
      : Object.entries(target).filter(([v, bp]) => bp > (own(req.current, v) ?? 0)).map(([v]) => v);
  return {
    service: req.service,
    kind: req.kind,
    ...(req.kind === "promote" ? { version: req.version } : {}),
    status: req.pause ? "paused" : "running",
    startedBy: req.actor,
    startedAt: req.now,
    durationMs: plan.durationMs,
    intervalMs: plan.intervalMs,
    from: { ...req.current },
    target,
    steps: plan.steps,
    applied: 0,
    lastStepAt: req.now,
    pausedAt: req.pause ? req.now : null,
    pausedMs: 0,
    canaries,
    analysis: req.analysis ?? null,
    lastAnalysis: null,
    endedAt: null,
    reason: null,
    configVersionBefore: req.configVersion,
    failures: 0,
    lastError: null,
  };
}

export function inFlight(r: Rollout | null): r is Rollout {
  return r !== null && (r.status === "running" || r.status === "paused");
}

/** When the next step is due (ms), or null when nothing is scheduled (paused or ended). */
export function nextDueAt(r: Rollout): number | null {
  if (r.status !== "running" || r.applied >= r.steps.length) return null;
  return r.startedAt + r.pausedMs + r.steps[r.applied].at;
}

/** Staged weights (bp) the rollout has reached. */
export function reachedWeights(r: Rollout): Record<string, number> {
  return r.applied === 0 ? r.from : r.steps[r.applied - 1].weights;
}

/** True when the step about to apply is the last one. */
export function isLastStep(r: Rollout): boolean {
  return r.applied === r.steps.length - 1;
}

/** The record after step `applied` has been written. */
export function stepApplied(r: Rollout, now: number): Rollout {
  const applied = r.applied + 1;
  const done = applied >= r.steps.length && r.kind === "weights";
  return {
    ...r,
    applied,
    lastStepAt: now,
    failures: 0,
    ...(done ? { status: "completed" as const, endedAt: now, reason: "reached its target" } : {}),
  };
}

export function completed(r: Rollout, now: number, reason: string): Rollout {
  return { ...r, status: "completed", endedAt: now, reason };
}

export function aborted(r: Rollout, now: number, reason: string): Rollout {
  return { ...r, status: "aborted", endedAt: now, reason, pausedAt: null };
}

/** The record after its timer failed once more (the timer retries it with backoff). */
export function timerFailed(r: Rollout, now: number, message: string): Rollout {
  return { ...r, failures: r.failures + 1, lastError: { at: now, message } };
}

function notInFlight(r: Rollout): WeirError {
  return new WeirError("conflict", `the rollout of ${r.service} has ${r.status === "completed" ? "completed" : "been aborted"}; nothing to change`);
}

export function paused(r: Rollout, now: number): Rollout {
  if (!inFlight(r)) throw notInFlight(r);
  if (r.status === "paused") return r;
  return { ...r, status: "paused", pausedAt: now };
}

export function resumed(r: Rollout, now: number): Rollout {
  if (!inFlight(r)) throw notInFlight(r);
  if (r.status === "running") return r;
  return { ...r, status: "running", pausedMs: r.pausedMs + (now - (r.pausedAt ?? now)), pausedAt: null };
}

/** The time span the analysis judges: since the previous step, but at least the last interval (or minute), never before the start. */
export function analysisWindow(r: Rollout, now: number): { from: number; to: number } {
  const span = Math.max(r.intervalMs, 60_000);
  return { from: Math.max(r.startedAt, Math.min(r.lastStepAt, now - span)), to: now };
}

/** The refusal of a change while a rollout is in flight (409 unless `force`). */
export function rolloutInProgress(r: Rollout): WeirError {
  return new WeirError(
    "rollout_in_progress",
    `${r.service} has a rollout in flight (${r.status}, step ${r.applied} of ${r.steps.length}); ` +
      `pause, resume or abort it with 'weir rollout', or pass force to abort it and go ahead`,
    { details: { service: r.service, status: r.status } },
  );
}

/** "v3=50%" style text of staged weights. */
export function weightsText(weights: Readonly<Record<string, number>>): string {
  return Object.entries(weights)
    .map(([v, bp]) => `${v}=${formatPercent(bp)}`)
    .join(" ");
}

/** The one-line summary of what a rollout does, for history and the CLI. */
export function describeRollout(r: Rollout): string {
  const what =
    r.kind === "promote"
      ? `promote ${r.version} (ramp to ${formatPercent(own(r.target, r.version as string) ?? 0)}, then promote)`
      : `weight ${weightsText(pick(r.target, r.from))}`;
  const gate = r.analysis ? `, abort above ${r.analysis.maxErrorRate}% errors (min ${r.analysis.minRequests} requests)` : "";
  return `${what} over ${formatDuration(r.durationMs)} in ${r.steps.length} steps${gate}`;
}

/** The target weights that differ from the start. */
function pick(target: Record<string, number>, from: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(target).filter(([v, bp]) => bp !== (own(from, v) ?? 0)));
}

// ---- the JSON of GET /v1/services/{stack}/{name}/rollout ----

const PercentWeights = z.record(z.string(), z.number());

export const RolloutView = z.object({
  service: z.string(),
  kind: z.enum(["weights", "promote"]),
  version: z.string().optional(),
  status: RolloutStatus,
  startedBy: z.string(),
  startedAt: z.string(),
  /** e.g. "10m" */
  duration: z.string(),
  interval: z.string(),
  step: z.number().int(),
  steps: z.number().int(),
  /** ISO time of the next step, null when none is scheduled */
  nextStepAt: z.string().nullable(),
  /** staged weights in percent: before the rollout, reached so far, and the target */
  from: PercentWeights,
  current: PercentWeights,
  target: PercentWeights,
  analysis: z.object({ maxErrorRate: z.number(), minRequests: z.number() }).nullable(),
  lastAnalysis: z.array(Verdict).nullable(),
  endedAt: z.string().nullable(),
  reason: z.string().nullable(),
  /** failed runs of the rollout's clock in a row; each is retried with backoff until a step succeeds */
  failures: z.number().int(),
  /** the last such failure, kept after the rollout recovers */
  lastError: z.object({ at: z.string(), message: z.string() }).nullable(),
});
export type RolloutView = z.infer<typeof RolloutView>;

function percents(weights: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(weights).map(([v, bp]) => [v, bpToPercent(bp)]));
}

export function rolloutView(r: Rollout): RolloutView {
  const due = nextDueAt(r);
  return {
    service: r.service,
    kind: r.kind,
    ...(r.version === undefined ? {} : { version: r.version }),
    status: r.status,
    startedBy: r.startedBy,
    startedAt: new Date(r.startedAt).toISOString(),
    duration: formatDuration(r.durationMs),
    interval: formatDuration(r.steps.length > 0 ? Math.round(r.durationMs / r.steps.length) : r.intervalMs),
    step: r.applied,
    steps: r.steps.length,
    nextStepAt: due === null ? null : new Date(due).toISOString(),
    from: percents(r.from),
    current: percents(reachedWeights(r)),
    target: percents(r.target),
    analysis: r.analysis,
    lastAnalysis: r.lastAnalysis,
    endedAt: r.endedAt === null ? null : new Date(r.endedAt).toISOString(),
    reason: r.reason,
    failures: r.failures,
    lastError: r.lastError === null ? null : { at: new Date(r.lastError.at).toISOString(), message: r.lastError.message },
  };
}
