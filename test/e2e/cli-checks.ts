/**
 * @module test/e2e/cli-checks
 * The two checks every CLI test makes of a `weir` run, whichever way it ran (in-process or
 * the real binary): it succeeded with nothing on stderr (its stdout is returned), or it
 * failed with exit code 1, nothing on stdout and one `error:` line naming what went wrong.
 */
import { expect } from "vitest";
import type { CliResult } from "./local-weir.ts";

/** `res` of `weir ARGS` succeeded quietly; returns its stdout. */
export function expectSuccess(args: readonly string[], res: CliResult): string {
  expect(res.stderr, `weir ${args.join(" ")}`).toBe("");
  expect(res.code, `weir ${args.join(" ")}`).toBe(0);
  return res.stdout;
}

/** `res` of `weir ARGS` failed with exit 1 and a one-line error containing (or matching) `message`. */
export function expectFailure(args: readonly string[], res: CliResult, message: string | RegExp): void {
  expect(res.code, `weir ${args.join(" ")}: ${res.stderr}`).toBe(1);
  expect(res.stdout).toBe("");
  expect(res.stderr).toMatch(/^error: [^\n]+\n$/);
  if (typeof message === "string") expect(res.stderr).toContain(message);
  else expect(res.stderr).toMatch(message);
}
