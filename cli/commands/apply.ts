/**
 * @module cli/commands/apply
 * `weir apply -f FILE [--stack S] [--dry-run] [--prune]`: make a stack what a stack file
 * says (DESIGN §6). The file is YAML or JSON; `-f -` reads standard input.
 */
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { parseDocument } from "yaml";
import { WeirError } from "../../core/errors.ts";
import { clientFor, examples, outputOption, printJson, versionNote, type CliContext } from "../context.ts";
import { parseStack } from "../refs.ts";

interface ApplyOptions {
  file: string;
  stack?: string;
  dryRun?: boolean;
  prune?: boolean;
  output: string;
}

/** Reads a stack file (YAML or JSON, which is YAML too) and settles which stack it targets. */
export function readStackFile(text: string, source: string, stackOverride?: string): { stack: string; doc: Record<string, unknown> } {
  const parsed = parseDocument(text, { prettyErrors: true });
  if (parsed.errors.length > 0) {
    throw new WeirError("bad_request", `${source} is not valid YAML or JSON: ${parsed.errors[0].message.split("\n")[0]}`);
  }
  const doc: unknown = parsed.toJS();
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) {
    throw new WeirError("bad_request", `${source} must hold a stack file: a map with 'stack' and 'services'`);
  }
  const record = doc as Record<string, unknown>;
  const stack = stackOverride ?? record.stack;
  if (typeof stack !== "string") throw new WeirError("bad_request", `${source} names no stack: add 'stack:' or pass --stack`);
  parseStack(stack);
  return { stack, doc: { ...record, stack } };
}

export function registerApply(program: Command, ctx: CliContext): void {
  program
    .command("apply")
    .description("make a stack what a stack file says; services the file does not name stay unless --prune")
    .requiredOption("-f, --file <file>", "stack file, YAML or JSON ('-' for standard input)")
    .option("--stack <stack>", "apply to this stack instead of the file's 'stack'")
    .option("--dry-run", "print what would change and change nothing")
    .option("--prune", "remove services of the stack that the file does not name")
    .addOption(outputOption(["text", "json"], "text"))
    .addHelpText("after", examples("weir apply -f test.yaml", "weir apply -f test.yaml --dry-run", "weir export test | weir apply -f - --stack test-copy"))
    .action(async (opts: ApplyOptions, cmd: Command) => {
      const source = opts.file === "-" ? "standard input" : opts.file;
      const text = readInput(opts.file);
      const { stack, doc } = readStackFile(text, source, opts.stack);
      const res = await clientFor(cmd, ctx).send("PUT", `/v1/stacks/${stack}`, {
        body: doc,
        query: { dry_run: opts.dryRun ? "1" : undefined, prune: opts.prune ? "1" : undefined },
      });
      if (opts.output === "json") return printJson(ctx, res.json ?? {});
      const result = res.json as ApplyResult;
      const applied = result.changed && !result.dryRun ? `\napplied${versionNote(result.configVersion)}` : "";
      ctx.stdout(`${describeApply(result)}${applied}\n`);
    });
}

function readInput(file: string): string {
  try {
    return readFileSync(file === "-" ? 0 : file, "utf8");
  } catch (err) {
    throw new WeirError("bad_request", `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}

/** What `PUT /v1/stacks/{stack}` answers (admin ApplyResult). */
export interface ApplyResult {
  stack: string;
  dryRun: boolean;
  changed: boolean;
  configVersion: number;
  services: { service: string; action: "create" | "update" | "delete"; changes: string[] }[];
}

/** The diff as a terminal shows it: one line per service touched, its changes indented. */
export function describeApply(result: ApplyResult): string {
  if (!result.changed) return `${result.stack}: no changes`;
  const lines = result.dryRun ? [`${result.stack}: dry run, nothing changed; would:`] : [];
  for (const s of result.services) {
    lines.push(`${s.action} ${s.service}`);
    for (const c of s.changes) lines.push(`  ${c}`);
  }
  return lines.join("\n");
}
