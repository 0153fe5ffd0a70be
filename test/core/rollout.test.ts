import { describe, expect, it } from "vitest";
import { WeirError } from "../../core/errors.ts";
import {
  aborted,
  analysisWindow,
  describeRollout,
  held,
  holdExpired,
  inFlight,
  isLastStep,
  newRollout,
  nextDueAt,
  paused,
  reachedWeights,
  released,
  resumed,
  rolloutInProgress,
  rolloutView,
  stepApplied,
  type RolloutRequest,
} from "../../core/rollout.ts";
import { parseRolloutTiming } from "../../core/rollout-plan.ts";

const T0 = 1_800_000_000_000;

function request(over: Partial<RolloutRequest> = {}): RolloutRequest {
  return {
    service: "t/svc",
    kind: "weights",
    current: { v3: 0, v2: 1000 },
    weights: { v3: 5000 },
    timing: parseRolloutTiming("10m", "1m"),
    actor: "root",
    now: T0,
    configVersion: 7,
    ...over,
  };
}

describe("rollout life", () => {
  it("steps on schedule to its target and completes", () => {
    let r = newRollout(request());
    expect(r.status).toBe("running");
    expect(r.steps).toHaveLength(10);
    expect(r.target).toEqual({ v3: 5000, v2: 1000 });
    expect(r.canaries).toEqual(["v3"]);
    for (let k = 0; k < 10; k++) {
      expect(nextDueAt(r)).toBe(T0 + (k + 1) * 60_000);
      expect(isLastStep(r)).toBe(k === 9);
      r = stepApplied(r, T0 + (k + 1) * 60_000);
      expect(reachedWeights(r).v3).toBe((k + 1) * 500);
      expect(reachedWeights(r).v2).toBe(1000);
    }
    expect(r.status).toBe("completed");
    expect(nextDueAt(r)).toBeNull();
    expect(inFlight(r)).toBe(false);
  });

  it("holds while paused and pushes later steps back by the pause", () => {
    let r = stepApplied(newRollout(request()), T0 + 60_000);
    r = paused(r, T0 + 90_000);
    expect(nextDueAt(r)).toBeNull();
    expect(inFlight(r)).toBe(true);
    r = resumed(r, T0 + 390_000); // paused 5 minutes
    expect(nextDueAt(r)).toBe(T0 + 120_000 + 300_000);
    expect(paused(paused(r, T0 + 400_000), T0 + 500_000).pausedAt).toBe(T0 + 400_000);
  });

  it("can start paused", () => {
    const r = newRollout(request({ pause: true }));
    expect(r.status).toBe("paused");
    expect(nextDueAt(r)).toBeNull();
    expect(nextDueAt(resumed(r, T0 + 30_000))).toBe(T0 + 90_000);
  });

  it("a promote ramps the revision to the primary's whole share and does not complete on the last step", () => {
    let r = newRollout(request({ kind: "promote", version: "v3", weights: undefined }));
    expect(r.target).toEqual({ v3: 9000, v2: 1000 });
    for (let k = 0; k < r.steps.length; k++) r = stepApplied(r, T0);
    expect(r.status).toBe("running");
    expect(nextDueAt(r)).toBeNull();
  });

  it("refuses a rollout with nothing to do, and changes to an ended one", () => {
    expect(() => newRollout(request({ weights: { v3: 0 } }))).toThrow(/nothing to roll out/);
    const done = aborted(newRollout(request()), T0, "by hand");
    const e = (() => {
      try {
        paused(done, T0);
      } catch (error) {
        return error as WeirError;
      }
    })();
    expect(e?.status).toBe(409);
  });

  it("judges at least the last minute, since the previous step, never before the start", () => {
    let r = newRollout(request({ timing: parseRolloutTiming("1m", "5s") }));
    expect(analysisWindow(r, T0 + 5_000)).toEqual({ from: T0, to: T0 + 5_000 });
    r = stepApplied(r, T0 + 5_000);
    expect(analysisWindow(r, T0 + 10_000).from).toBe(T0);
    r = { ...r, lastStepAt: T0 + 200_000 };
    expect(analysisWindow(r, T0 + 300_000).from).toBe(T0 + 200_000);
  });
});

describe("rollout text and view", () => {
  it("describes itself and refuses conflicting changes with 409", () => {
    const r = newRollout(request({ analysis: { maxErrorRate: 5, minRequests: 20 } }));
    expect(describeRollout(r)).toBe("weight v3=50% over 10m in 10 steps, abort above 5% errors (min 20 requests)");
    const e = rolloutInProgress(r);
    expect(e.code).toBe("rollout_in_progress");
    expect(e.status).toBe(409);
  });

  it("shows percent weights and ISO times", () => {
    const v = rolloutView(stepApplied(newRollout(request()), T0 + 60_000));
    expect(v).toMatchObject({
      status: "running",
      step: 1,
      steps: 10,
      duration: "10m",
      interval: "1m",
      from: { v3: 0, v2: 10 },
      current: { v3: 5, v2: 10 },
      target: { v3: 50, v2: 10 },
      nextStepAt: new Date(T0 + 120_000).toISOString(),
    });
  });
});

describe("holds on an unhealthy canary (DESIGN §13)", () => {
  it("recheck every 10 s, abort after three steps' worth, and push later steps back by the time held", () => {
    const r = newRollout(request());
    expect(nextDueAt(r)).toBe(T0 + 60_000);
    let h = held(r, T0 + 60_000, "v3 unhealthy");
    expect(nextDueAt(h)).toBe(T0 + 70_000);
    h = held(h, T0 + 70_000, "v3 unhealthy");
    expect(h.heldSince).toBe(T0 + 60_000);
    expect(nextDueAt(h)).toBe(T0 + 80_000);
    // the last recheck lands on the limit exactly
    h = held(h, T0 + 235_000, "v3 unhealthy");
    expect(nextDueAt(h)).toBe(T0 + 60_000 + 180_000);
    expect(holdExpired(h, T0 + 239_999)).toBe(false);
    expect(holdExpired(h, T0 + 240_000)).toBe(true);
    expect(rolloutView(h).held).toEqual({
      since: new Date(T0 + 60_000).toISOString(),
      reason: "v3 unhealthy",
      abortsAt: new Date(T0 + 240_000).toISOString(),
    });

    const going = released(h, T0 + 100_000);
    expect(going.heldSince).toBeNull();
    expect(rolloutView(going).held).toBeNull();
    expect(nextDueAt(going)).toBe(T0 + 100_000);
    expect(nextDueAt(stepApplied(going, T0 + 100_000))).toBe(T0 + 160_000);
  });

  it("a pause during a hold does not count towards its limit", () => {
    const h = held(newRollout(request()), T0 + 60_000, "v3 unhealthy");
    const back = resumed(paused(h, T0 + 70_000), T0 + 670_000);
    expect(back.heldSince).toBe(T0 + 660_000);
    expect(holdExpired(back, T0 + 670_000)).toBe(false);
    expect(nextDueAt(back)).toBe(T0 + 680_000);
  });
});
