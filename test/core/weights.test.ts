import { describe, expect, it } from "vitest";
import { seededRandom } from "./key-shapes.ts";
import { apportion, bpToPercent, formatPercent, isWholeBasisPoints, parsePercentText, percentToBp, TOTAL_BP } from "../../core/weights.ts";

describe("parsePercentText", () => {
  it.each([
    ["50%", 5000],
    ["50", 5000],
    ["0.5%", 50],
    ["12.25", 1225],
    ["1.5%", 150],
    ["0.01%", 1],
    ["0", 0],
    ["100%", 10_000],
    [" 30% ", 3000],
  ])("%j → %i bp", (text, bp) => {
    expect(parsePercentText(text)).toBe(bp);
  });

  it.each(["", "%", "abc", "-5%", "101%", "100.01", "1.234", "50 %", "5e1", "50%%", "1,5"])("refuses %j", (text) => {
    expect(parsePercentText(text)).toBeUndefined();
  });
});

describe("percent and basis points", () => {
  it("converts both ways and formats the shortest text", () => {
    expect(percentToBp(12.25)).toBe(1225);
    expect(percentToBp(0.07)).toBe(7);
    expect(bpToPercent(1225)).toBe(12.25);
    expect(formatPercent(5000)).toBe("50%");
    expect(formatPercent(50)).toBe("0.5%");
    expect(formatPercent(1225)).toBe("12.25%");
    expect(formatPercent(TOTAL_BP)).toBe("100%");
    for (let bp = 0; bp <= TOTAL_BP; bp++) expect(parsePercentText(formatPercent(bp))).toBe(bp);
  });

  it("tells whole basis points from finer fractions", () => {
    expect(isWholeBasisPoints(12.25)).toBe(true);
    expect(isWholeBasisPoints(0.07)).toBe(true);
    expect(isWholeBasisPoints(100)).toBe(true);
    expect(isWholeBasisPoints(12.345)).toBe(false);
    expect(isWholeBasisPoints(33.333)).toBe(false);
    expect(isWholeBasisPoints(Number.NaN)).toBe(false);
  });

  it("refuses values a hair off a whole basis point (1e-9 once passed as 0 and was stored as 1e-9)", () => {
    expect(isWholeBasisPoints(1e-9)).toBe(false);
    expect(isWholeBasisPoints(99.999999999)).toBe(false);
    expect(isWholeBasisPoints(50 + 1e-10)).toBe(false);
    // every k/100 as a client parses it from text is exact
    for (let k = 0; k <= TOTAL_BP; k++) expect(isWholeBasisPoints(Number(`${Math.floor(k / 100)}.${String(k % 100).padStart(2, "0")}`))).toBe(true);
  });
});

describe("apportion (largest remainder)", () => {
  it("keeps whole basis points as they are", () => {
    expect(apportion([6000, 3000, 1000], 10_000)).toEqual([6000, 3000, 1000]);
    expect(apportion([10_000, 0], 10_000)).toEqual([10_000, 0]);
  });

  it("gives the remainder to the largest fractions, ties to the lower index", () => {
    expect(apportion([1, 1, 1], 10_000)).toEqual([3334, 3333, 3333]);
    expect(apportion([1, 1, 1], 2)).toEqual([1, 1, 0]);
    expect(apportion([2, 1], 10)).toEqual([7, 3]);
  });

  it("always sums to the total with each count within one of its quota", () => {
    const next = seededRandom(7);
    for (let round = 0; round < 500; round++) {
      const weights = Array.from({ length: 1 + (next() % 10) }, () => next() % 1000);
      if (!weights.some((w) => w > 0)) weights[0] = 1;
      const total = 1 + (next() % 20_000);
      const counts = apportion(weights, total);
      const sum = weights.reduce((a, b) => a + b, 0);
      expect(counts.reduce((a, b) => a + b, 0)).toBe(total);
      counts.forEach((c, i) => expect(Math.abs(c - (weights[i] * total) / sum)).toBeLessThan(1));
    }
  });

  it("refuses weights that sum to zero", () => {
    expect(() => apportion([0, 0], 10_000)).toThrow(RangeError);
    expect(() => apportion([], 10_000)).toThrow(RangeError);
  });
});
