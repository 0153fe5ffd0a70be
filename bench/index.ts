/**
 * @module bench/index
 * `npm run bench [-- [--quick] [--runs N] [SUITE...]]`: runs the selected suites (all by
 * default), prints their tables, merges the results into bench/results/latest.json and
 * rewrites each suite's own section of BENCHMARKS.md. `--quick` (CI) runs a few seconds to
 * keep the harness working; its figures go to bench/results/quick.json only.
 */
import { fileURLToPath } from "node:url";
import { environment, formatTextTable, suiteSection, updateMarkdownFile, updateResultsFile } from "./report.ts";
import { SUITES } from "./suites.ts";

const USAGE = `usage: npm run bench -- [--quick] [--runs N] [${SUITES.map((s) => s.id).join("|")} ...]`;

function parseArgs(argv: string[]): { quick: boolean; runs?: number; ids: string[] } {
  const out: { quick: boolean; runs?: number; ids: string[] } = { quick: false, ids: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--quick") out.quick = true;
    else if (arg === "--runs") {
      const runs = Number(argv[++i]);
      if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs needs a whole number ≥ 1\n${USAGE}`);
      out.runs = runs;
    } else if (arg === "--help" || arg === "-h") {
      console.log(USAGE);
      process.exit(0);
    } else if (SUITES.some((s) => s.id === arg)) out.ids.push(arg);
    else throw new Error(`unknown suite or option '${arg}'\n${USAGE}`);
  }
  return out;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const runs = args.runs ?? (args.quick ? 1 : 5);
  const suites = args.ids.length ? SUITES.filter((s) => args.ids.includes(s.id)) : SUITES;
  const resultsPath = fileURLToPath(new URL(`./results/${args.quick ? "quick" : "latest"}.json`, import.meta.url));
  const markdownPath = fileURLToPath(new URL("../BENCHMARKS.md", import.meta.url));
  const log = (line: string) => process.stderr.write(`${line}\n`);

  for (const suite of suites) {
    const env = environment();
    const report = await suite.run({ quick: args.quick, runs, log });
    console.log(`\n${report.tables.map(formatTextTable).join("\n\n")}\n`);
    updateResultsFile(resultsPath, suite.id, { environment: env, quick: args.quick, runs, report });
    if (!args.quick) {
      const command = `npm run bench -- ${suite.id}${args.runs ? ` --runs ${runs}` : ""}`;
      updateMarkdownFile(markdownPath, suite.id, suiteSection(suite, report, env, command));
    }
  }
  log(`results: ${resultsPath}${args.quick ? " (quick: BENCHMARKS.md left as it is)" : ", BENCHMARKS.md updated"}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
