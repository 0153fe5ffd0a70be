// `weir rollout status` rendering (issue 6): the progress bar and the status frame.
import { describe, expect, it } from "vitest";
import type { RolloutView } from "../../core/rollout.ts";
import { progressBar, renderRollout } from "../../cli/rollout-progress.ts";
import { startedLine } from "../../cli/rollout-options.ts";

const NOW = new Date("2026-11-26T10:00:00Z");

function view(over: Partial<RolloutView> = {}): RolloutView {
  return {
    service: "test/svc",
    kind: "weights",
    status: "running",
    startedBy: "root",
    startedAt: "2026-11-26T09:57:00Z",
    duration: "10m",
    interval: "1m",
    step: 3,
    steps: 10,
    nextStepAt: "2026-11-26T10:00:45Z",
    from: { v3: 0 },
    current: { v3: 15 },
    target: { v3: 50 },
    analysis: null,
    lastAnalysis: null,
    endedAt: null,
    reason: null,
    failures: 0,
    lastError: null,
    ...over,
  };
}

describe("progressBar", () => {
  it("fills up to the current weight and marks the target", () => {
    expect(progressBar(0, 50, 10)).toBe("[░░░░░|░░░░]");
    expect(progressBar(30, 50, 10)).toBe("[███░░|░░░░]");
    expect(progressBar(50, 50, 10)).toBe("[█████|░░░░]");
    expect(progressBar(100, 100, 10)).toBe("[██████████]");
    expect(progressBar(0, 100, 10)).toBe("[░░░░░░░░░|]");
  });
});

describe("renderRollout", () => {
  it("shows state, step, countdown and a bar per moving revision plus the primary", () => {
    const text = renderRollout(view(), NOW, "v0");
    const lines = text.trimEnd().split("\n");
    expect(lines[0]).toBe("test/svc rollout (weights over 10m) running: step 3/10, next step in 45s");
    expect(lines[1]).toMatch(/^ {2}v3 {2}\[█{5}░{10}\|░{14}\] +15% → 50% \(from 0%\)$/);
    expect(lines[2]).toMatch(/^ {2}v0 {2}\[█{26}░{4}\] +85% → 50% \(from 100%\)$/);
  });

  it("shows a step that failed and is being retried, and later that it recovered (issue 9)", () => {
    const lastError = { at: "2026-11-26T09:59:58.000Z", message: "injected step failure" };
    const failing = renderRollout(view({ failures: 2, lastError }), NOW, "v0");
    expect(failing).toContain("\n  retrying: 2 failed attempts in a row, the last 2026-11-26T09:59:58.000Z: injected step failure\n");
    const recovered = renderRollout(view({ failures: 0, lastError }), NOW, "v0");
    expect(recovered).toContain("\n  recovered from an error at 2026-11-26T09:59:58.000Z: injected step failure\n");
    // a server from before issue 9 sends neither field
    const old = view();
    delete (old as Partial<RolloutView>).failures;
    delete (old as Partial<RolloutView>).lastError;
    expect(renderRollout(old, NOW, "v0")).not.toContain("retrying");
  });

  it("says why a rollout ended and what the analysis measured", () => {
    const text = renderRollout(
      view({
        status: "aborted",
        nextStepAt: null,
        analysis: { maxErrorRate: 5, minRequests: 10 },
        lastAnalysis: [
          { verdict: "fail", version: "v3", requests: 20, responses: 20, errors: 7, errorRate: 35, maxErrorRate: 5, minRequests: 10 },
        ],
        reason: "error rate: v3: 7 of 20 responses failed (35%), above the 5% limit",
      }),
      NOW,
    );
    expect(text.split("\n")[0]).toBe("test/svc rollout (weights over 10m) aborted: step 3/10");
    expect(text).toContain("  analysis: abort above 5% errors, at least 10 responses\n");
    expect(text).toContain("  v3: 7/20 failed (35%) → fail\n");
    expect(text).toContain("  aborted: error rate: v3: 7 of 20 responses failed (35%), above the 5% limit\n");
    expect(text).toContain("  primary  ");
  });

  it("tells a paused rollout how to continue", () => {
    expect(renderRollout(view({ status: "paused", nextStepAt: null }), NOW, "v0").split("\n")[0]).toBe(
      "test/svc rollout (weights over 10m) paused: step 3/10 (resume to continue)",
    );
  });
});

describe("startedLine", () => {
  it("names the moves, the duration, the steps and the gate", () => {
    const line = startedLine(view({ step: 0, current: { v3: 0 }, analysis: { maxErrorRate: 2.5, minRequests: 0 } }), 12);
    expect(line).toBe("rollout of test/svc started: v3 0% → 50% over 10m in 10 steps, abort above 2.5% errors (config version 12)\n");
    const promote = startedLine(view({ kind: "promote", version: "v3", target: { v3: 100 }, status: "paused" }), undefined);
    expect(promote).toBe("rollout of test/svc started: promote v3 after ramping v3 0% → 100% over 10m in 10 steps (paused: weir rollout resume starts it)\n");
  });
});
