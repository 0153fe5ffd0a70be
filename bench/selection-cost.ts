/**
 * @module bench/selection-cost
 * What one selection decision (hash + lookup) costs, for 2, 5 and 10 revisions, in Node
 * and inside workerd, Weir's `selectRevision` against the baselines; and what it
 * allocates in Node, from heap deltas around runs short enough that no GC runs inside them.
 */
import { PerformanceObserver } from "node:perf_hooks";
import v8 from "node:v8";
import { runInNewContext } from "node:vm";
import {
  COST_REVISIONS,
  COST_SCHEME_NAMES,
  COST_SCHEMES,
  costCase,
  runDecisions,
  timeDecisions,
  WARM_UP_DECISIONS,
  type CostCase,
  type CostScheme,
} from "./selection-cost-loops.ts";
import { median, type BenchOptions, type BenchSuite, type Cell } from "./suite.ts";
import { startBenchWorker } from "./workerd/run-in-workerd.ts";

/** decisions per heap-delta sample: even at 16 B each, far less than the young generation holds */
const ALLOCATION_DECISIONS = 20_000;
const ALLOCATION_SAMPLES = 5;

function exposeGc(): () => void {
  v8.setFlagsFromString("--expose-gc");
  return runInNewContext("gc") as () => void;
}

let gcEvents = 0;
const gcObserver = new PerformanceObserver((list) => {
  gcEvents += list.getEntries().length;
});

/**
 * Bytes allocated per decision: the smallest of a few heap-delta samples, since anything
 * else the process allocates only adds to a sample, while an allocation per decision shows
 * in every one. Null when a GC ran inside every sample.
 */
async function bytesPerDecision(gc: () => void, scheme: CostScheme, c: CostCase, warmUp: number, samples: number): Promise<number | null> {
  const sample = (n: number) => {
    gc();
    const before = process.memoryUsage().heapUsed;
    runDecisions(scheme, c, n);
    return process.memoryUsage().heapUsed - before;
  };
  runDecisions(scheme, c, warmUp); // optimised code, as in a warm isolate
  const clean: number[] = [];
  for (let i = 0; i < samples; i++) {
    const gcBefore = gcEvents;
    const empty = sample(0); // what measuring itself allocates
    const full = sample(ALLOCATION_DECISIONS);
    await new Promise((resolve) => setImmediate(resolve)); // GC entries arrive asynchronously
    // the two forced GCs are two events; any more ran inside a sample
    if (gcEvents - gcBefore <= 2) clean.push(Math.max(0, full - empty) / ALLOCATION_DECISIONS);
  }
  return clean.length ? Math.min(...clean) : null;
}

export const selectionCost: BenchSuite = {
  id: "selection-cost",
  title: "Selection cost: ns per decision",
  method:
    "One decision is the murmur3 hash of a cookie-like key (22 characters, 1,024 distinct keys cycled) plus the " +
    "lookup: Weir's `selectRevision` over a compiled route record (the worker's own call), weighted rendezvous " +
    "(one hash, then a mix, a log and a divide per revision) and cumulative intervals (a linear scan), with equal " +
    "weights. Each loop runs warm, in Node (`tsx`) and inside workerd (the same modules bundled with esbuild and " +
    "served by Miniflare; local workerd's clock advances during execution, so the loop times itself). *Node CPU* " +
    "is the process's user+system time over the same loop (and its warm-up), which counts no time spent waiting " +
    "for a CPU and so scatters less on a shared machine than wall time. " +
    "Allocations are Node heap deltas (`process.memoryUsage().heapUsed`) around 20,000 decisions after a forced GC, " +
    "minus the delta of an empty sample, the smallest of 5 samples (other work of the process only adds to a sample); " +
    "a sample during which a GC ran is discarded. Each figure is the median " +
    "over the runs, the runs interleaved across schemes. Goal for Weir: ≤ 150 ns in Node, zero allocations.",
  async run(options: BenchOptions) {
    const n = options.quick ? 20_000 : 2_000_000;
    const warmUp = options.quick ? 20_000 : 200_000;
    const gc = exposeGc();
    gcObserver.observe({ entryTypes: ["gc"] });
    const cases = new Map(COST_REVISIONS.map((r) => [r, costCase(r)]));
    const combos = COST_SCHEMES.flatMap((scheme) => COST_REVISIONS.map((revisions) => ({ scheme, revisions })));
    const node = new Map<string, number[]>();
    const nodeCpu = new Map<string, number[]>();
    const workerd = new Map<string, number[]>();
    const bytes = new Map<string, (number | null)[]>();
    const id = (c: { scheme: string; revisions: number }) => `${c.scheme}/${c.revisions}`;
    const push = <T>(map: Map<string, T[]>, key: string, value: T) => map.set(key, [...(map.get(key) ?? []), value]);

    const worker = await startBenchWorker("./selection-cost-worker.ts");
    try {
      for (let run = 0; run < options.runs; run++) {
        const started = performance.now();
        for (const combo of combos) {
          const c = cases.get(combo.revisions)!;
          const cpuStart = process.cpuUsage();
          push(node, id(combo), timeDecisions(combo.scheme, c, n, () => performance.now()).ns);
          const cpu = process.cpuUsage(cpuStart);
          // the CPU span includes timeDecisions' warm-up run, so it is divided by both runs' decisions
          push(nodeCpu, id(combo), ((cpu.user + cpu.system) * 1e3) / (n + Math.min(n, WARM_UP_DECISIONS)));
          const inWorkerd = await worker.get<{ ns: number }>(`/?scheme=${combo.scheme}&revisions=${combo.revisions}&n=${n}`);
          push(workerd, id(combo), inWorkerd.ns);
          // forced GCs are slow with Miniflare in the process: --quick samples one revision count
          if (!options.quick || combo.revisions === COST_REVISIONS[0]) {
            push(bytes, id(combo), await bytesPerDecision(gc, combo.scheme, c, warmUp, options.quick ? 1 : ALLOCATION_SAMPLES));
          }
        }
        options.log(`selection-cost: run ${run + 1}/${options.runs} (${n} decisions per figure) in ${Math.round(performance.now() - started)} ms`);
      }
    } finally {
      await worker.dispose();
      gcObserver.disconnect();
    }

    const rows: Record<string, Cell>[] = combos.map((combo) => {
      const samples = (bytes.get(id(combo)) ?? []).filter((b): b is number => b !== null);
      return {
        scheme: combo.revisions === COST_REVISIONS[0] ? COST_SCHEME_NAMES[combo.scheme] : "",
        revisions: combo.revisions,
        node: median(node.get(id(combo)) ?? []),
        nodeCpu: median(nodeCpu.get(id(combo)) ?? []),
        workerd: median(workerd.get(id(combo)) ?? []),
        bytes: samples.length ? median(samples) : null,
      };
    });
    return {
      facts: { "decisions per figure": n, runs: options.runs },
      tables: [
        {
          title: `Selection cost, median of ${options.runs} runs`,
          columns: [
            { key: "scheme", label: "decision" },
            { key: "revisions", label: "revisions" },
            { key: "node", label: "Node ns/decision", digits: 1 },
            { key: "nodeCpu", label: "Node CPU ns/decision", digits: 1 },
            { key: "workerd", label: "workerd ns/decision", digits: 1 },
            { key: "bytes", label: "Node bytes/decision", digits: 2 },
          ],
          rows,
          notes: [
            "bytes/decision: – when every sample saw a GC (allocation then certainly above zero), or not sampled (--quick).",
            "The machine was shared with other busy processes while measuring: timings are provisional.",
          ],
        },
      ],
    };
  },
};
