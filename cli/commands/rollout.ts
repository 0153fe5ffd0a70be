/**
 * @module cli/commands/rollout
 * `weir rollout status|pause|resume|abort S/N`: follow and steer a timed rollout, which
 * runs on the server (started by `weir weight … --duration` or `weir promote … --duration`).
 */
import type { Command } from "commander";
import type { RolloutView } from "../../core/rollout.ts";
import type { ServiceView } from "../../core/views.ts";
import type { ApiClient } from "../client.ts";
import { clientFor, examples, outputOption, printJson, versionNote, type CliContext } from "../context.ts";
import { parseServiceRef } from "../refs.ts";
import { renderRollout } from "../rollout-progress.ts";

/** How often `status --watch` asks. */
export const WATCH_POLL_MS = 1_000;

async function primaryOf(client: ApiClient, stack: string, name: string): Promise<string | undefined> {
  try {
    return ((await client.send("GET", `/v1/services/${stack}/${name}`)).json as ServiceView).version;
  } catch {
    return undefined; // removed meanwhile: the frame says "primary"
  }
}

async function watch(client: ApiClient, ctx: CliContext, stack: string, name: string): Promise<void> {
  let last = "";
  for (;;) {
    const r = (await client.send("GET", `/v1/services/${stack}/${name}/rollout`)).json as RolloutView;
    const frame = renderRollout(r, ctx.now(), await primaryOf(client, stack, name));
    // A frame is printed when something other than the countdown changed.
    const key = JSON.stringify([r.status, r.step, r.current, r.lastAnalysis]);
    if (key !== last) ctx.stdout(frame);
    last = key;
    if (r.status === "completed" || r.status === "aborted") return;
    await new Promise((resolve) => setTimeout(resolve, WATCH_POLL_MS));
  }
}

export function registerRollout(program: Command, ctx: CliContext): void {
  const rollout = program
    .command("rollout")
    .description("follow and steer timed rollouts (started with weight/promote --duration)")
    .addHelpText(
      "after",
      examples(
        "weir weight test/svc:v3=50% --duration 10m --max-error-rate 5% --min-requests 50",
        "weir rollout status test/svc --watch",
        "weir rollout pause test/svc",
        "weir rollout abort test/svc",
      ),
    );

  rollout
    .command("status")
    .description("show the service's rollout: step, weights reached and targeted, last analysis")
    .argument("<stack/name>", "the service")
    .option("-w, --watch", "keep printing progress until the rollout completes or aborts")
    .addOption(outputOption(["text", "json"], "text"))
    .addHelpText("after", examples("weir rollout status test/svc", "weir rollout status test/svc --watch"))
    .action(async (ref: string, opts: { watch?: boolean; output: string }, cmd: Command) => {
      const { stack, name } = parseServiceRef(ref);
      const client = clientFor(cmd, ctx);
      if (opts.watch && opts.output !== "json") return watch(client, ctx, stack, name);
      const res = await client.send("GET", `/v1/services/${stack}/${name}/rollout`);
      if (opts.output === "json") return printJson(ctx, res.json);
      ctx.stdout(renderRollout(res.json as RolloutView, ctx.now(), await primaryOf(client, stack, name)));
    });

  const actions = {
    pause: "hold the rollout at its current step",
    resume: "continue a paused rollout; later steps move back by the pause",
    abort: "stop the rollout and restore the weights from before it (every user back on the old revision)",
  } as const;
  for (const [action, description] of Object.entries(actions)) {
    rollout
      .command(action)
      .description(description)
      .argument("<stack/name>", "the service")
      .addOption(outputOption(["text", "json"], "text"))
      .addHelpText("after", examples(`weir rollout ${action} test/svc`))
      .action(async (ref: string, opts: { output: string }, cmd: Command) => {
        const { stack, name } = parseServiceRef(ref);
        const res = await clientFor(cmd, ctx).send("POST", `/v1/services/${stack}/${name}/rollout/${action}`);
        if (opts.output === "json") return printJson(ctx, res.json);
        const r = res.json as RolloutView;
        ctx.stdout(`${r.service} rollout ${r.status} at step ${r.step}/${r.steps}${action === "abort" ? versionNote(res.configVersion) : ""}\n`);
      });
  }
}
