/**
 * @module cli/main
 * Runs one `weir` command line and returns its exit code: 0 on success (and for help),
 * 1 on any error, reported as one line on stderr — the API's message when it refused.
 */
import { CommanderError } from "commander";
import type { CliContext } from "./context.ts";
import { createProgram } from "./program.ts";

/** `args` are the words after `weir`. */
export async function main(args: readonly string[], ctx: CliContext): Promise<number> {
  try {
    await createProgram(ctx).parseAsync(args, { from: "user" });
    return 0;
  } catch (err) {
    // Commander has printed its own message (or the help or version, with exit code 0).
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 1;
    ctx.stderr(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}
