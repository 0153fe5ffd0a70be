/**
 * @module bench/selection-quality
 * DESIGN §4's selection properties, Weir's slot table against weighted rendezvous hashing
 * and cumulative intervals (bench/selection-schemes.ts), over a million cookie-like keys per
 * run: how many keys each scheme moves per weight change against the least possible (the
 * total variation), how many move between revisions that did not change toward each other,
 * whether a ramp's rollback puts keys back, and how close shares stay to weights.
 */
import { murmur3, serviceSalt } from "../core/hash.ts";
import { forEachKey } from "../test/core/key-shapes.ts";
import { SCHEMES, type Weights } from "./selection-schemes.ts";
import { median, type BenchOptions, type BenchSuite, type Cell } from "./suite.ts";

interface Scenario {
  name: string;
  steps: readonly Weights[];
}

const RAMP_BP = [0, 100, 500, 1000, 2500, 5000, 2500, 1000];

export const QUALITY_SCENARIOS: readonly Scenario[] = [
  { name: "90/10 → 80/20", steps: [{ a: 9000, b: 1000 }, { a: 8000, b: 2000 }] },
  { name: "60/30/10 → 40/20/40", steps: [{ a: 6000, b: 3000, c: 1000 }, { a: 4000, b: 2000, c: 4000 }] },
  { name: "60/30/10 → 50/30/20", steps: [{ a: 6000, b: 3000, c: 1000 }, { a: 5000, b: 3000, c: 2000 }] },
  {
    name: "30/25/20/15/10 → 20/25/25/15/15",
    steps: [
      { a: 3000, b: 2500, c: 2000, d: 1500, e: 1000 },
      { a: 2000, b: 2500, c: 2500, d: 1500, e: 1500 },
    ],
  },
  // a new staged revision takes its weight from the primary, as `weir stage --weight 10%` does
  { name: "add a revision: 70/30 → 60/30/10", steps: [{ a: 7000, b: 3000 }, { a: 6000, b: 3000, c: 1000 }] },
  // a removed staged revision's weight returns to the primary, as `weir rm` does
  { name: "remove a revision: 50/30/20 → 80/–/20", steps: [{ a: 5000, b: 3000, c: 2000 }, { a: 8000, c: 2000 }] },
  {
    name: "ramp 0→1→5→10→25→50→25→10 %, another at 30 %",
    steps: RAMP_BP.map((c) => ({ a: 7000 - c, b: 3000, canary: c })),
  },
];

interface Metrics {
  /** keys moved ÷ (TV × keys), summed over the steps */
  movedOverTv: number;
  /** worst step: keys moved ÷ the key set's own lower bound ½ Σ |n_i − n'_i| */
  movedOverBound: number;
  /** % of keys, summed over steps, moved from a revision that did not shrink or to one that did not grow */
  against: number;
  /** % of keys not on the revision they had the first time the same weights applied; null without a repeat */
  offAfterRollback: number | null;
  /** worst |share − weight| over steps and revisions, percentage points */
  worstBalance: number;
}

function measure(hashes: Uint32Array, scenario: Scenario, scheme: (typeof SCHEMES)[number]): Metrics {
  const n = hashes.length;
  const labels: string[] = [];
  const selector = scheme.create();
  const revisionsAt: Uint8Array[] = [];
  const keysAt: Uint32Array[] = [];
  const weightOf = (w: Weights, v: number) => w[labels[v]] ?? 0;
  let movedSum = 0;
  let tvSum = 0;
  let movedOverBound = 0;
  let against = 0;
  let offAfterRollback: number | null = null;
  let worstBalance = 0;
  scenario.steps.forEach((weights, step) => {
    const pick = selector.apply(weights);
    const global = Object.keys(weights).map((l) => (labels.includes(l) ? labels.indexOf(l) : labels.push(l) - 1));
    const revisionOf = new Uint8Array(n);
    const keys = new Uint32Array(256);
    for (let k = 0; k < n; k++) {
      const v = global[pick(hashes[k])];
      revisionOf[k] = v;
      keys[v]++;
    }
    for (let v = 0; v < labels.length; v++) {
      worstBalance = Math.max(worstBalance, Math.abs((keys[v] / n) * 100 - weightOf(weights, v) / 100));
    }
    if (step > 0) {
      const before = scenario.steps[step - 1];
      const previous = revisionsAt[step - 1];
      let moved = 0;
      let wrong = 0;
      for (let k = 0; k < n; k++) {
        const from = previous[k];
        const to = revisionOf[k];
        if (from === to) continue;
        moved++;
        if (!(weightOf(weights, from) < weightOf(before, from) && weightOf(weights, to) > weightOf(before, to))) wrong++;
      }
      let tvBp = 0;
      let diff = 0;
      for (let v = 0; v < labels.length; v++) {
        tvBp += Math.abs(weightOf(weights, v) - weightOf(before, v));
        diff += Math.abs(keys[v] - keysAt[step - 1][v]);
      }
      movedSum += moved;
      tvSum += (tvBp / 2 / 10_000) * n;
      if (diff > 0) movedOverBound = Math.max(movedOverBound, moved / (diff / 2));
      against += (wrong / n) * 100;
    }
    const first = scenario.steps.findIndex((w) => JSON.stringify(w) === JSON.stringify(weights));
    if (first < step) {
      let off = 0;
      for (let k = 0; k < n; k++) if (revisionOf[k] !== revisionsAt[first][k]) off++;
      offAfterRollback = Math.max(offAfterRollback ?? 0, (off / n) * 100);
    }
    revisionsAt.push(revisionOf);
    keysAt.push(keys);
  });
  return { movedOverTv: movedSum / tvSum, movedOverBound, against, offAfterRollback, worstBalance };
}

export const selectionQuality: BenchSuite = {
  id: "selection-quality",
  title: "Selection quality: keys moved per weight change",
  method:
    "Each run hashes a fresh set of cookie-like keys (22 base64url characters from a seeded PRNG) with murmur3 and a " +
    "per-run service salt, exactly as the worker does, and applies each scenario's weight steps to Weir's slot table " +
    "(core `rebalance` + `ownersByPosition`, the bytes the data plane reads) and to the two baselines. " +
    "*moved ÷ TV*: keys that changed revision ÷ (total variation of the weights × keys), summed over the steps; " +
    "1.00 is the least any scheme can move, up to the key set's sampling noise. *moved ÷ key lower bound*: worst " +
    "step, keys moved ÷ ½ Σ |n_i − n'_i| of the key set's own counts per revision, which no scheme can beat " +
    "(exactly 1 means every move went from a revision that lost keys to one that gained). *between unchanged*: % of keys, summed over steps, that moved from a revision whose " +
    "weight did not shrink or to one whose weight did not grow. *off after rollback*: % of keys not on the revision " +
    "they had the first time the same weights applied (ramp only). *worst balance*: largest |share − weight| in " +
    "percentage points, over every step. Each figure is the median over the runs. Goal for Weir: 1.00, 0, 0, ≤ 0.3 pp.",
  async run(options: BenchOptions) {
    const keys = options.quick ? 20_000 : 1_000_000;
    const perRun: Metrics[][][] = []; // [run][scenario][scheme]
    for (let run = 0; run < options.runs; run++) {
      const started = performance.now();
      const salt = serviceSalt(`bench/quality-${run}`);
      const hashes = new Uint32Array(keys);
      forEachKey("cookie", keys, 1000 + run, (key, i) => {
        hashes[i] = murmur3(key, salt);
      });
      perRun.push(QUALITY_SCENARIOS.map((s) => SCHEMES.map((scheme) => measure(hashes, s, scheme))));
      options.log(`selection-quality: run ${run + 1}/${options.runs} (${keys} keys) in ${Math.round(performance.now() - started)} ms`);
    }
    const rows: Record<string, Cell>[] = [];
    QUALITY_SCENARIOS.forEach((scenario, s) => {
      SCHEMES.forEach((scheme, m) => {
        const runs = perRun.map((r) => r[s][m]);
        const off = runs.map((r) => r.offAfterRollback);
        rows.push({
          scenario: m === 0 ? scenario.name : "",
          scheme: scheme.name,
          movedOverTv: median(runs.map((r) => r.movedOverTv)),
          movedOverBound: median(runs.map((r) => r.movedOverBound)),
          against: median(runs.map((r) => r.against)),
          offAfterRollback: off[0] === null ? null : median(off.map((o) => o ?? 0)),
          worstBalance: median(runs.map((r) => r.worstBalance)),
        });
      });
    });
    return {
      facts: { "keys per run": keys, runs: options.runs, "key shape": "cookie-like ids" },
      tables: [
        {
          title: `Selection quality, ${keys.toLocaleString("en-US")} keys, median of ${options.runs} runs`,
          columns: [
            { key: "scenario", label: "scenario" },
            { key: "scheme", label: "scheme" },
            { key: "movedOverTv", label: "moved ÷ TV", digits: 3 },
            { key: "movedOverBound", label: "moved ÷ key lower bound", digits: 3 },
            { key: "against", label: "between unchanged (% keys)", digits: 2 },
            { key: "offAfterRollback", label: "off after rollback (% keys)", digits: 2 },
            { key: "worstBalance", label: "worst balance (pp)", digits: 3 },
          ],
          rows,
        },
      ],
    };
  },
};
