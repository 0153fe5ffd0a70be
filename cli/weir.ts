/**
 * @module cli/weir
 * Entry of the `weir` CLI (bin/weir.js): runs one command; any error is one line on
 * stderr and exit code 1.
 */
import { CommanderError } from "commander";
import { processContext } from "./context.ts";
import { createProgram } from "./program.ts";

try {
  await createProgram(processContext()).parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // Commander has printed its own message (or the help, with exit code 0).
    process.exitCode = err.exitCode;
  } else {
    process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  }
}
