import { describe, expect, it } from "vitest";
import { WeirError } from "../../core/errors.ts";
import { checkDuration, parsePercent, parseRevisionRef, parseServiceRef, parseStack, parseWeightAssignment } from "../../cli/refs.ts";

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(WeirError);
    expect((err as WeirError).code).toBe("bad_request");
    return (err as WeirError).message;
  }
  throw new Error("expected a refusal");
}

describe("names users type", () => {
  it("parses stack/name and stack/name:version", () => {
    expect(parseServiceRef("test/svc")).toEqual({ stack: "test", name: "svc" });
    expect(parseRevisionRef("test/svc:v3")).toEqual({ stack: "test", name: "svc", version: "v3" });
    expect(parseRevisionRef("test/svc", true)).toEqual({ stack: "test", name: "svc" });
    expect(parseRevisionRef("test/svc:v3", true)).toEqual({ stack: "test", name: "svc", version: "v3" });
    expect(parseStack("test")).toBe("test");
  });

  it("refuses what the API would, with the core schema's words", () => {
    expect(refusal(() => parseServiceRef("svc"))).toBe("invalid service 'svc': must be 'stack/name'");
    expect(refusal(() => parseServiceRef("a/b/c"))).toBe("invalid service 'a/b/c': must be 'stack/name'");
    expect(refusal(() => parseServiceRef("Test/svc"))).toBe("invalid service 'Test/svc': stack and name must be DNS labels");
    expect(refusal(() => parseServiceRef("test/-svc"))).toContain("must be DNS labels");
    expect(refusal(() => parseRevisionRef("test/svc"))).toBe("invalid revision 'test/svc': must be 'stack/name:version'");
    expect(refusal(() => parseRevisionRef("test/svc:V3"))).toMatch(/^invalid version 'V3' in 'test\/svc:V3': must be a DNS label/);
    expect(refusal(() => parseRevisionRef("test/svc:"))).toMatch(/^invalid version ''/);
    expect(refusal(() => parseStack("a.b"))).toMatch(/^invalid stack 'a.b': must be a DNS label/);
  });
});

describe("weights and durations", () => {
  it("reads percent with up to two decimals, % optional", () => {
    expect(parseWeightAssignment("test/svc:v3=50%")).toEqual({ stack: "test", name: "svc", version: "v3", percent: 50 });
    expect(parseWeightAssignment("test/svc:v3=0.5").percent).toBe(0.5);
    expect(parseWeightAssignment("test/svc:v3=12.25%").percent).toBe(12.25);
    expect(parsePercent("100%")).toBe(100);
    expect(parsePercent("0")).toBe(0);
  });

  it("refuses over 100 %, three decimals, negatives and junk", () => {
    const message = refusal(() => parseWeightAssignment("test/svc:v3=150%"));
    expect(message).toBe("invalid weight '150%' for test/svc:v3: must be a percent from 0 to 100 with at most two decimals, like 50% or 0.5%");
    expect(refusal(() => parsePercent("12.345%"))).toContain("at most two decimals");
    expect(refusal(() => parsePercent("-1%"))).toContain("invalid weight '-1%'");
    expect(refusal(() => parsePercent("half"))).toContain("invalid weight 'half'");
    expect(refusal(() => parseWeightAssignment("test/svc:v3"))).toBe("invalid weight 'test/svc:v3': must be 'stack/name:version=P%'");
  });

  it("passes durations through after checking them", () => {
    expect(checkDuration("10m")).toBe("10m");
    expect(checkDuration("1h30m")).toBe("1h30m");
    expect(refusal(() => checkDuration("10 minutes"))).toBe("invalid duration '10 minutes': write it like 90s, 10m or 1h30m");
  });
});
