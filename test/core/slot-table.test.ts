import { describe, expect, it } from "vitest";
import { murmur3, murmur3Bytes, serviceSalt } from "../../core/hash.ts";
import { compileRouteRecord } from "../../core/route-record.ts";
import { selectRevision } from "../../core/selection.ts";
import {
  cloneSlotTable,
  createSlotTable,
  decodeSlotTable,
  encodeSlotTable,
  mergeLabel,
  NO_OWNER,
  ownersByPosition,
  rebalance,
  renameLabel,
  SLOT_COUNT,
  slotCounts,
  slotOf,
  type SlotTable,
} from "../../core/slot-table.ts";
import goldenJson from "./fixtures/slot-table-golden.json";
import { weightedRoute } from "./weight-scenarios.ts";

interface Golden {
  service: string;
  salt: number;
  steps: {
    weights: Record<string, number>;
    slotsMoved: number;
    slotCounts: Record<string, number>;
    ownersHash: number;
    slots: [number, string][];
  }[];
  keys: { key: string; hash: number; slot: number; version: string }[];
}
const golden = goldenJson as unknown as Golden;

function counts(table: SlotTable): Record<string, number> {
  return Object.fromEntries(slotCounts(table));
}

describe("slot table golden vectors (test/core/fixtures/slot-table-golden.json)", () => {
  it("pins the service salt", () => {
    expect(serviceSalt(golden.service)).toBe(golden.salt);
  });

  it("replays the fixed rebalance sequence to the same owners", () => {
    const table = createSlotTable("v0");
    for (const step of golden.steps) {
      const weights = step.weights;
      expect(rebalance(table, weights)).toBe(step.slotsMoved);
      expect(counts(table)).toEqual(step.slotCounts);
      const order = Object.keys(weights);
      const owners = ownersByPosition(table, order);
      expect(murmur3Bytes(owners, 0)).toBe(step.ownersHash);
      for (const [slot, version] of step.slots) expect(order[owners[slot]]).toBe(version);
    }
  });

  it("selects the pinned revision for fixed keys, through the worker's own path", () => {
    const table = createSlotTable("v0");
    for (const step of golden.steps) rebalance(table, step.weights);
    const route = weightedRoute(table, golden.steps[golden.steps.length - 1].weights);
    expect(route.record.salt).toBe(golden.salt);
    for (const { key, hash, slot, version } of golden.keys) {
      expect(murmur3(key, golden.salt), key).toBe(hash);
      expect(slotOf(hash), key).toBe(slot);
      expect(route.record.revisions[selectRevision(route, key)].version, key).toBe(version);
    }
  });
});

describe("rebalance", () => {
  it("starts with every slot on the primary", () => {
    const table = createSlotTable("v0");
    expect(counts(table)).toEqual({ v0: SLOT_COUNT });
    expect(table.owner.every((o) => o === 0)).toBe(true);
    expect(table.prev.every((p) => p === NO_OWNER)).toBe(true);
  });

  it("gives each revision exactly its weight in slots and moves only the difference", () => {
    const table = createSlotTable("v0");
    expect(rebalance(table, { v0: 6000, v1: 3000, v2: 1000 })).toBe(4000);
    expect(counts(table)).toEqual({ v0: 6000, v1: 3000, v2: 1000 });
    expect(rebalance(table, { v0: 5000, v1: 3000, v2: 2000 })).toBe(1000);
    expect(counts(table)).toEqual({ v0: 5000, v1: 3000, v2: 2000 });
    expect(rebalance(table, { v0: 5000, v1: 3000, v2: 2000 })).toBe(0);
  });

  it("apportions weights that are not basis points by largest remainder", () => {
    const table = createSlotTable("a");
    rebalance(table, { a: 1, b: 1, c: 1 });
    expect(counts(table)).toEqual({ a: 3334, b: 3333, c: 3333 });
  });

  it("keeps a revision at zero weight and removes one missing from the targets", () => {
    const table = createSlotTable("v0");
    rebalance(table, { v0: 7000, v1: 3000, v2: 0 });
    expect(counts(table)).toEqual({ v0: 7000, v1: 3000, v2: 0 });
    const v1 = table.labels.indexOf("v1");
    rebalance(table, { v0: 7000, v2: 3000 });
    expect(counts(table)).toEqual({ v0: 7000, v2: 3000 });
    expect(table.labels[v1]).toBeNull();
    // nothing remembers the removed revision as a place to return to
    expect(table.prev.includes(v1)).toBe(false);
  });

  it("returns a ramp's slots to their previous owners on the way back", () => {
    const table = createSlotTable("v0");
    rebalance(table, { v0: 9000, v1: 1000 });
    const at10 = table.owner.slice();
    rebalance(table, { v0: 5000, v1: 5000 });
    rebalance(table, { v0: 9000, v1: 1000 });
    expect(table.owner).toEqual(at10);
  });

  it("refuses more revisions than owner ids, leaving the table as it was", () => {
    const table = createSlotTable("r0");
    rebalance(table, { r0: 5000, r1: 5000 });
    const before = cloneSlotTable(table);
    const many = Object.fromEntries(Array.from({ length: 256 }, (_, i) => [`r${i}`, 1]));
    expect(() => rebalance(table, many)).toThrow(/at most 255 revisions/);
    expect(table).toEqual(before);
    // 255 revisions fit
    const most = Object.fromEntries(Array.from({ length: 255 }, (_, i) => [`r${i}`, 1]));
    rebalance(table, most);
    expect(slotCounts(table).size).toBe(255);
  });

  it("refuses weights that sum to zero, leaving the table as it was", () => {
    const table = createSlotTable("v0");
    const before = cloneSlotTable(table);
    expect(() => rebalance(table, { v0: 0, v1: 0 })).toThrow(RangeError);
    expect(table).toEqual(before);
  });
});

describe("mergeLabel and renameLabel", () => {
  it("promote: the old primary's slots go to the promoted revision, whose own slots stay", () => {
    const table = createSlotTable("v0");
    rebalance(table, { v0: 7000, v3: 2000, v4: 1000 });
    const v3Slots = [...table.owner.keys()].filter((i) => table.owner[i] === table.labels.indexOf("v3"));
    mergeLabel(table, "v0", "v3");
    expect(counts(table)).toEqual({ v3: 9000, v4: 1000 });
    for (const i of v3Slots) expect(table.labels[table.owner[i]]).toBe("v3");
    expect(table.labels).not.toContain("v0");
  });

  it("merging into a new label is a rename", () => {
    const table = createSlotTable("v0");
    rebalance(table, { v0: 8000, v1: 2000 });
    const owners = table.owner.slice();
    mergeLabel(table, "v0", "v9");
    renameLabel(table, "v1", "v2");
    expect(counts(table)).toEqual({ v9: 8000, v2: 2000 });
    expect(table.owner).toEqual(owners);
  });

  it("refuses labels it does not hold", () => {
    const table = createSlotTable("v0");
    expect(() => mergeLabel(table, "nope", "v0")).toThrow(RangeError);
    expect(() => renameLabel(table, "nope", "v1")).toThrow(RangeError);
  });
});

describe("ownersByPosition", () => {
  it("maps owners to positions in the published revision order", () => {
    const table = createSlotTable("v0");
    rebalance(table, { v0: 5000, v1: 5000 });
    const a = ownersByPosition(table, ["v0", "v1"]);
    const b = ownersByPosition(table, ["v1", "v0"]);
    expect(Array.from(a, (pos) => 1 - pos)).toEqual(Array.from(b));
  });

  it("refuses an order that leaves an owner of slots unpublished", () => {
    const table = createSlotTable("v0");
    rebalance(table, { v0: 5000, v1: 5000 });
    expect(() => ownersByPosition(table, ["v0"])).toThrow(/not published/);
  });
});

describe("encodeSlotTable / decodeSlotTable", () => {
  it("round-trips owners, previous owners, acquisition order, clock and labels", () => {
    const table = createSlotTable("v0");
    rebalance(table, { v0: 6000, v1: 3000, v2: 1000 });
    rebalance(table, { v0: 6000, v2: 4000 });
    rebalance(table, { v0: 5500, v2: 4000, v3: 500 });
    const encoded = JSON.parse(JSON.stringify(encodeSlotTable(table)));
    const decoded = decodeSlotTable(encoded);
    expect(decoded.owner).toEqual(table.owner);
    expect(decoded.prev).toEqual(table.prev);
    expect(decoded.seq).toEqual(table.seq);
    expect(decoded.clock).toBe(table.clock);
    expect(decoded.labels).toEqual(table.labels);
    // a decoded table goes on exactly like the original
    const original = cloneSlotTable(table);
    rebalance(original, { v0: 7000, v2: 3000, v3: 0 });
    rebalance(decoded, { v0: 7000, v2: 3000, v3: 0 });
    expect(decoded.owner).toEqual(original.owner);
    expect(decoded.seq).toEqual(original.seq);
  });

  it("refuses data of the wrong length", () => {
    const encoded = encodeSlotTable(createSlotTable("v0"));
    expect(() => decodeSlotTable({ ...encoded, data: encoded.data.slice(0, 400) })).toThrow(/wrong length/);
  });

  it("publishes slot bytes the data plane accepts, and refuses corrupt ones", () => {
    const table = createSlotTable("v0");
    rebalance(table, { v0: 5000, v1: 5000 });
    const route = weightedRoute(table, { v0: 5000, v1: 5000 });
    expect(route.slots).toEqual(ownersByPosition(table, ["v0", "v1"]));
    const record = { ...route.record, revisions: route.record.revisions.slice(0, 1) };
    expect(() => compileRouteRecord(record)).toThrow(/points past its revisions/);
  });
});
