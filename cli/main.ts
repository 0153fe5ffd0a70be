/**
 * @module cli/main
 * Runs one `weir` command line and returns its exit code: 0 on success (and for help),
 * 1 on any error, reported as one line on stderr — the API's message when it refused.
 * Whatever a command prints passes through `terminalSafe`: strings from the API never
 * reach the terminal with raw control characters (issue 9).
 */
import { CommanderError } from "commander";
import { escapeUnprintable } from "../core/printable.ts";
import type { CliContext } from "./context.ts";
import { createProgram } from "./program.ts";

/**
 * `ctx` with its output escaped: every control or formatting character but the newlines
 * that end lines becomes `\uXXXX` (still valid inside JSON strings, so `-o json` stays JSON).
 */
export function terminalSafe(ctx: CliContext): CliContext {
  return {
    ...ctx,
    stdout: (text) => ctx.stdout(escapeUnprintable(text, { keepNewlines: true })),
    stderr: (text) => ctx.stderr(escapeUnprintable(text, { keepNewlines: true })),
  };
}

/** `args` are the words after `weir`. */
export async function main(args: readonly string[], unsafe: CliContext): Promise<number> {
  const ctx = terminalSafe(unsafe);
  try {
    await createProgram(ctx).parseAsync(args, { from: "user" });
    return 0;
  } catch (err) {
    // Commander has printed its own message (or the help or version, with exit code 0).
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 1;
    // one line: a message from the API may hold newlines of its own
    const message = escapeUnprintable(err instanceof Error ? err.message : String(err));
    ctx.stderr(`error: ${message}\n`);
    return 1;
  }
}
