/**
 * @module cli/commands/stats
 * `weir stats S/N [--window 5m] [-o table|json]`: what the edge served per revision, with
 * the traffic the weights chose (what a rollout's analysis judges) apart from the traffic
 * that named the revision (pin header, version host, version-pinned domain, a rule's
 * version) and from a rule's mirror copies; retries and injected faults per revision; and
 * under it what rules answered themselves (redirects, responses, injected aborts).
 */
import type { Command } from "commander";
import { formatRate } from "../../core/edge-stats.ts";
import type { StatsView } from "../../core/stats-view.ts";
import { clientFor, examples, outputOption, printJson, type CliContext } from "../context.ts";
import { checkDuration, parseServiceRef } from "../refs.ts";
import { renderTable } from "../table.ts";

export const STATS_HEADERS = [
  "REVISION",
  "REQUESTS",
  "WEIGHTED",
  "PINNED",
  "MIRRORED",
  "RETRIES",
  "ABORTED",
  "DELAYED",
  "2XX",
  "3XX",
  "4XX",
  "5XX",
  "ORIGIN ERRORS",
  "ERROR RATE",
  "WEIGHTED ERROR RATE",
  "P50",
  "P95",
  "P99",
] as const;

export function statsRows(view: StatsView): string[][] {
  const ms = (v: number | null) => (v === null ? "-" : `${v}ms`);
  const rate = (v: number | null | undefined) => (v === null || v === undefined ? "-" : formatRate(v));
  // A server from before the split (or before rules' counters) sends no such field: "-".
  const part = (p: { requests: number } | undefined) => (p === undefined ? "-" : String(p.requests));
  const count = (n: number | undefined) => (n === undefined ? "-" : String(n));
  return view.revisions.map((r) => [
    r.version,
    String(r.requests),
    part(r.weighted),
    part(r.pinned),
    part(r.mirrored),
    count(r.retries),
    count(r.faultAborts),
    count(r.faultDelays),
    String(r.status["2xx"]),
    String(r.status["3xx"]),
    String(r.status["4xx"]),
    String(r.status["5xx"]),
    String(r.originErrors),
    rate(r.errorRate),
    rate(r.weighted?.errorRate),
    ms(r.latencyMs.p50),
    ms(r.latencyMs.p95),
    ms(r.latencyMs.p99),
  ]);
}

export const RULE_STATS_HEADERS = ["RULE", "ANSWERED", "2XX", "3XX", "4XX", "5XX"] as const;

/** The table of what rules answered themselves, under the revisions'; empty when none did. */
export function ruleStatsTable(view: Pick<StatsView, "rules">): string {
  const rules = view.rules ?? [];
  if (rules.length === 0) return "";
  const rows = rules.map((r) => [r.name, String(r.requests), String(r.status["2xx"]), String(r.status["3xx"]), String(r.status["4xx"]), String(r.status["5xx"])]);
  return "\n" + renderTable(RULE_STATS_HEADERS, rows);
}

/** The line under the table for a removed service, whose counts the API still keeps. */
export function removedNote(view: Pick<StatsView, "service" | "removed">): string {
  if (!view.removed) return "";
  return `${view.service} was removed (config version ${view.removed.configVersion}); its statistics are kept until a new service takes the name\n`;
}

export function registerStats(program: Command, ctx: CliContext): void {
  program
    .command("stats")
    .description(
      "per-revision requests (weighted, pinned and mirrored apart), retries, injected faults, status classes, origin errors, error rates and latency seen at the edge; and what rules answered themselves",
    )
    .argument("<stack/name>", "the service")
    .option("--window <duration>", "how far back to count, 10s to 24h", "5m")
    .addOption(outputOption(["table", "json"], "table"))
    .addHelpText("after", examples("weir stats test/svc", "weir stats test/svc --window 1h -o json"))
    .action(async (ref: string, opts: { window: string; output: string }, cmd: Command) => {
      const { stack, name } = parseServiceRef(ref);
      const query = { window: checkDuration(opts.window) };
      const res = await clientFor(cmd, ctx).send("GET", `/v1/services/${stack}/${name}/stats`, { query });
      if (opts.output === "json") return printJson(ctx, res.json);
      const view = res.json as StatsView;
      ctx.stdout(renderTable(STATS_HEADERS, statsRows(view)) + ruleStatsTable(view) + removedNote(view));
    });
}
