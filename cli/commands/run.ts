/**
 * @module cli/commands/run
 * `weir run --name S/N [--version V] [--affinity A] [--no-revision-header] ORIGIN...`: create a service.
 */
import type { Command } from "commander";
import { Affinity, DnsLabel } from "../../core/model.ts";
import type { ServiceView } from "../../core/views.ts";
import { clientFor, examples, outputOption, printJson, versionNote, type CliContext } from "../context.ts";
import { checkValue, parseServiceRef } from "../refs.ts";

interface RunOptions {
  name: string;
  version?: string;
  affinity?: string;
  /** false with --no-revision-header */
  revisionHeader: boolean;
  output: string;
}

export function registerRun(program: Command, ctx: CliContext): void {
  program
    .command("run")
    .description("create a service whose primary revision serves from ORIGIN")
    .argument("<origin...>", "origin URLs (http or https); SCALE is their count")
    .requiredOption("--name <stack/name>", "the service to create, e.g. test/svc")
    .option("--version <version>", "version of the primary revision", "v0")
    .option("--affinity <affinity>", "sticky key: cookie, header:<Name>, ip or none", "cookie")
    .option("--no-revision-header", "do not tell clients which revision served them (Weir-Revision response header)")
    .addOption(outputOption(["text", "json"], "text"))
    .addHelpText("after", examples("weir run --name test/svc http://127.0.0.1:9001", "weir run --name shop/api --affinity header:X-User https://a.example.net https://b.example.net"))
    .action(async (origins: string[], opts: RunOptions, cmd: Command) => {
      parseServiceRef(opts.name);
      if (opts.version !== undefined) checkValue(DnsLabel, opts.version, "version");
      if (opts.affinity !== undefined) checkValue(Affinity, opts.affinity, "affinity");
      const res = await clientFor(cmd, ctx).send("POST", "/v1/services", {
        body: { name: opts.name, origins, version: opts.version, affinity: opts.affinity, revisionHeader: opts.revisionHeader },
      });
      if (opts.output === "json") return printJson(ctx, res.json);
      const view = res.json as Partial<ServiceView> | undefined;
      ctx.stdout(`${opts.name}${view?.endpoint ? ` ${view.endpoint}` : ""}${versionNote(res.configVersion)}\n`);
    });
}
