/** The weights form and the rollout panel's decisions. */
import { describe, expect, it } from "vitest";
import { inFlight, rolloutControls, rolloutHeadline, rolloutProgress, weightsText, type RolloutView } from "../../../dashboard/client/rollout-view.js";
import { primaryShare, weightChanges } from "../../../dashboard/client/weights.js";

describe("weightChanges", () => {
  const staged = [
    { version: "v3", weight: 0 },
    { version: "v4", weight: 10 },
  ];
  it("names only the revisions whose weight was changed", () => {
    expect(weightChanges(staged, { v3: "50", v4: "10" })).toEqual({ weights: { v3: 50 } });
    expect(weightChanges(staged, { v3: " 12.25 ", v4: "0" })).toEqual({ weights: { v3: 12.25, v4: 0 } });
    expect(weightChanges(staged, { v3: "0", v4: "10" })).toEqual({ weights: {} });
  });
  it("refuses an empty or non-numeric field and leaves range checks to the API", () => {
    expect(weightChanges(staged, { v3: "", v4: "10" })).toEqual({ error: "Weight of v3 is empty: enter a percent from 0 to 100" });
    expect(weightChanges(staged, { v3: "1", v4: "ten" })).toEqual({ error: "Weight of v4 is not a number: 'ten'" });
    // 150 is well-formed: the API's 422 names the rule it breaks
    expect(weightChanges(staged, { v3: "150", v4: "10" })).toEqual({ weights: { v3: 150 } });
  });
});

it("computes the primary's share exactly to the basis point", () => {
  const staged = [{ version: "v3" }, { version: "v4" }];
  expect(primaryShare(staged, { v3: "33.33", v4: "33.33" })).toBe(33.34);
  expect(primaryShare(staged, { v3: "60", v4: "50" })).toBe(-10);
  expect(primaryShare(staged, { v3: "", v4: "1" })).toBeNull();
});

describe("rollout panel", () => {
  const rollout = (over: Partial<RolloutView>): RolloutView => ({
    service: "test/svc",
    kind: "weights",
    status: "running",
    startedBy: "root",
    startedAt: "2026-04-20T12:00:00.000Z",
    duration: "10m",
    interval: "30s",
    step: 3,
    steps: 20,
    nextStepAt: "2026-04-20T12:02:00.000Z",
    from: { v3: 0 },
    current: { v3: 15 },
    target: { v3: 100 },
    analysis: null,
    lastAnalysis: null,
    endedAt: null,
    reason: null,
    failures: 0,
    lastError: null,
    ...over,
  });
  it("offers Pause while running, Resume while paused, Abort while in flight, nothing once ended", () => {
    expect(rolloutControls(rollout({}))).toEqual({ pause: true, resume: false, abort: true });
    expect(rolloutControls(rollout({ status: "paused" }))).toEqual({ pause: false, resume: true, abort: true });
    for (const status of ["completed", "aborted"] as const) {
      expect(rolloutControls(rollout({ status }))).toEqual({ pause: false, resume: false, abort: false });
      expect(inFlight(rollout({ status }))).toBe(false);
    }
  });
  it("says what it does and how far it is", () => {
    expect(rolloutHeadline(rollout({}))).toBe("weights rollout running: step 3 of 20");
    expect(rolloutHeadline(rollout({ kind: "promote", version: "v3", status: "aborted", reason: "aborted by root" }))).toBe("promote v3 rollout aborted: aborted by root");
    expect(rolloutProgress(rollout({}))).toBe(0.15);
    expect(rolloutProgress(rollout({ step: 0, steps: 0 }))).toBe(1);
    expect(weightsText({ v4: 5, v3: 12.5 })).toBe("v3 12.5%, v4 5%");
    expect(weightsText({})).toBe("–");
  });
});
