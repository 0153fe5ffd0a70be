/**
 * @module cli/commands/history
 * `weir history [S/N] [--limit N] [--wide] [-o table|json]`: who changed what and when,
 * oldest first like a log, so the latest change is the last line; `--wide` adds the
 * client IP each change came from.
 */
import { InvalidArgumentError, type Command } from "commander";
import { clientFor, examples, outputOption, printJson, type CliContext } from "../context.ts";
import { parseServiceRef } from "../refs.ts";
import { relativeTime } from "../relative-time.ts";
import { renderTable } from "../table.ts";

/** The fields of a history entry the table shows; the API may send more. */
export interface HistoryEntry {
  configVersion: number;
  at: string;
  actor: string;
  /** the client IP of the change's request; null for rollout steps */
  ip?: string | null;
  service: string;
  operation: string;
  summary: string;
}

export function historyHeaders(wide = false): string[] {
  return ["VERSION", "WHEN", "WHO", ...(wide ? ["IP"] : []), "SERVICE", "CHANGE"];
}

export function historyRows(entries: readonly HistoryEntry[], now: Date, wide = false): string[][] {
  return entries.map((e) => [
    String(e.configVersion),
    relativeTime(new Date(e.at), now),
    e.actor,
    ...(wide ? [e.ip ?? "-"] : []),
    e.service,
    e.summary,
  ]);
}

/** What the API says it no longer keeps (HISTORY_KEEP). */
export interface PrunedHistory {
  entries: number;
  services: { service: string; entries: number; lastConfigVersion: number }[];
}

/** The line under the table when older changes were pruned; "" when none were. */
export function prunedNote(pruned: PrunedHistory | undefined, service?: string): string {
  if (!pruned || pruned.entries === 0) return "";
  const changes = `${pruned.entries} older change${pruned.entries === 1 ? "" : "s"}`;
  const mine = service === undefined ? undefined : pruned.services.find((s) => s.service === service);
  if (mine) return `${changes} of ${service} no longer kept (HISTORY_KEEP); rollback --to takes config version ${mine.lastConfigVersion} or later\n`;
  return `${changes} no longer kept (HISTORY_KEEP)\n`;
}

function positiveInt(text: string): number {
  if (!/^[1-9]\d*$/.test(text)) throw new InvalidArgumentError("must be a positive whole number");
  return Number(text);
}

export function registerHistory(program: Command, ctx: CliContext): void {
  program
    .command("history")
    .description("list config changes, oldest first, optionally of one service; VERSION is what rollback --to takes")
    .argument("[stack/name]", "only changes of this service")
    .option("-n, --limit <count>", "only the latest COUNT changes (API default 100)", positiveInt)
    .option("--wide", "also show the client IP each change came from (- for the server's own rollout steps)")
    .addOption(outputOption(["table", "json"], "table"))
    .addHelpText("after", examples("weir history", "weir history test/svc -n 5", "weir history --wide", "weir history test/svc -o json"))
    .action(async (ref: string | undefined, opts: { limit?: number; wide?: boolean; output: string }, cmd: Command) => {
      if (ref !== undefined) parseServiceRef(ref);
      const query = { service: ref, limit: opts.limit === undefined ? undefined : String(opts.limit) };
      const res = await clientFor(cmd, ctx).send("GET", "/v1/history", { query });
      if (opts.output === "json") return printJson(ctx, res.json);
      const { entries, pruned } = res.json as { entries: HistoryEntry[]; pruned?: PrunedHistory };
      ctx.stdout(renderTable(historyHeaders(opts.wide), historyRows(entries, ctx.now(), opts.wide)) + prunedNote(pruned, ref));
    });
}
