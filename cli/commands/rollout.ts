/**
 * @module cli/commands/rollout
 * `weir rollout status|pause|resume|abort S/N`: follow and steer a timed rollout, which
 * runs on the server (started by `weir weight … --duration` or `weir promote … --duration`).
 */
import type { Command } from "commander";
import { WeirError } from "../../core/errors.ts";
import type { RolloutView } from "../../core/rollout.ts";
import { clientFor, examples, outputOption, printJson, versionNote, type CliContext } from "../context.ts";
import { checkDuration, parseServiceRef } from "../refs.ts";
import { renderRollout } from "../rollout-progress.ts";
import { primaryOf, watchRollout } from "../rollout-watch.ts";

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
    .option("-w, --watch", "follow the rollout until it ends: exit 0 when it completes, 1 when it aborts (reason on stderr)")
    .option("--timeout <duration>", "with --watch: give up (exit 1) after this long; the rollout goes on")
    .addOption(outputOption(["text", "json"], "text"))
    .addHelpText("after", examples("weir rollout status test/svc", "weir rollout status test/svc --watch", "weir rollout status test/svc --watch --timeout 15m -o json"))
    .action(async (ref: string, opts: { watch?: boolean; timeout?: string; output: string }, cmd: Command) => {
      const { stack, name } = parseServiceRef(ref);
      if (opts.timeout !== undefined && !opts.watch) throw new WeirError("bad_request", "--timeout only applies with --watch");
      const client = clientFor(cmd, ctx);
      if (opts.watch) {
        await watchRollout(client, ctx, stack, name, { json: opts.output === "json", ...(opts.timeout !== undefined ? { timeout: checkDuration(opts.timeout) } : {}) });
        return;
      }
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
