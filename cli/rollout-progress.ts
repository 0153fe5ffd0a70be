/**
 * @module cli/rollout-progress
 * What `weir rollout status` prints: the rollout's state and step, and for each revision
 * it moves a bar of the weight reached so far with a mark at the target.
 */
import type { RolloutView } from "../core/rollout.ts";
import { formatRate } from "../core/edge-stats.ts";
import { own } from "../core/own-property.ts";
import { TOTAL_BP } from "../core/weights.ts";

export const BAR_WIDTH = 30;

/** `[██████░░░░░░|░░░░]`: filled up to `current` percent, `|` where `target` lies. */
export function progressBar(current: number, target: number, width = BAR_WIDTH): string {
  const filled = Math.round((current / 100) * width);
  const mark = Math.min(width - 1, Math.round((target / 100) * width));
  let bar = "";
  for (let i = 0; i < width; i++) bar += i === mark && i >= filled ? "|" : i < filled ? "█" : "░";
  return `[${bar}]`;
}

function pct(p: number): string {
  return `${Math.round(p * 100) / 100}%`;
}

function untilText(iso: string, now: Date): string {
  const s = Math.max(0, Math.round((new Date(iso).getTime() - now.getTime()) / 1000));
  return s < 120 ? `in ${s}s` : `in ${Math.round(s / 60)}m`;
}

/** The primary's share in percent: what the staged weights (percent) leave. */
function remainder(weights: Record<string, number>): number {
  const stagedBp = Object.values(weights).reduce((a, b) => a + Math.round(b * 100), 0);
  return (TOTAL_BP - stagedBp) / 100;
}

/** The lines of one status frame, for `weir rollout status` and each `--watch` frame. */
export function renderRollout(r: RolloutView, now: Date, primary?: string): string {
  const lines: string[] = [];
  const what = r.kind === "promote" ? `promote ${r.version}` : "weights";
  let when = "";
  if (r.nextStepAt !== null) when = `, next step ${untilText(r.nextStepAt, now)}`;
  else if (r.status === "paused") when = " (resume to continue)";
  lines.push(`${r.service} rollout (${what} over ${r.duration}) ${r.status}: step ${r.step}/${r.steps}${when}`);

  const moved = Object.entries(r.target).filter(([v, target]) => target !== own(r.from, v) || own(r.current, v) !== own(r.from, v));
  const rows: [string, number, number, number][] = moved.map(([v, target]) => [v, own(r.from, v) ?? 0, own(r.current, v) ?? 0, target]);
  rows.push([primary ?? "primary", remainder(r.from), remainder(r.current), remainder(r.target)]);
  const width = Math.max(...rows.map(([v]) => v.length));
  for (const [v, from, current, target] of rows) {
    lines.push(`  ${v.padEnd(width)}  ${progressBar(current, target)}  ${pct(current).padStart(7)} → ${pct(target)} (from ${pct(from)})`);
  }
  if (r.analysis) {
    lines.push(`  analysis: abort above ${formatRate(r.analysis.maxErrorRate)} errors, at least ${r.analysis.minRequests} responses`);
    for (const v of r.lastAnalysis ?? []) {
      const rate = v.errorRate === null ? "no responses" : formatRate(v.errorRate);
      lines.push(`  ${v.version}: ${v.errors}/${v.responses} failed (${rate}) → ${v.verdict}`);
    }
  }
  if (r.reason) lines.push(`  ${r.status}: ${r.reason}`);
  // A failed step is retried with backoff (issue 9); older servers send neither field.
  const failures = r.failures ?? 0;
  if (r.lastError && failures > 0) {
    lines.push(`  retrying: ${failures} failed ${failures === 1 ? "attempt" : "attempts"} in a row, the last ${r.lastError.at}: ${r.lastError.message}`);
  } else if (r.lastError && (r.status === "running" || r.status === "paused")) {
    lines.push(`  recovered from an error at ${r.lastError.at}: ${r.lastError.message}`);
  }
  return lines.join("\n") + "\n";
}
