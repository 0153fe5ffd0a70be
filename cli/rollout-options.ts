/**
 * @module cli/rollout-options
 * The flags `weir weight` and `weir promote` share for timed rollouts (issue 6), the body
 * fields they become, and the line printed when the API answers 202 (a rollout started).
 */
import { InvalidArgumentError, Option } from "commander";
import { WeirError } from "../core/errors.ts";
import { formatRate } from "../core/edge-stats.ts";
import { own } from "../core/own-property.ts";
import type { RolloutView } from "../core/rollout.ts";
import { parsePercentText, bpToPercent } from "../core/weights.ts";
import { checkDuration } from "./refs.ts";

export interface RolloutOptions {
  interval?: string;
  /** percent */
  maxErrorRate?: number;
  minRequests?: number;
  force?: boolean;
}

function rate(text: string): number {
  const bp = parsePercentText(text);
  if (bp === undefined) throw new InvalidArgumentError("must be a percent from 0 to 100 with at most two decimals, like 5% or 0.5%");
  return bpToPercent(bp);
}

function count(text: string): number {
  if (!/^\d+$/.test(text)) throw new InvalidArgumentError("must be a whole number");
  return Number(text);
}

/** The four rollout flags, in the order help shows them. */
export function rolloutOptions(): Option[] {
  return [
    new Option("--interval <duration>", "time between rollout steps (default: the duration split into about 20 steps, at least 5s)"),
    new Option("--max-error-rate <percent>", "abort the rollout by itself when a canary's 5xx + origin errors exceed this share of its responses").argParser(rate),
    new Option("--min-requests <count>", "responses a canary needs before its error rate is judged (default 0)").argParser(count),
    new Option("--force", "abort a rollout in flight on this service and go ahead"),
  ];
}

/** The body fields of the flags given. */
export function rolloutFields(opts: RolloutOptions): Record<string, unknown> {
  return {
    ...(opts.interval !== undefined ? { interval: checkDuration(opts.interval) } : {}),
    ...(opts.maxErrorRate !== undefined ? { maxErrorRate: opts.maxErrorRate } : {}),
    ...(opts.minRequests !== undefined ? { minRequests: opts.minRequests } : {}),
    ...(opts.force ? { force: true } : {}),
  };
}

/** `--wait` and `--timeout`: follow the started rollout to its end (cli/rollout-watch.ts). */
export function waitOptions(): Option[] {
  return [
    new Option("--wait", "with --duration: follow the rollout until it ends; exit 0 when it completes, 1 when it aborts (reason on stderr)"),
    new Option("--timeout <duration>", "with --wait: give up (exit 1) after this long; the rollout goes on"),
  ];
}

export interface WaitOptions {
  wait?: boolean;
  timeout?: string;
  duration?: string;
}

/** Refuses --wait without --duration and --timeout without --wait. */
export function checkWaitOptions(opts: WaitOptions): void {
  if (opts.wait && opts.duration === undefined) throw new WeirError("bad_request", "--wait only applies with --duration: a change without one is done when the command returns");
  if (opts.timeout !== undefined && !opts.wait) throw new WeirError("bad_request", "--timeout only applies with --wait");
  if (opts.timeout !== undefined) checkDuration(opts.timeout);
}

/** "rollout of test/svc started: v3 0% → 50% over 10m in 20 steps (config version 12)" */
export function startedLine(body: unknown, configVersion: number | undefined): string {
  const r = body as RolloutView;
  const moves = Object.entries(r.target)
    .filter(([v, target]) => target !== own(r.from, v))
    .map(([v, target]) => `${v} ${formatRate(own(r.from, v) ?? 0)} → ${formatRate(target)}`)
    .join(", ");
  const what = r.kind === "promote" ? `promote ${r.version} after ramping ${moves}` : moves;
  const gate = r.analysis ? `, abort above ${formatRate(r.analysis.maxErrorRate)} errors` : "";
  const state = r.status === "paused" ? " (paused: weir rollout resume starts it)" : "";
  const version = configVersion === undefined ? "" : ` (config version ${configVersion})`;
  return `rollout of ${r.service} started: ${what} over ${r.duration} in ${r.steps} steps${gate}${state}${version}\n`;
}
