/**
 * @module cli/weir
 * Entry of the `weir` CLI (bin/weir.js).
 */
import { processContext } from "./context.ts";
import { main } from "./main.ts";

// `weir ps | head -1` closes the pipe early; that is not an error.
process.stdout.on("error", (err: NodeJS.ErrnoException) => {
  if (err.code === "EPIPE") process.exit(process.exitCode ?? 0);
  throw err;
});

process.exitCode = await main(process.argv.slice(2), processContext());
