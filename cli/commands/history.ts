/**
 * @module cli/commands/history
 * `weir history [S/N] [-o table|json]`: who changed what, when, newest first.
 */
import type { Command } from "commander";
import { clientFor, examples, outputOption, printJson, type CliContext } from "../context.ts";
import { parseServiceRef } from "../refs.ts";
import { relativeTime } from "../relative-time.ts";
import { renderTable } from "../table.ts";

/** The fields of a history entry the table shows; the API may send more. */
export interface HistoryEntry {
  configVersion: number;
  at: string;
  actor: string;
  service?: string;
  operation: string;
  summary?: string;
}

export function historyRows(entries: readonly HistoryEntry[], now: Date): string[][] {
  return entries.map((e) => [
    String(e.configVersion),
    relativeTime(new Date(e.at), now),
    e.actor,
    e.service ?? "",
    e.operation,
    e.summary ?? "",
  ]);
}

export function registerHistory(program: Command, ctx: CliContext): void {
  program
    .command("history")
    .description("list config changes, newest first, optionally of one service")
    .argument("[stack/name]", "only changes of this service")
    .addOption(outputOption(["table", "json"], "table"))
    .addHelpText("after", examples("weir history", "weir history test/svc", "weir history test/svc -o json"))
    .action(async (ref: string | undefined, opts: { output: string }, cmd: Command) => {
      if (ref !== undefined) parseServiceRef(ref);
      const res = await clientFor(cmd, ctx).send("GET", "/v1/history", { query: { service: ref } });
      if (opts.output === "json") return printJson(ctx, res.json);
      const entries = (res.json as { history?: HistoryEntry[] }).history ?? [];
      ctx.stdout(renderTable(["VERSION", "WHEN", "WHO", "SERVICE", "WHAT", "DETAIL"], historyRows(entries, ctx.now())));
    });
}
