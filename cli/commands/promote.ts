/**
 * @module cli/commands/promote
 * `weir promote S/N:V [--duration D]`: make a staged revision the primary.
 */
import type { Command } from "commander";
import { clientFor, examples, outputOption, printJson, versionNote, type CliContext } from "../context.ts";
import { checkDuration, parseRevisionRef } from "../refs.ts";
import { weightsLine } from "../summary.ts";
import { checkWaitOptions, rolloutFields, rolloutOptions, startedLine, waitOptions, type RolloutOptions, type WaitOptions } from "../rollout-options.ts";
import { watchRollout } from "../rollout-watch.ts";
import type { RolloutView } from "../../core/rollout.ts";

export function registerPromote(program: Command, ctx: CliContext): void {
  program
    .command("promote")
    .description("make a staged revision the primary; the old primary leaves routing (rollback restores it)")
    .argument("<stack/name:version>", "the staged revision to promote")
    .option("--duration <duration>", "ramp to 100% over this long first, e.g. 10m")
    .addOption(rolloutOptions()[0])
    .addOption(rolloutOptions()[1])
    .addOption(rolloutOptions()[2])
    .addOption(rolloutOptions()[3])
    .addOption(waitOptions()[0])
    .addOption(waitOptions()[1])
    .addOption(outputOption(["text", "json"], "text"))
    .addHelpText("after", examples("weir promote test/svc:v3", "weir promote test/svc:v3 --duration 30m", "weir promote test/svc:v3 --duration 10m --wait   # in CI: fails the job on abort"))
    .action(async (ref: string, opts: RolloutOptions & WaitOptions & { output: string }, cmd: Command) => {
      const { stack, name, version } = parseRevisionRef(ref);
      const body = { version, ...(opts.duration !== undefined ? { duration: checkDuration(opts.duration) } : {}), ...rolloutFields(opts) };
      checkWaitOptions(opts);
      const client = clientFor(cmd, ctx);
      const res = await client.send("POST", `/v1/services/${stack}/${name}/promote`, { body });
      if (opts.wait && res.status === 202) {
        if (opts.output !== "json") ctx.stdout(startedLine(res.json, res.configVersion));
        const startedAt = (res.json as RolloutView).startedAt;
        await watchRollout(client, ctx, stack, name, { json: opts.output === "json", startedAt, ...(opts.timeout !== undefined ? { timeout: opts.timeout } : {}) });
        return;
      }
      if (opts.output === "json") return printJson(ctx, res.json);
      if (res.status === 202) return ctx.stdout(startedLine(res.json, res.configVersion));
      const weights = weightsLine(res.json);
      const verb = opts.duration ? "promoting" : "promoted";
      ctx.stdout(`${verb} ${ref}${weights ? `: ${weights}` : ""}${versionNote(res.configVersion)}\n`);
    });
}
