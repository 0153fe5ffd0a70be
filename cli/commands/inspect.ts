/**
 * @module cli/commands/inspect
 * `weir inspect S/N [-o yaml|json]`: everything the API knows about one service.
 */
import type { Command } from "commander";
import { stringify } from "yaml";
import { clientFor, examples, outputOption, printJson, type CliContext } from "../context.ts";
import { parseServiceRef } from "../refs.ts";

export function registerInspect(program: Command, ctx: CliContext): void {
  program
    .command("inspect")
    .description("show one service: primary, staged revisions, weights, endpoints, domains")
    .argument("<stack/name>", "the service")
    .addOption(outputOption(["yaml", "json"], "yaml"))
    .addHelpText("after", examples("weir inspect test/svc", "weir inspect test/svc -o json"))
    .action(async (ref: string, opts: { output: string }, cmd: Command) => {
      const { stack, name } = parseServiceRef(ref);
      const res = await clientFor(cmd, ctx).send("GET", `/v1/services/${stack}/${name}`);
      if (opts.output === "json") return printJson(ctx, res.json);
      ctx.stdout(stringify(res.json));
    });
}
