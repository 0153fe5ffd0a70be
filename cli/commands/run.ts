/**
 * @module cli/commands/run
 * `weir run --name S/N [--version V] [--affinity A] [--no-revision-header] [--health-url PATH ...] ORIGIN...`:
 * create a service.
 */
import type { Command } from "commander";
import { Affinity, DnsLabel } from "../../core/model.ts";
import type { ServiceView } from "../../core/views.ts";
import { clientFor, examples, outputOption, printJson, versionNote, type CliContext } from "../context.ts";
import { addHealthOptions, healthFromOptions, type HealthOptions } from "../health-options.ts";
import { checkValue, parseServiceRef } from "../refs.ts";

interface RunOptions extends HealthOptions {
  name: string;
  version?: string;
  affinity?: string;
  /** false with --no-revision-header */
  revisionHeader: boolean;
  output: string;
}

export function registerRun(program: Command, ctx: CliContext): void {
  const cmd = program
    .command("run")
    .description("create a service whose primary revision serves from ORIGIN")
    .argument("<origin...>", "origin URLs (http or https); SCALE is their count")
    .requiredOption("--name <stack/name>", "the service to create, e.g. test/svc")
    .option("--version <version>", "version of the primary revision", "v0")
    .option("--affinity <affinity>", "sticky key: cookie, header:<Name>, ip or none", "cookie")
    .option("--no-revision-header", "do not tell clients which revision served them (Weir-Revision response header)");
  addHealthOptions(cmd)
    .addOption(outputOption(["text", "json"], "text"))
    .addHelpText(
      "after",
      examples(
        "weir run --name test/svc http://127.0.0.1:9001",
        "weir run --name shop/api --affinity header:X-User https://a.example.net https://b.example.net",
        "weir run --name shop/api --health-url /healthz --health-interval 10s https://a.example.net",
      ),
    )
    .action(async (origins: string[], opts: RunOptions, cmd: Command) => {
      parseServiceRef(opts.name);
      if (opts.version !== undefined) checkValue(DnsLabel, opts.version, "version");
      if (opts.affinity !== undefined) checkValue(Affinity, opts.affinity, "affinity");
      const health = healthFromOptions(opts);
      const res = await clientFor(cmd, ctx).send("POST", "/v1/services", {
        body: { name: opts.name, origins, version: opts.version, affinity: opts.affinity, revisionHeader: opts.revisionHeader, health },
      });
      if (opts.output === "json") return printJson(ctx, res.json);
      const view = res.json as Partial<ServiceView> | undefined;
      ctx.stdout(`${opts.name}${view?.endpoint ? ` ${view.endpoint}` : ""}${versionNote(res.configVersion)}\n`);
    });
}
