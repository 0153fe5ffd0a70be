/**
 * @module bench/report
 * Output of the bench harness: plain-text tables for the terminal, Markdown sections for
 * BENCHMARKS.md (each suite owns the text between its two markers), JSON results, and the
 * machine/versions header every recorded figure carries.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import type { BenchSuite, BenchTable, Cell, SuiteReport } from "./suite.ts";

const require = createRequire(import.meta.url);

export interface Environment {
  date: string;
  commit: string;
  cpu: string;
  cores: number;
  memoryGiB: number;
  os: string;
  /** 1-minute load average when the suite started: the machine may be shared */
  load: number;
  node: string;
  workerd: string;
  miniflare: string;
  wrangler: string;
}

function packageVersion(name: string): string {
  try {
    return (require(`${name}/package.json`) as { version: string }).version;
  } catch {
    return "unknown";
  }
}

export function environment(): Environment {
  let commit = "unknown";
  try {
    const git = (...args: string[]) => execFileSync("git", args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    commit = git("rev-parse", "--short", "HEAD");
    // the measured code is core/ and bench/: say when it differs from the commit
    if (git("status", "--porcelain", "--untracked-files=no", "--", "core", "bench", "test/core")) commit += " with local changes";
  } catch {
    // not a git checkout: the figures are still worth printing
  }
  return {
    date: new Date().toISOString(),
    commit,
    cpu: os.cpus()[0]?.model.trim() ?? "unknown",
    cores: os.cpus().length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    load: Math.round(os.loadavg()[0] * 10) / 10,
    node: process.version,
    workerd: packageVersion("workerd"),
    miniflare: packageVersion("miniflare"),
    wrangler: packageVersion("wrangler"),
  };
}

function text(cell: Cell, digits?: number): string {
  if (cell === null) return "–";
  if (typeof cell === "number" && digits !== undefined) return cell.toFixed(digits);
  return String(cell);
}

/** A table for the terminal, columns padded, numbers right-aligned. */
export function formatTextTable(table: BenchTable): string {
  const header = table.columns.map((c) => c.label);
  const body = table.rows.map((row) => table.columns.map((c) => text(row[c.key] ?? null, c.digits)));
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)));
  const numeric = table.columns.map((c) => table.rows.every((r) => typeof r[c.key] !== "string"));
  const line = (cells: string[]) =>
    cells.map((cell, i) => (numeric[i] ? cell.padStart(widths[i]) : cell.padEnd(widths[i]))).join("  ").trimEnd();
  const out = [table.title, line(header), ...body.map(line)];
  for (const note of table.notes ?? []) out.push(`  ${note}`);
  return out.join("\n");
}

function escapeCell(cell: string): string {
  return cell.replaceAll("|", "\\|");
}

export function formatMarkdownTable(table: BenchTable): string {
  const numeric = table.columns.map((c) => table.rows.every((r) => typeof r[c.key] !== "string"));
  const out = [
    `**${table.title}**`,
    "",
    `| ${table.columns.map((c) => escapeCell(c.label)).join(" | ")} |`,
    `| ${numeric.map((n) => (n ? "---:" : "---")).join(" | ")} |`,
    ...table.rows.map((row) => `| ${table.columns.map((c) => escapeCell(text(row[c.key] ?? null, c.digits))).join(" | ")} |`),
  ];
  if (table.notes?.length) out.push("", ...table.notes.map((n) => `- ${n}`));
  return out.join("\n");
}

export function environmentLine(env: Environment): string {
  return (
    `Measured ${env.date.slice(0, 16).replace("T", " ")} UTC at commit \`${env.commit}\` on ${env.cpu} ` +
    `(${env.cores} cores, ${env.memoryGiB} GiB, ${env.os}, load average ${env.load} at the start); Node ${env.node}, workerd ${env.workerd} ` +
    `(miniflare ${env.miniflare}, wrangler ${env.wrangler}).`
  );
}

function markers(id: string): [string, string] {
  return [`<!-- bench:${id}:begin -->`, `<!-- bench:${id}:end -->`];
}

/** The suite's generated section: heading, method, environment and tables. */
export function suiteSection(suite: BenchSuite, report: SuiteReport, env: Environment, command: string): string {
  const [begin, end] = markers(suite.id);
  const facts = Object.entries(report.facts ?? {}).map(([k, v]) => `${k}: ${text(v)}`);
  return [
    begin,
    `## ${suite.title}`,
    "",
    suite.method,
    "",
    `${environmentLine(env)} Reproduce: \`${command}\`.`,
    ...(facts.length ? ["", facts.join("; ") + "."] : []),
    "",
    report.tables.map(formatMarkdownTable).join("\n\n"),
    end,
  ].join("\n");
}

/**
 * Replaces the text between the suite's markers in `markdown`, or appends the section when
 * the markers are not there yet. Other suites' sections and hand-written text stay as they are.
 */
export function replaceSection(markdown: string, id: string, section: string): string {
  const [begin, end] = markers(id);
  const from = markdown.indexOf(begin);
  const to = markdown.indexOf(end);
  if (from !== -1 && to > from) return markdown.slice(0, from) + section + markdown.slice(to + end.length);
  return `${markdown.trimEnd()}\n\n${section}\n`;
}

export function updateMarkdownFile(path: string, id: string, section: string): void {
  const before = existsSync(path) ? readFileSync(path, "utf8") : "# Benchmarks\n";
  writeFileSync(path, replaceSection(before, id, section));
}

export interface ResultsFile {
  suites: Record<string, { environment: Environment; quick: boolean; runs: number; report: SuiteReport }>;
}

/** Merges one suite's results into the JSON file, keeping the other suites' last results. */
export function updateResultsFile(path: string, id: string, entry: ResultsFile["suites"][string]): void {
  let results: ResultsFile = { suites: {} };
  if (existsSync(path)) {
    try {
      results = JSON.parse(readFileSync(path, "utf8")) as ResultsFile;
    } catch {
      results = { suites: {} };
    }
  }
  results.suites[id] = entry;
  writeFileSync(path, `${JSON.stringify(results, null, 2)}\n`);
}
