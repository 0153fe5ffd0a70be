/**
 * @module cli/context
 * What every command gets: where to print, the clock, and a client built from the global
 * `--url` / `--token` flags and the environment.
 */
import { Option, type Command } from "commander";
import { ApiClient, resolveClientConfig } from "./client.ts";

export interface CliContext {
  env: Record<string, string | undefined>;
  cwd: string;
  stdout(text: string): void;
  stderr(text: string): void;
  now(): Date;
}

export function processContext(): CliContext {
  return {
    env: process.env,
    cwd: process.cwd(),
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
    now: () => new Date(),
  };
}

/** The client for a command, configured from the flags of the command and of `weir`. */
export function clientFor(cmd: Command, ctx: CliContext): ApiClient {
  const opts = cmd.optsWithGlobals<{ url?: string; token?: string }>();
  return new ApiClient(resolveClientConfig({ url: opts.url, token: opts.token, env: ctx.env, cwd: ctx.cwd }));
}

/** `-o, --output FORMAT` with the formats a command can print. */
export function outputOption(formats: readonly string[], fallback: string): Option {
  return new Option("-o, --output <format>", "output format").choices(formats).default(fallback);
}

export function printJson(ctx: CliContext, data: unknown): void {
  ctx.stdout(JSON.stringify(data, null, 2) + "\n");
}

/** The closing words of a write: which config version it made. */
export function versionNote(configVersion: number | undefined): string {
  return configVersion === undefined ? "" : ` (config version ${configVersion})`;
}

/** One help paragraph of examples, as every command shows it. */
export function examples(...lines: string[]): string {
  return `\nExample${lines.length > 1 ? "s" : ""}:\n${lines.map((l) => `  $ ${l}`).join("\n")}\n`;
}
