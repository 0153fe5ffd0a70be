import { describe, expect, it } from "vitest";
import { relativeTime, timeUntil } from "../../cli/relative-time.ts";

const now = new Date("2026-11-26T10:00:00Z");
const ago = (ms: number) => relativeTime(new Date(now.getTime() - ms), now);

describe("relativeTime", () => {
  it("says what DESIGN §1 shows", () => {
    expect(ago(10_000)).toBe("10 seconds ago");
    expect(ago(5_400)).toBe("5 seconds ago");
    expect(ago(60_000)).toBe("1 minute ago");
    expect(ago(119_999)).toBe("1 minute ago");
  });

  it("uses the largest whole unit, singular for one", () => {
    expect(ago(1_000)).toBe("1 second ago");
    expect(ago(59_999)).toBe("59 seconds ago");
    expect(ago(2 * 60_000)).toBe("2 minutes ago");
    expect(ago(3_600_000)).toBe("1 hour ago");
    expect(ago(23 * 3_600_000)).toBe("23 hours ago");
    expect(ago(86_400_000)).toBe("1 day ago");
    expect(ago(14 * 86_400_000)).toBe("2 weeks ago");
    expect(ago(45 * 86_400_000)).toBe("1 month ago");
    expect(ago(800 * 86_400_000)).toBe("2 years ago");
  });

  it("never prints a negative age: under a second, or a clock ahead, is just now", () => {
    expect(ago(0)).toBe("just now");
    expect(ago(999)).toBe("just now");
    expect(ago(-5_000)).toBe("just now");
    expect(relativeTime(new Date("not a date"), now)).toBe("unknown");
  });
});

describe("timeUntil", () => {
  const later = (ms: number) => timeUntil(new Date(now.getTime() + ms), now);

  it("says how far ahead, in the largest whole unit; the past reads as ago", () => {
    expect(later(89 * 86_400_000 + 5_000)).toBe("in 2 months");
    expect(later(3 * 86_400_000)).toBe("in 3 days");
    expect(later(3_600_000)).toBe("in 1 hour");
    expect(later(30_000)).toBe("in 30 seconds");
    expect(later(-7_200_000)).toBe("2 hours ago");
    expect(timeUntil(new Date("not a date"), now)).toBe("unknown");
  });
});
