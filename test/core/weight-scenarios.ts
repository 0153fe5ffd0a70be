/**
 * @module test/core/weight-scenarios
 * Drives a slot table through a sequence of weight changes and selects every key's revision
 * the way the worker does: the config store's `rebalance`, `buildRouteRecords`, then
 * `compileRouteRecord`, whose slot bytes `selectRevision` reads. Keys are given as their
 * slots (`slotOf(murmur3(key, serviceSalt(id)))`, computed once per key set), so a million
 * keys cost one pass per step. Pure: the property tests run it inside workerd.
 */
import { serviceHost } from "../../core/hostnames.ts";
import type { ServiceConfig } from "../../core/model.ts";
import { buildRouteRecords, compileRouteRecord, type CompiledRoute } from "../../core/route-record.ts";
import { createSlotTable, rebalance, type SlotTable } from "../../core/slot-table.ts";

export const SERVICE = { stack: "test", name: "svc", id: "test/svc" } as const;
const BASE_DOMAIN = "weir.localhost";

/** Weights in bp by version; the first key is the primary, which takes the remainder. */
export type Weights = Readonly<Record<string, number>>;

export interface StepResult {
  weights: Weights;
  route: CompiledRoute;
  /** version index (into `labels`) of every key */
  revisionOf: Uint8Array;
  /** keys per version index */
  keys: Uint32Array;
}

export interface TransitionResult {
  /** keys whose revision changed */
  moved: number;
  /** ½ Σ |n_i − n'_i| over the key set's own counts: no scheme can move fewer keys */
  lowerBound: number;
  /** ½ Σ |w_i − w'_i| of the weights, as a fraction */
  tv: number;
  /** keys that moved from a revision whose weight did not shrink, or to one that did not grow */
  movesAgainstWeights: number;
}

/** The compiled weighted route of the service, as the data plane would load it from KV. */
export function weightedRoute(table: SlotTable, weights: Weights): CompiledRoute {
  const [primary, ...staged] = Object.keys(weights);
  const service: ServiceConfig = {
    stack: SERVICE.stack,
    name: SERVICE.name,
    version: primary,
    origins: ["http://127.0.0.1:9001"],
    affinity: "cookie",
    revisionHeader: true,
    createdAt: "2026-01-01T00:00:00.000Z",
    revisions: staged.map((version) => ({
      version,
      origins: ["http://127.0.0.1:9002"],
      weight: weights[version],
      createdAt: "2026-01-01T00:00:00.000Z",
    })),
  };
  const records = buildRouteRecords(service, table, 1, BASE_DOMAIN);
  const record = records.get(serviceHost(SERVICE.stack, SERVICE.name, BASE_DOMAIN));
  if (record === undefined) throw new Error("no weighted record was built");
  return compileRouteRecord(record);
}

/**
 * Runs `steps` in order from a table whose every slot belongs to the first step's primary.
 * `labels` collects every version seen, so indexes stay stable across added and removed
 * revisions.
 */
export function runWeightSteps(slotOfKey: Uint16Array, steps: readonly Weights[]): { labels: string[]; results: StepResult[] } {
  const labels: string[] = [];
  const table = createSlotTable(Object.keys(steps[0])[0]);
  const results: StepResult[] = [];
  for (const weights of steps) {
    rebalance(table, weights);
    const route = weightedRoute(table, weights);
    const versions = route.record.revisions.map((r) => {
      if (!labels.includes(r.version)) labels.push(r.version);
      return labels.indexOf(r.version);
    });
    const slots = route.slots;
    if (slots === null) throw new Error("weighted route is pinned");
    const revisionOf = new Uint8Array(slotOfKey.length);
    const keys = new Uint32Array(256);
    for (let k = 0; k < slotOfKey.length; k++) {
      const v = versions[slots[slotOfKey[k]]];
      revisionOf[k] = v;
      keys[v]++;
    }
    results.push({ weights, route, revisionOf, keys });
  }
  return { labels, results };
}

export function transition(labels: readonly string[], before: StepResult, after: StepResult): TransitionResult {
  const w = (step: StepResult, v: number) => step.weights[labels[v]] ?? 0;
  let moved = 0;
  let movesAgainstWeights = 0;
  for (let k = 0; k < before.revisionOf.length; k++) {
    const from = before.revisionOf[k];
    const to = after.revisionOf[k];
    if (from === to) continue;
    moved++;
    if (!(w(after, from) < w(before, from) && w(after, to) > w(before, to))) movesAgainstWeights++;
  }
  let diff = 0;
  let tvBp = 0;
  for (let v = 0; v < labels.length; v++) {
    diff += Math.abs(after.keys[v] - before.keys[v]);
    tvBp += Math.abs(w(after, v) - w(before, v));
  }
  return { moved, lowerBound: diff / 2, tv: tvBp / 2 / 10_000, movesAgainstWeights };
}

/** Largest |share − weight| over the step's revisions, in percentage points. */
export function worstShareError(labels: readonly string[], step: StepResult): number {
  const total = step.revisionOf.length;
  let worst = 0;
  for (let v = 0; v < labels.length; v++) {
    const weight = (step.weights[labels[v]] ?? 0) / 100;
    worst = Math.max(worst, Math.abs((step.keys[v] / total) * 100 - weight));
  }
  return worst;
}

/** A random weight vector in bp over `n` revisions, summing to 10,000. */
export function randomWeights(next: () => number, labels: readonly string[]): Weights {
  const cuts = labels.slice(1).map(() => next() % 10_001).sort((a, b) => a - b);
  const bounds = [0, ...cuts, 10_000];
  return Object.fromEntries(labels.map((l, i) => [l, bounds[i + 1] - bounds[i]]));
}
