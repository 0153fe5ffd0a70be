// Slot-table diffs (core/slot-table-diff.ts), what history stores for a weight change
// (issue 9 item 10): applying a diff gives back the exact table, and a diff costs 8 bytes
// per slot that changed — a step of a ramp is a few KB, not the 60,000 bytes of the table.
import { describe, expect, it } from "vitest";
import { applySlotDiff, diffSlotBytes, initialSlotBytes, sameSlotBytes } from "../../core/slot-table-diff.ts";
import {
  cloneSlotTable,
  createSlotTable,
  mergeLabel,
  rebalance,
  SLOT_BYTES,
  SLOT_COUNT,
  slotTableBytes,
  slotTableFromBytes,
} from "../../core/slot-table.ts";

function changedSlots(a: Uint8Array, b: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < SLOT_COUNT; i++) {
    const s = 2 * SLOT_COUNT + 4 * i;
    const same = a[i] === b[i] && a[SLOT_COUNT + i] === b[SLOT_COUNT + i] && a.subarray(s, s + 4).every((x, k) => x === b[s + k]);
    if (!same) n++;
  }
  return n;
}

describe("slot table diffs", () => {
  it("a new service's table is the initial bytes, whatever its primary is called", () => {
    expect(sameSlotBytes(slotTableBytes(createSlotTable("v0")), initialSlotBytes())).toBe(true);
    expect(diffSlotBytes(initialSlotBytes(), slotTableBytes(createSlotTable("prod")))).toHaveLength(0);
  });

  it("restores every table of a ramp, a promote and a ramp back exactly, 8 bytes per changed slot", () => {
    const table = createSlotTable("v0");
    const steps: Record<string, number>[] = [
      { v0: 10000, v3: 0 },
      ...[5, 10, 20, 35, 50, 80].map((p) => ({ v0: 10000 - p * 100, v3: p * 100 })),
      { v0: 7000, v3: 2000, v4: 1000 },
      { v0: 9000, v3: 0, v4: 1000 },
    ];
    let previous = slotTableBytes(table);
    for (const weights of steps) {
      rebalance(table, weights);
      const next = slotTableBytes(table);
      const diff = diffSlotBytes(previous, next);
      expect(diff.length).toBe(8 * changedSlots(previous, next));
      expect(sameSlotBytes(applySlotDiff(previous, diff), next)).toBe(true);
      previous = next;
    }
    // a promote renames or merges owners: the diff still restores it
    const promoted = cloneSlotTable(table);
    mergeLabel(promoted, "v0", "v4");
    const next = slotTableBytes(promoted);
    expect(sameSlotBytes(applySlotDiff(previous, diffSlotBytes(previous, next)), next)).toBe(true);
    // a ramp step moves about the weight it changes: 5% → 10% is ~500 slots, ~4 KB
    const ramp = createSlotTable("v0");
    rebalance(ramp, { v0: 9500, v3: 500 });
    const at5 = slotTableBytes(ramp);
    rebalance(ramp, { v0: 9000, v3: 1000 });
    expect(diffSlotBytes(at5, slotTableBytes(ramp)).length).toBeLessThanOrEqual(8 * 501);
  });

  it("round-trips through slotTableFromBytes with labels and clock", () => {
    const table = createSlotTable("v0");
    rebalance(table, { v0: 6000, v3: 4000 });
    const back = slotTableFromBytes(applySlotDiff(initialSlotBytes(), diffSlotBytes(initialSlotBytes(), slotTableBytes(table))), table.labels, table.clock);
    expect(back).toEqual(table);
  });

  it("refuses data of the wrong length or naming a slot outside the table", () => {
    expect(() => applySlotDiff(initialSlotBytes(), new Uint8Array(7))).toThrow(/wrong length/);
    expect(() => applySlotDiff(new Uint8Array(10), new Uint8Array(0))).toThrow(/wrong length/);
    const bad = new Uint8Array(8);
    new DataView(bad.buffer).setUint16(0, SLOT_COUNT, true);
    expect(() => applySlotDiff(initialSlotBytes(), bad)).toThrow(/slot 10000/);
    expect(() => diffSlotBytes(new Uint8Array(SLOT_BYTES - 1), initialSlotBytes())).toThrow(/wrong length/);
  });
});
