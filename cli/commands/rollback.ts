/**
 * @module cli/commands/rollback
 * `weir rollback S/N [--to VERSION]`: restore a service as it was at an earlier config
 * version (the previous one by default), slot table included.
 */
import { InvalidArgumentError, type Command } from "commander";
import { clientFor, examples, outputOption, printJson, versionNote, type CliContext } from "../context.ts";
import { parseServiceRef } from "../refs.ts";
import { weightsLine } from "../summary.ts";

function configVersion(text: string): number {
  if (!/^[1-9]\d*$/.test(text)) throw new InvalidArgumentError("must be a config version: a positive whole number (see `weir history`)");
  return Number(text);
}

export function registerRollback(program: Command, ctx: CliContext): void {
  program
    .command("rollback")
    .description("restore a service as it was before its last change, or at config version --to")
    .argument("<stack/name>", "the service")
    .option("--to <version>", "config version to restore (from `weir history`)", configVersion)
    .addOption(outputOption(["text", "json"], "text"))
    .addHelpText("after", examples("weir rollback test/svc", "weir rollback test/svc --to 12"))
    .action(async (ref: string, opts: { to?: number; output: string }, cmd: Command) => {
      const { stack, name } = parseServiceRef(ref);
      const res = await clientFor(cmd, ctx).send("POST", `/v1/services/${stack}/${name}/rollback`, {
        body: opts.to === undefined ? {} : { to: opts.to },
      });
      if (opts.output === "json") return printJson(ctx, res.json);
      const weights = weightsLine(res.json);
      ctx.stdout(`rolled back ${ref}${weights ? `: ${weights}` : ""}${versionNote(res.configVersion)}\n`);
    });
}
