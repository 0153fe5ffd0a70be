/**
 * @module cli/commands/health
 * `weir health S/N [-o table|json]`: each origin's health (DESIGN §13), from
 * `GET /v1/services/{stack}/{name}/health`.
 */
import type { Command } from "commander";
import { describeHealth } from "../../core/health.ts";
import type { ServiceHealthView } from "../../core/health-view.ts";
import { clientFor, examples, outputOption, printJson, type CliContext } from "../context.ts";
import { parseServiceRef } from "../refs.ts";
import { relativeTime } from "../relative-time.ts";
import { renderTable } from "../table.ts";

export const HEALTH_HEADERS = ["REVISION", "ORIGIN", "STATE", "LAST CHECK", "PASSES", "FAILURES", "LAST ERROR"] as const;

/** One row per checked origin (a revision without health settings has none). */
export function healthRows(view: ServiceHealthView, now: Date): string[][] {
  return view.revisions.flatMap((r) =>
    r.origins.map((o) => [
      r.version,
      o.origin,
      o.state,
      o.lastCheck === null ? "not yet" : relativeTime(new Date(o.lastCheck), now),
      String(o.consecutiveSuccesses),
      String(o.consecutiveFailures),
      o.lastError ?? "",
    ]),
  );
}

/** The lines under the table: each revision's checks, or that it has none (its origins serve unchecked). */
export function healthSettings(view: ServiceHealthView): string {
  return view.revisions.map((r) => `${r.version}: ${r.health === null ? "no health checks" : describeHealth(r.health)}\n`).join("");
}

export function registerHealth(program: Command, ctx: CliContext): void {
  program
    .command("health")
    .description("each origin's health: state, last check, consecutive passes and failures, last error")
    .argument("<stack/name>", "the service")
    .addOption(outputOption(["table", "json"], "table"))
    .addHelpText("after", examples("weir health test/svc", "weir health test/svc -o json"))
    .action(async (ref: string, opts: { output: string }, cmd: Command) => {
      const { stack, name } = parseServiceRef(ref);
      const res = await clientFor(cmd, ctx).send("GET", `/v1/services/${stack}/${name}/health`);
      if (opts.output === "json") return printJson(ctx, res.json);
      const view = res.json as ServiceHealthView;
      ctx.stdout(renderTable(HEALTH_HEADERS, healthRows(view, ctx.now())) + healthSettings(view));
    });
}
