import { describe, expect, it } from "vitest";
import { WeirError } from "../../core/errors.ts";
import { MAX_ROLLOUT_MS, MIN_STEP_MS, parseRolloutTiming, planRollout, promoteTarget } from "../../core/rollout-plan.ts";

function refusal(fn: () => unknown): WeirError {
  try {
    fn();
  } catch (e) {
    if (e instanceof WeirError) return e;
    throw e;
  }
  throw new Error("expected a WeirError");
}

describe("parseRolloutTiming", () => {
  it("splits the duration into about 20 steps by default", () => {
    expect(parseRolloutTiming("10m")).toEqual({ durationMs: 600_000, intervalMs: 30_000 });
  });

  it("never defaults to steps shorter than 5 s", () => {
    expect(parseRolloutTiming("50s")).toEqual({ durationMs: 50_000, intervalMs: MIN_STEP_MS });
    expect(parseRolloutTiming("5s")).toEqual({ durationMs: 5_000, intervalMs: MIN_STEP_MS });
  });

  it("takes an explicit interval", () => {
    expect(parseRolloutTiming("10m", "1m")).toEqual({ durationMs: 600_000, intervalMs: 60_000 });
  });

  it("accepts 24 h and refuses more with 422", () => {
    expect(parseRolloutTiming("24h").durationMs).toBe(MAX_ROLLOUT_MS);
    const e = refusal(() => parseRolloutTiming("24h1s"));
    expect(e.status).toBe(422);
    expect(e.message).toMatch(/longer than the 24h/);
  });

  it("refuses a duration or interval that cannot be honoured with 422 and a reason", () => {
    for (const [d, i, text] of [
      ["4s", undefined, /too short.*at least 5s/],
      ["0s", undefined, /too short/],
      ["10m", "4s", /interval 4s is too short/],
      ["1m", "2m", /longer than the duration/],
    ] as const) {
      const e = refusal(() => parseRolloutTiming(d, i));
      expect(e.code).toBe("invalid");
      expect(e.status).toBe(422);
      expect(e.message).toMatch(text);
    }
  });

  it("refuses text that is not a duration with 400", () => {
    const e = refusal(() => parseRolloutTiming("ten minutes"));
    expect(e.status).toBe(400);
    expect(e.message).toContain("'ten minutes'");
    expect(refusal(() => parseRolloutTiming("10m", "1x")).status).toBe(400);
  });
});

describe("planRollout", () => {
  it("makes 10 evenly spaced steps from 0% to 50%", () => {
    const plan = planRollout({ v3: 0 }, { v3: 5000 }, parseRolloutTiming("10m", "1m"));
    expect(plan.steps).toHaveLength(10);
    expect(plan.steps.map((s) => s.at)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((k) => k * 60_000));
    expect(plan.steps.map((s) => s.weights.v3)).toEqual([500, 1000, 1500, 2000, 2500, 3000, 3500, 4000, 4500, 5000]);
  });

  it("never steps more often than the interval and ends at the duration", () => {
    const plan = planRollout({ v3: 0 }, { v3: 10_000 }, parseRolloutTiming("10m", "3m"));
    expect(plan.steps).toHaveLength(3);
    expect(plan.steps.at(-1)).toEqual({ at: 600_000, weights: { v3: 10_000 } });
    let last = 0;
    for (const s of plan.steps) {
      expect(s.at - last).toBeGreaterThanOrEqual(180_000);
      last = s.at;
    }
  });

  it("makes each step a whole-bp change and never more steps than bp to move", () => {
    const plan = planRollout({ v3: 0 }, { v3: 7 }, parseRolloutTiming("10m"));
    expect(plan.steps.map((s) => s.weights.v3)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    const odd = planRollout({ v3: 100 }, { v3: 3433 }, parseRolloutTiming("1h"));
    expect(odd.steps).toHaveLength(20);
    for (const s of odd.steps) expect(Number.isInteger(s.weights.v3)).toBe(true);
    const deltas = odd.steps.map((s, i) => s.weights.v3 - (i === 0 ? 100 : odd.steps[i - 1].weights.v3));
    expect(Math.max(...deltas) - Math.min(...deltas)).toBeLessThanOrEqual(1);
  });

  it("keeps every step's staged sum within 100% while moving weight between canaries", () => {
    const plan = planRollout({ a: 3333, b: 6667 }, { a: 6667, b: 3333 }, parseRolloutTiming("1h", "5s"));
    for (const s of plan.steps) {
      expect(s.weights.a + s.weights.b).toBe(10_000);
      expect(Number.isInteger(s.weights.a)).toBe(true);
    }
    expect(plan.steps.at(-1)!.weights).toEqual({ a: 6667, b: 3333 });
  });

  it("moves a revision missing from the target to 0 and keeps untouched ones", () => {
    const plan = planRollout({ v2: 1000, v3: 2000 }, { v2: 1000, v3: 0 }, parseRolloutTiming("1m"));
    for (const s of plan.steps) expect(s.weights.v2).toBe(1000);
    expect(plan.steps.at(-1)!.weights.v3).toBe(0);
    // monotone decrease
    const v3 = plan.steps.map((s) => s.weights.v3);
    expect([...v3].sort((x, y) => y - x)).toEqual(v3);
  });

  it("has no steps when the weights already are the target", () => {
    expect(planRollout({ v3: 5000 }, { v3: 5000 }, parseRolloutTiming("1m")).steps).toEqual([]);
  });

  it("refuses a target whose staged sum exceeds 100%", () => {
    const e = refusal(() => planRollout({ a: 0, b: 6000 }, { a: 5000, b: 6000 }, parseRolloutTiming("1m")));
    expect(e.status).toBe(422);
    expect(e.message).toMatch(/110%/);
  });
});

describe("promoteTarget", () => {
  it("ramps the only canary to 100%", () => {
    expect(promoteTarget({ v3: 1000 }, "v3")).toEqual({ v3: 10_000 });
  });

  it("takes the primary's share and leaves other canaries as they are", () => {
    expect(promoteTarget({ v2: 2000, v3: 1000 }, "v3")).toEqual({ v2: 2000, v3: 8000 });
  });

  it("refuses a version that is not staged", () => {
    expect(refusal(() => promoteTarget({ v3: 0 }, "v9")).status).toBe(422);
  });
});
