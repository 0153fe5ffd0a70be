/**
 * @module bench/suite
 * What a benchmark suite is. Each suite measures one concern and returns tables of rows;
 * `bench/index.ts` runs the selected suites, prints the tables, stores them in
 * bench/results/ and writes each suite's own section of BENCHMARKS.md. A new suite is one
 * file exporting a `BenchSuite` plus one line in bench/suites.ts.
 */

export interface BenchOptions {
  /** a few seconds in all: fewer keys, fewer runs; CI runs it to keep the harness working */
  quick: boolean;
  /** figures are the median of this many runs */
  runs: number;
  /** progress lines go here (stderr), tables are printed by the harness */
  log: (line: string) => void;
}

export type Cell = string | number | null;

export interface BenchTable {
  title: string;
  /** column keys in display order, with their headers; numbers print with `digits` decimals */
  columns: readonly { key: string; label: string; digits?: number }[];
  rows: Record<string, Cell>[];
  /** lines printed under the table (what a column means, what limits a figure) */
  notes?: string[];
}

export interface SuiteReport {
  tables: BenchTable[];
  /** suite-level facts worth recording (parameters, versions of what was measured) */
  facts?: Record<string, Cell>;
}

export interface BenchSuite {
  /** kebab-case id, also the BENCHMARKS.md section marker and the results key */
  id: string;
  title: string;
  /** one paragraph for BENCHMARKS.md: what is measured and how */
  method: string;
  run(options: BenchOptions): Promise<SuiteReport>;
}

/** The median of a non-empty list of numbers. */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError("median of nothing");
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
