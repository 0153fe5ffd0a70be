/**
 * @module cli/commands/inspect
 * `weir inspect S/N [-o yaml|json]`: everything the API knows about one service, with
 * each origin's health under `originHealth` (GET …/health, DESIGN §13).
 */
import type { Command } from "commander";
import { stringify } from "yaml";
import type { ServiceHealthView } from "../../core/health-view.ts";
import { clientFor, examples, outputOption, printJson, type CliContext } from "../context.ts";
import { parseServiceRef } from "../refs.ts";

export function registerInspect(program: Command, ctx: CliContext): void {
  program
    .command("inspect")
    .description("show one service: primary, staged revisions, weights, endpoints, domains, origin health")
    .argument("<stack/name>", "the service")
    .addOption(outputOption(["yaml", "json"], "yaml"))
    .addHelpText("after", examples("weir inspect test/svc", "weir inspect test/svc -o json"))
    .action(async (ref: string, opts: { output: string }, cmd: Command) => {
      const { stack, name } = parseServiceRef(ref);
      const client = clientFor(cmd, ctx);
      const path = `/v1/services/${stack}/${name}`;
      const [res, health] = await Promise.all([
        client.send("GET", path),
        // an API without health checks (an older Weir) still answers the rest
        client.send("GET", `${path}/health`).catch(() => undefined),
      ]);
      const view = res.json as Record<string, unknown>;
      const revisions = (health?.json as ServiceHealthView | undefined)?.revisions;
      const out = revisions === undefined ? view : { ...view, originHealth: revisions };
      if (opts.output === "json") return printJson(ctx, out);
      ctx.stdout(stringify(out));
    });
}
