// @ts-check
/**
 * @module dashboard/client/rollout-view
 * A rollout (`GET …/rollout`, core/rollout.ts RolloutView) as the dashboard shows it:
 * progress, weights, and which of Pause / Resume / Abort apply. Pure, unit-tested.
 */
import { formatPercent } from "./format.js";

/** @typedef {import("../../core/rollout.ts").RolloutView} RolloutView */

/** @param {RolloutView} r */
export function inFlight(r) {
  return r.status === "running" || r.status === "paused";
}

/**
 * The controls that apply now: Pause while running, Resume while paused, Abort while in
 * flight.
 * @param {RolloutView} r
 */
export function rolloutControls(r) {
  return { pause: r.status === "running", resume: r.status === "paused", abort: inFlight(r) };
}

/**
 * "v3 50%" pairs, in version order.
 * @param {Record<string, number>} weights
 */
export function weightsText(weights) {
  const entries = Object.entries(weights).sort(([a], [b]) => a.localeCompare(b));
  return entries.length ? entries.map(([v, p]) => `${v} ${formatPercent(p)}`).join(", ") : "–";
}

/**
 * One line for the heading: "weights rollout running: step 3 of 20",
 * "promote v3 rollout aborted: aborted by root".
 * @param {RolloutView} r
 */
export function rolloutHeadline(r) {
  const what = r.kind === "promote" ? `promote ${r.version ?? ""} rollout` : "weights rollout";
  const tail = inFlight(r) ? `step ${r.step} of ${r.steps}` : (r.reason ?? `step ${r.step} of ${r.steps}`);
  return `${what} ${r.status}: ${tail}`;
}

/**
 * Share of the steps applied, 0–1.
 * @param {RolloutView} r
 */
export function rolloutProgress(r) {
  return r.steps === 0 ? 1 : Math.min(1, r.step / r.steps);
}
