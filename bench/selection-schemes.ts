/**
 * @module bench/selection-schemes
 * Weir's slot table and the two baselines a user would otherwise pick, behind one shape so
 * the quality and cost benchmarks treat them alike. Pure: bundled into workerd too.
 *
 * - Weighted rendezvous hashing: each revision scores −ln(u)/w with u a per-revision hash
 *   of the key; the lowest score wins. The key is hashed once (murmur3, as Weir) and mixed
 *   with a per-revision seed by murmur3's finalizer: cheaper than hashing the key once per
 *   revision, and allocation-free, which favours the baseline.
 * - Cumulative intervals in a fixed order (Envoy's weighted clusters): the hash modulo the
 *   total weight falls in one revision's interval, revisions in configuration order.
 */
import { fmix32, murmur3 } from "../core/hash.ts";
import { createSlotTable, ownersByPosition, rebalance, slotOf, type SlotTable } from "../core/slot-table.ts";
import { TOTAL_BP } from "../core/weights.ts";

/** Weights in bp by version, primary first, staged revisions in creation order. */
export type Weights = Readonly<Record<string, number>>;

/** Maps a key's 32-bit hash to a position in the step's `Object.keys(weights)`. */
export type Picker = (hash: number) => number;

export interface SelectionScheme {
  name: string;
  /** A fresh selector; `apply` is called once per weight step, in order (Weir keeps state between steps). */
  create(): { apply(weights: Weights): Picker };
}


const TWO_POW_MINUS_32 = 2 ** -32;

/** Weighted rendezvous: the revision with the lowest −ln(u)/w. Weight-0 revisions never win. */
export function rendezvousPick(hash: number, seeds: Uint32Array, weights: Float64Array): number {
  let best = 0;
  let bestScore = Infinity;
  for (let i = 0; i < seeds.length; i++) {
    const w = weights[i];
    if (w <= 0) continue;
    const u = (fmix32(hash ^ seeds[i]) + 0.5) * TWO_POW_MINUS_32;
    const score = -Math.log(u) / w;
    if (score < bestScore) {
      bestScore = score;
      best = i;
    }
  }
  return best;
}

/** Cumulative intervals: `cumulative[i]` is the sum of the weights up to and including i. */
export function cumulativePick(hash: number, cumulative: Uint32Array): number {
  const point = hash % cumulative[cumulative.length - 1];
  let i = 0;
  while (point >= cumulative[i]) i++;
  return i;
}

/** A revision's rendezvous seed depends only on its name, so adding or removing another leaves it alone. */
export function rendezvousTables(weights: Weights): { seeds: Uint32Array; weights: Float64Array } {
  const labels = Object.keys(weights);
  return {
    seeds: Uint32Array.from(labels, (l) => murmur3(l, 0x52454e44)),
    weights: Float64Array.from(labels, (l) => weights[l]),
  };
}

export function cumulativeTable(weights: Weights): Uint32Array {
  let sum = 0;
  return Uint32Array.from(Object.keys(weights), (l) => (sum += weights[l]));
}

export const WEIR: SelectionScheme = {
  name: "Weir slot table",
  create() {
    let table: SlotTable | undefined;
    return {
      apply(weights) {
        table ??= createSlotTable(Object.keys(weights)[0]);
        rebalance(table, weights);
        const owners = ownersByPosition(table, Object.keys(weights));
        return (hash) => owners[slotOf(hash)];
      },
    };
  },
};

export const RENDEZVOUS: SelectionScheme = {
  name: "weighted rendezvous",
  create() {
    return {
      apply(weights) {
        const t = rendezvousTables(weights);
        return (hash) => rendezvousPick(hash, t.seeds, t.weights);
      },
    };
  },
};

export const CUMULATIVE: SelectionScheme = {
  name: "cumulative intervals (Envoy)",
  create() {
    return {
      apply(weights) {
        const cumulative = cumulativeTable(weights);
        if (cumulative[cumulative.length - 1] !== TOTAL_BP) throw new RangeError("weights must sum to 10,000 bp");
        return (hash) => cumulativePick(hash, cumulative);
      },
    };
  },
};

export const SCHEMES: readonly SelectionScheme[] = [WEIR, RENDEZVOUS, CUMULATIVE];
