/**
 * `weir rollout status --watch` and `weir weight|promote --duration … --wait` as a CI job
 * uses them (issue 11), through the real `weir` binary against a running `wrangler dev`:
 * exit 0 when the rollout completes, 1 with the reason on stderr when it aborts, is
 * superseded or outlasts --timeout; `-o json` prints the final status alone.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RolloutView } from "../../core/rollout.ts";
import { startLocalWeir, type CliResult, type LocalWeir } from "../e2e/local-weir.ts";
import { expectSuccess } from "../e2e/cli-checks.ts";

let weir: LocalWeir;

beforeAll(async () => {
  weir = await startLocalWeir();
});

afterAll(async () => {
  await weir?.stop();
});

/** Setup and checks run in-process (same code as the binary, no Node startup); the commands under test run as the real binary. */
async function ok(...args: string[]): Promise<string> {
  return expectSuccess(args, await weir.cli(args));
}

/**
 * Resolves once the service's rollout is in flight (the waiting command has started it), or,
 * with `orEnded`, once it has started at all: a second poller may first look after the
 * test has already aborted it.
 */
async function rolloutRunning(service: string, orEnded = false): Promise<RolloutView> {
  for (let tries = 0; tries < 200; tries++) {
    const res = await weir.cli(["rollout", "status", service, "-o", "json"]);
    if (res.code === 0) {
      const r = JSON.parse(res.stdout) as RolloutView;
      if (r.status === "running" || orEnded) return r;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no rollout of ${service} started`);
}

function failed(res: CliResult, message: string): void {
  expect(res.code, res.stdout + res.stderr).toBe(1);
  expect(res.stderr).toMatch(/^error: [^\n]+\n$/);
  expect(res.stderr).toContain(message);
}

describe("--wait and --watch", () => {
  it("exit 0 when the rollout completes, with its frames on stdout", async () => {
    await ok("run", "--name", "ci/done", weir.v1.url);
    await ok("stage", "--origin", weir.v3.url, "ci/done:v3");
    const done = await weir.weir(["promote", "ci/done:v3", "--duration", "10s", "--interval", "5s", "--wait"]);
    expect(done.stderr).toBe("");
    expect(done.code).toBe(0);
    const out = done.stdout;
    expect(out).toMatch(/^rollout of ci\/done started: promote v3 after ramping v3 0% → 100% over 10s in 2 steps \(config version \d+\)\n/);
    expect(out).toContain("ci/done rollout (promote v3 over 10s) running: step 0/2");
    expect(out.trimEnd().split("\n").filter((l) => !l.startsWith("  ")).at(-1)).toContain("ci/done rollout (promote v3 over 10s) completed: step 2/2");
    expect(JSON.parse(await ok("inspect", "ci/done", "-o", "json")).version).toBe("v3");

    // a watch of a rollout that has completed returns at once, with 0; -o json prints it
    const watched = await weir.weir(["rollout", "status", "ci/done", "--watch", "-o", "json"]);
    expect(watched.code).toBe(0);
    const final = JSON.parse(watched.stdout) as RolloutView;
    expect(final).toMatchObject({ service: "ci/done", status: "completed", step: 2, steps: 2 });
  });

  it("exit 1 with the reason on stderr when the rollout is aborted; -o json prints the final status", async () => {
    await ok("run", "--name", "ci/abort", weir.v1.url);
    await ok("stage", "--origin", weir.v3.url, "ci/abort:v3");
    const waiting = weir.weir(["weight", "ci/abort:v3=50%", "--duration", "10m", "--wait", "-o", "json"]);
    const watching = (async () => {
      await rolloutRunning("ci/abort", true);
      return weir.weir(["rollout", "status", "ci/abort", "--watch"]);
    })();
    await rolloutRunning("ci/abort");
    await ok("rollout", "abort", "ci/abort");

    const waited = await waiting;
    failed(waited, "the rollout of ci/abort was aborted at step 0/20: aborted by root");
    expect(JSON.parse(waited.stdout)).toMatchObject({ service: "ci/abort", status: "aborted", reason: "aborted by root", current: { v3: 0 } });
    const watched = await watching;
    failed(watched, "the rollout of ci/abort was aborted at step 0/20: aborted by root");
    expect(watched.stdout).toContain("ci/abort rollout (weights over 10m) aborted: step 0/20");

    // and so does a later watch of that aborted rollout
    failed(await weir.weir(["rollout", "status", "ci/abort", "--watch"]), "was aborted at step 0/20");
  });

  it("exit 1 when another rollout supersedes the one waited for, or --timeout passes; the rollout goes on", async () => {
    await ok("run", "--name", "ci/other", weir.v1.url);
    await ok("stage", "--origin", weir.v3.url, "ci/other:v3");
    const waiting = weir.weir(["weight", "ci/other:v3=50%", "--duration", "10m", "--wait"]);
    await rolloutRunning("ci/other");
    await ok("weight", "ci/other:v3=20%", "--duration", "20m", "--force");
    failed(await waiting, "the rollout of ci/other was superseded by another, started by root at ");

    const timedOut = await weir.weir(["rollout", "status", "ci/other", "--watch", "--timeout", "2s", "-o", "json"]);
    failed(timedOut, "the rollout of ci/other is still running at step 0/20 after 2s; it goes on without this watch");
    expect(JSON.parse(timedOut.stdout)).toMatchObject({ status: "running", duration: "20m" });
    expect((JSON.parse(await ok("rollout", "status", "ci/other", "-o", "json")) as RolloutView).status).toBe("running");
    await ok("rollout", "abort", "ci/other");
  });
});
