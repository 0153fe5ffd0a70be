/**
 * @module core/selection
 * The per-request decision: sticky key → revision position. O(1) and allocation-free for
 * ASCII keys; the worker and the benchmarks both call exactly this.
 */
import { murmur3 } from "./hash.ts";
import type { CompiledRoute } from "./route-record.ts";
import { slotOf } from "./slot-table.ts";

/** Position in `route.record.revisions` that serves `key`. */
export function selectRevision(route: CompiledRoute, key: string): number {
  if (route.slots === null) return route.record.pin ?? 0;
  return route.slots[slotOf(murmur3(key, route.record.salt))];
}
