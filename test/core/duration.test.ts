import { describe, expect, it } from "vitest";
import { formatDuration, parseDuration } from "../../core/duration.ts";

describe("parseDuration", () => {
  it.each([
    ["500ms", 500],
    ["90s", 90_000],
    ["10m", 600_000],
    ["1h", 3_600_000],
    ["1h30m", 5_400_000],
    ["2m30s", 150_000],
    ["1m500ms", 60_500],
    [" 10m ", 600_000],
    ["0s", 0],
    ["90d", 90 * 86_400_000],
    ["1d12h", 36 * 3_600_000],
  ])("%j → %i ms", (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(["", "10", "m", "1.5h", "10 m", "-5s", "10M", "1D", "1w", "1h 30m", "10mm"])("refuses %j", (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});

describe("formatDuration", () => {
  it("uses the largest unit that divides the duration", () => {
    expect(formatDuration(3_600_000)).toBe("1h");
    expect(formatDuration(5_400_000)).toBe("90m");
    expect(formatDuration(90_000)).toBe("90s");
    expect(formatDuration(1_500)).toBe("1500ms");
  });

  it("round-trips through parseDuration", () => {
    for (const ms of [1, 999, 1_000, 61_000, 600_000, 5_400_000, 7_200_000, 86_400_000]) {
      expect(parseDuration(formatDuration(ms))).toBe(ms);
    }
  });
});
