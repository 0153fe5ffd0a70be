/**
 * @module cli/commands/rm
 * `weir rm S/N[:V]`: remove a service, or one staged revision (its weight returns to the primary).
 */
import type { Command } from "commander";
import { clientFor, examples, outputOption, printJson, versionNote, type CliContext } from "../context.ts";
import { parseRevisionRef } from "../refs.ts";

export function registerRm(program: Command, ctx: CliContext): void {
  program
    .command("rm")
    .description("remove a service, or one of its staged revisions")
    .argument("<stack/name[:version]>", "the service or staged revision")
    .addOption(outputOption(["text", "json"], "text"))
    .addHelpText("after", examples("weir rm test/svc:v3", "weir rm test/svc"))
    .action(async (ref: string, opts: { output: string }, cmd: Command) => {
      const { stack, name, version } = parseRevisionRef(ref, true);
      const path = `/v1/services/${stack}/${name}${version ? `/revisions/${version}` : ""}`;
      const res = await clientFor(cmd, ctx).send("DELETE", path);
      if (opts.output === "json") return printJson(ctx, res.json ?? {});
      ctx.stdout(`removed ${ref}${versionNote(res.configVersion)}\n`);
    });
}
