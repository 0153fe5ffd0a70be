/**
 * @module cli/commands/stage
 * `weir stage --origin URL... [--weight P%] [--health-url PATH ...] S/N:V`: add a staged revision.
 */
import type { Command } from "commander";
import { clientFor, examples, outputOption, printJson, versionNote, type CliContext } from "../context.ts";
import { addHealthOptions, healthFromOptions, type HealthOptions } from "../health-options.ts";
import { parsePercent, parseRevisionRef } from "../refs.ts";
import { weightsLine } from "../summary.ts";

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function registerStage(program: Command, ctx: CliContext): void {
  const cmd = program
    .command("stage")
    .description("stage a new revision of a service, at 0% unless --weight says otherwise")
    .argument("<stack/name:version>", "the revision to stage")
    // Repeated rather than variadic, so the revision may follow the last origin.
    .requiredOption("--origin <url>", "origin URL of the revision (repeat for several)", collect)
    .option("--weight <percent>", "initial weight, e.g. 10%", "0");
  addHealthOptions(cmd)
    .addOption(outputOption(["text", "json"], "text"))
    .addHelpText("after", examples(
        "weir stage --origin http://127.0.0.1:9003 test/svc:v3",
        "weir stage --origin https://a.example.net --origin https://b.example.net --weight 5% shop/api:v4",
        "weir stage --origin https://c.example.net --health-url /healthz --health-failure-threshold 2 shop/api:v5",
      ))
    .action(async (ref: string, opts: HealthOptions & { origin: string[]; weight: string; output: string }, cmd: Command) => {
      const { stack, name, version } = parseRevisionRef(ref);
      const weight = parsePercent(opts.weight);
      const health = healthFromOptions(opts);
      const res = await clientFor(cmd, ctx).send("POST", `/v1/services/${stack}/${name}/revisions`, {
        body: { version, origins: opts.origin, weight, health },
      });
      if (opts.output === "json") return printJson(ctx, res.json);
      const weights = weightsLine(res.json);
      ctx.stdout(`staged ${ref}${weights ? `: ${weights}` : ""}${versionNote(res.configVersion)}\n`);
    });
}
