/**
 * @module cli/rollout-watch
 * Following a rollout to its end for people and CI jobs (`weir rollout status --watch`,
 * `weir weight|promote --duration … --wait`), as `kubectl argo rollouts status` does:
 * progress frames while it runs, then success when it completes and an error (exit 1,
 * the reason on stderr) when it aborts, is superseded by another rollout, or outlasts
 * `--timeout`. With `-o json` only the final status is printed.
 */
import { parseDuration } from "../core/duration.ts";
import type { RolloutView } from "../core/rollout.ts";
import type { ServiceView } from "../core/views.ts";
import type { ApiClient } from "./client.ts";
import { printJson, type CliContext } from "./context.ts";
import { renderRollout } from "./rollout-progress.ts";

/** How often a watch asks. */
export const WATCH_POLL_MS = 1_000;

export interface WatchOptions {
  /** print only the final status, as JSON */
  json: boolean;
  /** give up (exit 1) after this long; the rollout itself goes on */
  timeout?: string;
  /** the rollout to follow (its startedAt); by default whichever is current at the start */
  startedAt?: string;
}

/** The primary's version for the frame's last row, or undefined when the service is gone. */
export async function primaryOf(client: ApiClient, stack: string, name: string): Promise<string | undefined> {
  try {
    return ((await client.send("GET", `/v1/services/${stack}/${name}`)).json as ServiceView).version;
  } catch {
    return undefined; // removed meanwhile: the frame says "primary"
  }
}

/** Thrown when the rollout did not complete; its message is the one line on stderr. */
export class RolloutNotCompleted extends Error {}

/** Resolves when the rollout completes; throws RolloutNotCompleted otherwise. */
export async function watchRollout(client: ApiClient, ctx: CliContext, stack: string, name: string, opts: WatchOptions): Promise<RolloutView> {
  const id = `${stack}/${name}`;
  const timeoutMs = opts.timeout === undefined ? undefined : parseDuration(opts.timeout);
  const deadline = timeoutMs === undefined ? Infinity : Date.now() + timeoutMs;
  let pinned = opts.startedAt;
  let last = "";
  for (;;) {
    const r = (await client.send("GET", `/v1/services/${id}/rollout`)).json as RolloutView;
    pinned ??= r.startedAt;
    if (r.startedAt !== pinned) {
      throw new RolloutNotCompleted(`the rollout of ${id} was superseded by another, started by ${r.startedBy} at ${r.startedAt}`);
    }
    if (!opts.json) {
      // A frame is printed when something other than the countdown changed.
      const key = JSON.stringify([r.status, r.step, r.current, r.lastAnalysis]);
      if (key !== last) ctx.stdout(renderRollout(r, ctx.now(), await primaryOf(client, stack, name)));
      last = key;
    }
    if (r.status === "completed" || r.status === "aborted") {
      if (opts.json) printJson(ctx, r);
      if (r.status === "aborted") throw new RolloutNotCompleted(`the rollout of ${id} was aborted at step ${r.step}/${r.steps}: ${r.reason ?? "no reason given"}`);
      return r;
    }
    if (Date.now() >= deadline) {
      if (opts.json) printJson(ctx, r);
      throw new RolloutNotCompleted(`the rollout of ${id} is still ${r.status} at step ${r.step}/${r.steps} after ${opts.timeout}; it goes on without this watch`);
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(WATCH_POLL_MS, Math.max(0, deadline - Date.now()))));
  }
}
