/**
 * @module cli/commands/export
 * `weir export STACK [-o yaml|json]`: the stack file (DESIGN §6) that `weir apply` takes back.
 */
import type { Command } from "commander";
import { clientFor, examples, outputOption, printJson, type CliContext } from "../context.ts";
import { parseStack } from "../refs.ts";

export function registerExport(program: Command, ctx: CliContext): void {
  program
    .command("export")
    .description("print a stack as a stack file (YAML or JSON) that `weir apply` takes back unchanged")
    .argument("<stack>", "the stack")
    .addOption(outputOption(["yaml", "json"], "yaml"))
    .addHelpText("after", examples("weir export test", "weir export test > test.yaml && weir apply -f test.yaml"))
    .action(async (stack: string, opts: { output: string }, cmd: Command) => {
      parseStack(stack);
      const json = opts.output === "json";
      const res = await clientFor(cmd, ctx).send("GET", `/v1/stacks/${stack}`, {
        accept: json ? "application/json" : "application/yaml",
      });
      if (json) return printJson(ctx, res.json ?? JSON.parse(res.text));
      // The API's YAML verbatim, so export → apply → export is byte-identical.
      ctx.stdout(res.text.endsWith("\n") ? res.text : `${res.text}\n`);
    });
}
