/**
 * @module core/rule-tables
 * The slot table of each rule that splits its traffic (`weights`, DESIGN §10): one table
 * per rule name, kept across changes exactly like the service's own (§4), so a change of
 * the split moves only the keys that must move and a return to earlier weights puts every
 * key back. A rule that no longer splits, or is gone, loses its table; a renamed rule is
 * a new rule and starts a fresh one.
 */
import type { Rule } from "./rule-schema.ts";
import { cloneSlotTable, createSlotTable, decodeSlotTable, encodeSlotTable, rebalance, type EncodedSlotTable, type SlotTable } from "./slot-table.ts";
import { percentToBp } from "./weights.ts";

export type RuleTables = ReadonlyMap<string, SlotTable>;

/** A split's targets in bp, by version. */
export function splitTargets(weights: Readonly<Record<string, number>>): Record<string, number> {
  const targets: Record<string, number> = {};
  for (const [version, percent] of Object.entries(weights)) targets[version] = percentToBp(percent);
  return targets;
}

/**
 * The tables `rules` need, derived from `previous` with the fewest slot moves: a split
 * whose weights did not change keeps its table untouched (byte for byte).
 */
export function reconcileRuleTables(previous: RuleTables | undefined, rules: readonly Rule[] | undefined): Map<string, SlotTable> {
  const next = new Map<string, SlotTable>();
  for (const rule of rules ?? []) {
    if (rule.weights === undefined) continue;
    const targets = splitTargets(rule.weights);
    const old = previous?.get(rule.name);
    let table: SlotTable;
    if (old !== undefined) table = cloneSlotTable(old);
    else {
      // A new split starts with every slot on its largest share, then moves the least.
      const first = Object.entries(targets).sort((a, b) => b[1] - a[1])[0][0];
      table = createSlotTable(first);
    }
    rebalance(table, targets);
    next.set(rule.name, table);
  }
  return next;
}

export function cloneRuleTables(tables: RuleTables | undefined): Map<string, SlotTable> {
  return new Map([...(tables ?? new Map<string, SlotTable>())].map(([name, table]) => [name, cloneSlotTable(table)]));
}

/** Storage form: rule name → encoded table, in rule order. */
export function encodeRuleTables(tables: RuleTables | undefined): Record<string, EncodedSlotTable> {
  const out: Record<string, EncodedSlotTable> = {};
  for (const [name, table] of tables ?? []) out[name] = encodeSlotTable(table);
  return out;
}

export function decodeRuleTables(encoded: Readonly<Record<string, EncodedSlotTable>> | null | undefined): Map<string, SlotTable> {
  const out = new Map<string, SlotTable>();
  for (const [name, table] of Object.entries(encoded ?? {})) out.set(name, decodeSlotTable(table));
  return out;
}

/**
 * A service's slot tables as one stored value: the service's own table, and beside it
 * (`rules`, only when some rule splits) each rule's. Stored and restored together, so a
 * rollback brings every table back byte for byte.
 */
export type EncodedStateTables = EncodedSlotTable & { rules?: Record<string, EncodedSlotTable> };

export function encodeStateTables(table: SlotTable, ruleTables: RuleTables | undefined): EncodedStateTables {
  const encoded: EncodedStateTables = encodeSlotTable(table);
  if (ruleTables !== undefined && ruleTables.size > 0) encoded.rules = encodeRuleTables(ruleTables);
  return encoded;
}

/** True when two stored values hold the same tables. */
export function sameStateTables(a: EncodedStateTables, b: EncodedStateTables): boolean {
  if (a.data !== b.data) return false;
  const ra = Object.entries(a.rules ?? {});
  const rb = b.rules ?? {};
  return ra.length === Object.keys(rb).length && ra.every(([name, t]) => Object.hasOwn(rb, name) && rb[name].data === t.data);
}
