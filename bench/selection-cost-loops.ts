/**
 * @module bench/selection-cost-loops
 * The timed loops of the selection-cost benchmark, shared by Node and the workerd bench
 * worker so both runtimes run the same code. One loop per scheme keeps each call site
 * monomorphic, as it is in the worker; each decision is hash + lookup of a cookie-like key.
 */
import { murmur3 } from "../core/hash.ts";
import type { CompiledRoute } from "../core/route-record.ts";
import { selectRevision } from "../core/selection.ts";
import { createSlotTable, rebalance } from "../core/slot-table.ts";
import { forEachKey } from "../test/core/key-shapes.ts";
import { weightedRoute } from "../test/core/weight-scenarios.ts";
import { cumulativePick, cumulativeTable, rendezvousPick, rendezvousTables, type Weights } from "./selection-schemes.ts";

export const COST_REVISIONS = [2, 5, 10] as const;
export const COST_SCHEMES = ["weir", "rendezvous", "cumulative", "hash"] as const;
export type CostScheme = (typeof COST_SCHEMES)[number];
export const COST_SCHEME_NAMES: Record<CostScheme, string> = {
  weir: "Weir slot table (core selectRevision)",
  rendezvous: "weighted rendezvous",
  cumulative: "cumulative intervals (Envoy)",
  hash: "murmur3 alone (reference)",
};

/** distinct keys the loops cycle through (a power of two) */
const KEY_COUNT = 1024;

export interface CostCase {
  route: CompiledRoute;
  salt: number;
  seeds: Uint32Array;
  rendezvousWeights: Float64Array;
  cumulative: Uint32Array;
  keys: string[];
}

/** Revisions with equal weights; the primary takes the rounding remainder. */
export function costWeights(revisions: number): Weights {
  const each = Math.floor(10_000 / revisions);
  return Object.fromEntries(Array.from({ length: revisions }, (_, i) => [`v${i}`, i === 0 ? 10_000 - each * (revisions - 1) : each]));
}

export function costCase(revisions: number): CostCase {
  const weights = costWeights(revisions);
  const table = createSlotTable("v0");
  rebalance(table, weights);
  const route = weightedRoute(table, weights);
  const r = rendezvousTables(weights);
  const keys: string[] = [];
  forEachKey("cookie", KEY_COUNT, 77, (key) => keys.push(key));
  return { route, salt: route.record.salt, seeds: r.seeds, rendezvousWeights: r.weights, cumulative: cumulativeTable(weights), keys };
}

function loopWeir(c: CostCase, n: number): number {
  const { route, keys } = c;
  let sink = 0;
  for (let i = 0; i < n; i++) sink = (sink + selectRevision(route, keys[i & (KEY_COUNT - 1)])) | 0;
  return sink;
}

function loopRendezvous(c: CostCase, n: number): number {
  const { salt, seeds, rendezvousWeights, keys } = c;
  let sink = 0;
  for (let i = 0; i < n; i++) sink = (sink + rendezvousPick(murmur3(keys[i & (KEY_COUNT - 1)], salt), seeds, rendezvousWeights)) | 0;
  return sink;
}

function loopCumulative(c: CostCase, n: number): number {
  const { salt, cumulative, keys } = c;
  let sink = 0;
  for (let i = 0; i < n; i++) sink = (sink + cumulativePick(murmur3(keys[i & (KEY_COUNT - 1)], salt), cumulative)) | 0;
  return sink;
}

function loopHash(c: CostCase, n: number): number {
  const { salt, keys } = c;
  let sink = 0;
  for (let i = 0; i < n; i++) sink = (sink + murmur3(keys[i & (KEY_COUNT - 1)], salt)) | 0;
  return sink;
}

/** Runs `n` decisions; the returned sink keeps the work from being optimised away. */
export function runDecisions(scheme: CostScheme, c: CostCase, n: number): number {
  switch (scheme) {
    case "weir":
      return loopWeir(c, n);
    case "rendezvous":
      return loopRendezvous(c, n);
    case "cumulative":
      return loopCumulative(c, n);
    case "hash":
      return loopHash(c, n);
  }
}

export const WARM_UP_DECISIONS = 100_000;

/** ns per decision of `n` decisions after a warm-up of min(n, WARM_UP_DECISIONS), timed with `now` (ms). */
export function timeDecisions(scheme: CostScheme, c: CostCase, n: number, now: () => number): { ns: number; sink: number } {
  runDecisions(scheme, c, Math.min(n, WARM_UP_DECISIONS));
  const start = now();
  const sink = runDecisions(scheme, c, n);
  return { ns: ((now() - start) * 1e6) / n, sink };
}
