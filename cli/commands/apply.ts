/**
 * @module cli/commands/apply
 * `weir apply -f FILE [--stack S] [--dry-run] [--prune]`: make a stack what a stack file
 * says (DESIGN §6). The file is YAML or JSON; `-f -` reads standard input.
 */
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { parseDocument, stringify } from "yaml";
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
      ctx.stdout(describeApply(res.json, Boolean(opts.dryRun)) + (opts.dryRun ? "" : versionNote(res.configVersion)) + "\n");
    });
}

function readInput(file: string): string {
  try {
    return readFileSync(file === "-" ? 0 : file, "utf8");
  } catch (err) {
    throw new WeirError("bad_request", `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}

/** The API's account of the change, one line per service touched. */
export function describeApply(body: unknown, dryRun: boolean): string {
  const changes = findChanges(body);
  if (changes === undefined) return stringify(body).trimEnd();
  if (changes.length === 0) return dryRun ? "no changes" : "no changes: the stack already matches the file";
  return changes.join("\n");
}

function findChanges(body: unknown): string[] | undefined {
  if (typeof body !== "object" || body === null) return undefined;
  const list = (body as { changes?: unknown }).changes;
  if (!Array.isArray(list)) return undefined;
  return list.map((c) => (typeof c === "string" ? c : stringify(c, { collectionStyle: "flow" }).trimEnd()));
}
