// The compiled route's `sole` (issue 9 item 4): found once per compile, it tells the data
// plane that one revision serves every request, so no sticky key (and no cookie) is needed.
import { describe, expect, it } from "vitest";
import { soleOwner } from "../../core/route-record.ts";
import { createSlotTable, rebalance } from "../../core/slot-table.ts";
import { weightedRoute } from "./weight-scenarios.ts";

describe("compiled route: the sole revision", () => {
  it("is the only revision with weight, wherever it sits in the record", () => {
    const cases: [Record<string, number>, number][] = [
      [{ v0: 10_000 }, 0],
      [{ v0: 10_000, v1: 0, v2: 0 }, 0],
      [{ v0: 0, v1: 10_000, v2: 0 }, 1],
      [{ v0: 0, v1: 0, v2: 10_000 }, 2],
      [{ v0: 9_999, v1: 1 }, -1],
      [{ v0: 5_000, v1: 3_000, v2: 2_000 }, -1],
    ];
    for (const [weights, sole] of cases) {
      const table = createSlotTable("v0");
      rebalance(table, weights);
      expect(weightedRoute(table, weights).sole, JSON.stringify(weights)).toBe(sole);
    }
  });

  it("follows a ramp and a rollback of the same table", () => {
    const table = createSlotTable("v0");
    const steps: [Record<string, number>, number][] = [
      [{ v0: 10_000, v1: 0 }, 0],
      [{ v0: 9_000, v1: 1_000 }, -1],
      [{ v0: 0, v1: 10_000 }, 1],
      [{ v0: 10_000, v1: 0 }, 0],
    ];
    for (const [weights, sole] of steps) {
      rebalance(table, weights);
      expect(weightedRoute(table, weights).sole, JSON.stringify(weights)).toBe(sole);
    }
  });

  it("soleOwner over raw tables", () => {
    expect(soleOwner(new Uint8Array(10_000).fill(3))).toBe(3);
    const mixed = new Uint8Array(10_000);
    mixed[9_999] = 1;
    expect(soleOwner(mixed)).toBe(-1);
    expect(soleOwner(new Uint8Array(0))).toBe(-1);
  });
});
