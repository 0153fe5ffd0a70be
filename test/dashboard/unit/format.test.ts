/** The dashboard's words for times, percentages and rates: the same as `weir ps`. */
import { describe, expect, it } from "vitest";
import { formatPercent, formatPerSecond, formatRate, localTime, parseDuration, relativeTime } from "../../../dashboard/client/format.js";
import { relativeTime as cliRelativeTime } from "../../../cli/relative-time.ts";

describe("relativeTime", () => {
  const now = new Date("2026-04-20T12:00:00Z");
  it("says what `weir ps` says, in the largest whole unit", () => {
    for (const ms of [0, 500, 1_000, 10_000, 59_999, 60_000, 3_599_000, 3_600_000, 86_400_000 * 3, 86_400_000 * 40, 86_400_000 * 800]) {
      const then = new Date(now.getTime() - ms);
      expect(relativeTime(then.toISOString(), now), `${ms} ms`).toBe(cliRelativeTime(then, now));
    }
    expect(relativeTime("2026-04-20T11:59:50Z", now)).toBe("10 seconds ago");
    expect(relativeTime("2026-04-20T11:59:00Z", now)).toBe("1 minute ago");
  });
  it("never reads a time ahead of the browser's clock as negative, nor a bad time as a number", () => {
    expect(relativeTime("2026-04-20T12:00:05Z", now)).toBe("just now");
    expect(relativeTime("not a time", now)).toBe("unknown");
  });
});

describe("numbers", () => {
  it("writes percent with at most two decimals", () => {
    expect([100, 50, 0.5, 12.25, 33.3333, 0].map(formatPercent)).toEqual(["100%", "50%", "0.5%", "12.25%", "33.33%", "0%"]);
  });
  it("writes an error rate, or a dash when nothing answered", () => {
    expect([formatRate(null), formatRate(undefined), formatRate(2.5), formatRate(0)]).toEqual(["–", "–", "2.5%", "0%"]);
  });
  it("writes requests per second with precision that suits the size", () => {
    expect([0, 0.0333, 0.25, 1.26, 15.4, 1234.5].map(formatPerSecond)).toEqual(["0/s", "0.033/s", "0.3/s", "1.3/s", "15/s", "1235/s"]);
  });
  it("reads durations as the API writes them", () => {
    expect(["30s", "15m", "1h30m", "90d", "250ms"].map(parseDuration)).toEqual([30_000, 900_000, 5_400_000, 7_776_000_000, 250]);
    expect(["", "5", "1x", "m5"].map(parseDuration)).toEqual([undefined, undefined, undefined, undefined]);
  });
  it("writes a local date and time to the second", () => {
    expect(localTime(new Date(2026, 3, 20, 9, 5, 7))).toBe("2026-04-20 09:05:07");
    expect(localTime("garbage")).toBe("garbage");
  });
});

describe("errorOf", () => {
  it("takes the API's own message and code, or describes the status when the body has none", async () => {
    const { errorOf } = await import("../../../dashboard/client/api.js");
    const e = errorOf(422, "Unprocessable Entity", { error: { code: "invalid", message: "staged weights sum to 120%, over 100%" } });
    expect([e.status, e.code, e.message]).toEqual([422, "invalid", "staged weights sum to 120%, over 100%"]);
    const plain = errorOf(502, "Bad Gateway", null);
    expect([plain.status, plain.code, plain.message]).toEqual([502, "http_502", "502 Bad Gateway"]);
  });
});
