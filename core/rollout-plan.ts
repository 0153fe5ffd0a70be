/**
 * @module core/rollout-plan
 * Timed rollouts (issue 6): from the staged weights of now to a target over a duration, as
 * a schedule of steps. Each step is a whole set of staged weights in basis points that the
 * config store applies as one normal change (minimal-diff slot-table update), so the plan
 * only decides *what* the weights are at each step and *when*.
 */
import { WeirError } from "./errors.ts";
import { formatDuration, parseDuration } from "./duration.ts";
import { shortValue } from "./printable.ts";
import { own, hasOwn } from "./own-property.ts";
import { apportion, TOTAL_BP } from "./weights.ts";

/** Steps are never closer together than this. */
export const MIN_STEP_MS = 5_000;
/** The longest rollout accepted. */
export const MAX_ROLLOUT_MS = 24 * 3_600_000;
/** Without an interval, the duration is split into about this many steps. */
export const DEFAULT_STEPS = 20;

export interface RolloutTiming {
  durationMs: number;
  /** the requested (or default) spacing of steps; the plan never steps more often */
  intervalMs: number;
}

export interface RolloutStep {
  /** ms after the rollout's start when this step is due */
  at: number;
  /** every staged revision's weight (bp) after the step; the primary gets the rest */
  weights: Record<string, number>;
}

export interface RolloutPlan extends RolloutTiming {
  /** in order; the last one is the target, due at `durationMs` */
  steps: RolloutStep[];
}

function parseRolloutDuration(field: string, text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined) {
    throw new WeirError("bad_request", `${field} '${shortValue(text)}' does not parse: write a duration like '90s', '10m' or '1h30m'`);
  }
  return ms;
}

/**
 * Checks a duration and an optional interval as users write them (DESIGN §8 bodies). The
 * default interval splits the duration into about DEFAULT_STEPS steps of at least
 * MIN_STEP_MS each. A value that does not parse is a 400; one that cannot be honoured, a 422.
 */
export function parseRolloutTiming(duration: string, interval?: string): RolloutTiming {
  const durationMs = parseRolloutDuration("duration", duration);
  if (durationMs > MAX_ROLLOUT_MS) {
    throw new WeirError("invalid", `duration ${shortValue(duration)} is longer than the ${formatDuration(MAX_ROLLOUT_MS)} a rollout may take`);
  }
  if (durationMs < MIN_STEP_MS) {
    throw new WeirError(
      "invalid",
      `duration ${shortValue(duration)} is too short: a rollout step takes at least ${formatDuration(MIN_STEP_MS)}, so the duration must be at least that`,
    );
  }
  if (interval === undefined) {
    return { durationMs, intervalMs: Math.max(MIN_STEP_MS, Math.floor(durationMs / DEFAULT_STEPS)) };
  }
  const intervalMs = parseRolloutDuration("interval", interval);
  if (intervalMs < MIN_STEP_MS) {
    throw new WeirError("invalid", `interval ${shortValue(interval)} is too short: rollout steps are at least ${formatDuration(MIN_STEP_MS)} apart`);
  }
  if (intervalMs > durationMs) {
    throw new WeirError("invalid", `interval ${shortValue(interval)} is longer than the duration ${shortValue(duration)}: a rollout needs at least one step`);
  }
  return { durationMs, intervalMs };
}

function sumOf(weights: Readonly<Record<string, number>>): number {
  return Object.values(weights).reduce((a, b) => a + b, 0);
}

function checkWeights(name: string, weights: Readonly<Record<string, number>>): void {
  for (const [version, bp] of Object.entries(weights)) {
    if (!Number.isInteger(bp) || bp < 0 || bp > TOTAL_BP) {
      throw new WeirError("invalid", `${name} weight of '${version}' must be whole basis points between 0 and ${TOTAL_BP}`);
    }
  }
  const sum = sumOf(weights);
  if (sum > TOTAL_BP) throw new WeirError("invalid", `${name} staged weights sum to ${sum / 100}%, more than 100%`);
}

/**
 * The schedule from `from` to `to` (staged weights in bp; a revision missing from one side
 * counts as 0 there). Steps are evenly spaced, at least `intervalMs` apart, and there are
 * never more steps than the largest weight change in bp, so every step changes a whole
 * number of bp of at least one revision. Each step's weights are the exact interpolation
 * apportioned to whole bp (largest remainder, the primary included), so no step's staged
 * sum ever exceeds 100%. Returns no steps when the weights already are the target.
 */
export function planRollout(
  from: Readonly<Record<string, number>>,
  to: Readonly<Record<string, number>>,
  timing: RolloutTiming,
): RolloutPlan {
  checkWeights("current", from);
  checkWeights("target", to);
  const versions = [...new Set([...Object.keys(from), ...Object.keys(to)])];
  const start = versions.map((v) => own(from, v) ?? 0);
  const end = versions.map((v) => own(to, v) ?? 0);
  const primaryStart = TOTAL_BP - sumOf(from);
  const primaryEnd = TOTAL_BP - sumOf(to);

  const largestChange = Math.max(Math.abs(primaryEnd - primaryStart), ...start.map((s, i) => Math.abs(end[i] - s)));
  const byTime = Math.max(1, Math.floor(timing.durationMs / timing.intervalMs));
  const count = Math.min(byTime, largestChange);

  const steps: RolloutStep[] = [];
  for (let k = 1; k <= count; k++) {
    const f = k / count;
    const exact = [primaryStart + (primaryEnd - primaryStart) * f, ...start.map((s, i) => s + (end[i] - s) * f)];
    // The last step is the target itself, not a rounding of it.
    const whole = k === count ? [primaryEnd, ...end] : apportion(exact, TOTAL_BP);
    const weights: Record<string, number> = {};
    versions.forEach((v, i) => (weights[v] = whole[i + 1]));
    steps.push({ at: Math.round((timing.durationMs * k) / count), weights });
  }
  return { ...timing, steps };
}

/**
 * The target of `promote --duration` for `version`: it takes over all of the primary's
 * share (100% when it is the only staged revision); other staged revisions keep their
 * weights, as a plain promote leaves them. The promote itself follows the last step.
 */
export function promoteTarget(staged: Readonly<Record<string, number>>, version: string): Record<string, number> {
  if (!hasOwn(staged, version)) throw new WeirError("invalid", `'${version}' is not a staged revision of this service`);
  const others = Object.entries(staged).reduce((sum, [v, bp]) => (v === version ? sum : sum + bp), 0);
  return { ...staged, [version]: TOTAL_BP - others };
}
