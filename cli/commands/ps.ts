/**
 * @module cli/commands/ps
 * `weir ps [-a] [-o table|json]`: every service and staged revision (DESIGN §1).
 */
import type { Command } from "commander";
import { percentToBp, formatPercent } from "../../core/weights.ts";
import type { RevisionView, ServiceList, ServiceView } from "../../core/views.ts";
import { clientFor, examples, outputOption, printJson, type CliContext } from "../context.ts";
import { relativeTime } from "../relative-time.ts";
import { renderTable } from "../table.ts";
import { errorRateDetails } from "../error-rates.ts";

export const PS_HEADERS = ["NAME", "ORIGIN", "CREATED", "SCALE", "WEIGHT", "STATE", "ENDPOINT", "DETAIL"] as const;

/** A row for each service and, below it, one for each staged revision `stack/svc:ver`. */
export function psRows(list: ServiceList, options: { all: boolean; now: Date; errorRates?: Map<string, string> }): string[][] {
  // "errors=X%" of revisions that failed requests in the last 5 minutes (issue 6)
  const rate = (id: string, version: string) => options.errorRates?.get(`${id}:${version}`);
  const rows: string[][] = [];
  for (const s of list.services) {
    rows.push(row(s.id, s, [serviceDetail(s, options.all), rate(s.id, s.version)], options.now));
    for (const r of s.revisions) {
      const domains = s.domains.filter((d) => d.version === r.version).map((d) => d.host);
      const detail = options.all ? [...extraOrigins(r.origins), ...domainItems(domains)] : domainItems(domains);
      rows.push(row(`${s.id}:${r.version}`, r, [...detail, rate(s.id, r.version)], options.now));
    }
  }
  return rows;
}

/** One table row: NAME ORIGIN CREATED SCALE WEIGHT STATE ENDPOINT DETAIL. */
function row(
  name: string,
  revision: Pick<RevisionView, "origins" | "createdAt" | "weight" | "state" | "endpoint">,
  detail: (string | undefined)[],
  now: Date,
): string[] {
  return [
    name,
    revision.origins[0] ?? "",
    relativeTime(new Date(revision.createdAt), now),
    String(revision.origins.length),
    formatPercent(percentToBp(revision.weight)),
    revision.state,
    revision.endpoint,
    detail.filter(Boolean).join(" "),
  ];
}

function serviceDetail(s: ServiceView, all: boolean): string {
  const domains = domainItems(s.domains.filter((d) => d.version === undefined).map((d) => d.host));
  // `rules` is absent from a server that predates traffic rules
  if (s.rules?.length) domains.push(`rules=${s.rules.length}`);
  if (!all) return domains.join(" ");
  return [
    `version=${s.version}`,
    `affinity=${s.affinity}`,
    `config=${s.configVersion}`,
    ...(s.revisionHeader ? [] : ["revision-header=off"]),
    ...extraOrigins(s.origins),
    ...domains,
  ].join(" ");
}

function extraOrigins(origins: readonly string[]): string[] {
  return origins.slice(1).map((o) => `+${o}`);
}

function domainItems(hosts: readonly string[]): string[] {
  return hosts.length ? [`domains=${hosts.join(",")}`] : [];
}

export function registerPs(program: Command, ctx: CliContext): void {
  program
    .command("ps")
    .description("list services and their staged revisions")
    .option("-a, --all", "show more detail: primary version, affinity, config version, extra origins")
    .addOption(outputOption(["table", "json"], "table"))
    .addHelpText("after", examples("weir ps", "weir ps -a", "weir ps -o json"))
    .action(async (opts: { all?: boolean; output: string }, cmd: Command) => {
      const client = clientFor(cmd, ctx);
      const res = await client.send("GET", "/v1/services");
      const list = res.json as ServiceList;
      if (opts.output === "json") return printJson(ctx, list);
      const errorRates = await errorRateDetails(client, list);
      ctx.stdout(renderTable(PS_HEADERS, psRows(list, { all: Boolean(opts.all), now: ctx.now(), errorRates })));
    });
}
