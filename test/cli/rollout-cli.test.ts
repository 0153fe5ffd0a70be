/**
 * Timed rollouts and edge statistics through the real `weir` binary against a running
 * `wrangler dev` (issue 6): rollout status/pause/resume/abort, stats, the error rate in
 * `weir ps`, and end to end a canary whose origin answers 500 to everything, aborted by the
 * server's own alarm while `weir rollout status --watch` follows it, with the rate in
 * `weir history`.
 */
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RolloutView } from "../../core/rollout.ts";
import type { StatsView } from "../../core/stats-view.ts";
import { edgeGet } from "../../scripts/edge-request.ts";
import { startLocalWeir, type LocalWeir } from "../e2e/local-weir.ts";
import { expectFailure, expectSuccess } from "../e2e/cli-checks.ts";

let weir: LocalWeir;
let failing: Server;
let failingUrl: string;

beforeAll(async () => {
  failing = createServer((req, res) => {
    req.resume();
    res.writeHead(500, { "content-type": "text/plain" }).end("Internal Server Error");
  });
  await new Promise<void>((resolve) => failing.listen(0, "127.0.0.1", resolve));
  failingUrl = `http://127.0.0.1:${(failing.address() as { port: number }).port}`;
  weir = await startLocalWeir();
});

afterAll(async () => {
  await weir?.stop();
  failing?.closeAllConnections();
  await new Promise<void>((resolve) => (failing ? failing.close(() => resolve()) : resolve()));
});

async function ok(...args: string[]): Promise<string> {
  return expectSuccess(args, await weir.weir(args));
}

async function fails(args: string[], message: string): Promise<void> {
  expectFailure(args, await weir.weir(args), message);
}

describe("weir rollout", () => {
  it("starts, shows, pauses, resumes and aborts a timed weight change", async () => {
    await ok("run", "--name", "cli/ro", weir.v1.url);
    await ok("stage", "--origin", weir.v3.url, "cli/ro:v3");
    const out = await ok("weight", "cli/ro:v3=50%", "--duration", "10m", "--interval", "1m", "--max-error-rate", "5%", "--min-requests", "5");
    expect(out).toMatch(/^rollout of cli\/ro started: v3 0% → 50% over 10m in 10 steps, abort above 5% errors \(config version \d+\)\n$/);

    const status = await ok("rollout", "status", "cli/ro");
    expect(status).toContain("cli/ro rollout (weights over 10m) running: step 0/10, next step in ");
    expect(status).toMatch(/\n {2}v3 {2}\[░{15}\|░{14}\] +0% → 50% \(from 0%\)\n/);
    expect(status).toMatch(/\n {2}v0 {2}\[█{30}\] +100% → 50% \(from 100%\)\n/);
    expect(status).toContain("analysis: abort above 5% errors, at least 5 responses");

    await fails(["weight", "cli/ro:v3=10%"], "cli/ro has a rollout in flight");
    await fails(["promote", "cli/ro:v3", "--duration", "5m"], "cli/ro has a rollout in flight");
    await fails(["weight", "cli/ro:v3=10%", "--duration", "3s", "--force"], "too short");
    await fails(["weight", "cli/ro:v3=10%", "--duration", "1m", "--max-error-rate", "5x"], "--max-error-rate");

    expect(await ok("rollout", "pause", "cli/ro")).toBe("cli/ro rollout paused at step 0/10\n");
    const paused = JSON.parse(await ok("rollout", "status", "cli/ro", "-o", "json")) as RolloutView;
    expect(paused).toMatchObject({ status: "paused", nextStepAt: null });
    expect(await ok("rollout", "resume", "cli/ro")).toBe("cli/ro rollout running at step 0/10\n");
    expect(await ok("rollout", "abort", "cli/ro")).toMatch(/^cli\/ro rollout aborted at step 0\/10 \(config version \d+\)\n$/);
    await fails(["rollout", "abort", "cli/ro"], "has already been aborted");
    await fails(["rollout", "status", "cli/none"], "no service cli/none");

    // --force replaces a rollout in flight
    await ok("weight", "cli/ro:v3=20%", "--duration", "10m");
    const forced = await ok("weight", "cli/ro:v3=30%", "--duration", "20m", "--force");
    expect(forced).toContain("v3 0% → 30% over 20m in 20 steps");
    await ok("rollout", "abort", "cli/ro");

    const promoting = await ok("promote", "cli/ro:v3", "--duration", "5m", "--interval", "1m");
    expect(promoting).toMatch(/^rollout of cli\/ro started: promote v3 after ramping v3 0% → 100% over 5m in 5 steps \(config version \d+\)\n$/);
    expect(await ok("rollout", "status", "cli/ro")).toContain("cli/ro rollout (promote v3 over 5m) running: step 0/5");
    await ok("rollout", "abort", "cli/ro");
  });
});

describe("weir stats and ps", () => {
  it("shows per-revision counts and error rates seen at the edge", async () => {
    await ok("run", "--name", "cli/st", weir.v1.url);
    await ok("stage", "--origin", failingUrl, "cli/st:bad");
    for (let i = 0; i < 4; i++) expect((await edgeGet(weir.url("st-bad.cli"))).status).toBe(500);
    for (let i = 0; i < 6; i++) expect((await edgeGet(weir.url("st-v0.cli"))).status).toBe(200);

    // counts arrive within the isolate's flush interval (5 s): wait for them
    let view: StatsView | undefined;
    for (let tries = 0; tries < 100; tries++) {
      view = JSON.parse(await ok("stats", "cli/st", "-o", "json")) as StatsView;
      if (view.revisions.every((r) => r.requests > 0)) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(view!.revisions).toEqual([
      expect.objectContaining({ version: "v0", requests: 6, errors: 0, errorRate: 0, pinned: expect.objectContaining({ requests: 6 }) }),
      expect.objectContaining({ version: "bad", requests: 4, errors: 4, errorRate: 100, weighted: expect.objectContaining({ requests: 0 }) }),
    ]);
    const table = await ok("stats", "cli/st", "--window", "1h");
    expect(table.split("\n")[0]).toMatch(
      /^REVISION +REQUESTS +WEIGHTED +PINNED +MIRRORED +RETRIES +ABORTED +DELAYED +2XX +3XX +4XX +5XX +ORIGIN ERRORS +ERROR RATE +WEIGHTED ERROR RATE +P50 +P95 +P99$/,
    );
    // version-host traffic is pinned: it shows, but is not what a rollout judges
    expect(table).toMatch(/\nbad +4 +0 +4 +0 +0 +0 +0 +0 +0 +0 +4 +0 +100% +- /);
    await fails(["stats", "cli/st", "--window", "1s"], "window 1s must be between 10s and 24h");

    const ps = await ok("ps");
    expect(ps.split("\n").find((l) => l.startsWith("cli/st:bad "))).toMatch(/errors=100%$/);
    expect(ps.split("\n").find((l) => l.startsWith("cli/st "))).not.toContain("errors=");
    // a healthy revision and a service without traffic show no rate
    expect(ps.split("\n").find((l) => l.startsWith("cli/ro "))).not.toContain("errors=");
  });
});

describe("automatic abort, end to end", () => {
  it("aborts a rollout whose canary origin answers 500, and weir history says so with the rate", async () => {
    await ok("run", "--name", "cli/auto", "--affinity", "header:x-user", weir.v1.url);
    await ok("stage", "--origin", failingUrl, "--weight", "10%", "cli/auto:bad");
    // Started paused: the users the weights send to the canary fail, and their counts
    // reach the stats store, before the clock of the first step (10 s after resume) starts.
    // Only weighted traffic is judged (issue 9): the users are picked by sticky key.
    await ok("weight", "cli/auto:bad=50%", "--duration", "20s", "--interval", "10s", "--max-error-rate", "5%", "--min-requests", "5", "--pause");
    let failed = 0;
    for (let user = 0; failed < 8 && user < 1000; user++) {
      const res = await edgeGet(weir.url("auto.cli"), { "x-user": `user-${user}` });
      if (res.headers["weir-revision"] === "bad") {
        expect(res.status).toBe(500);
        failed++;
      }
    }
    expect(failed).toBe(8);
    for (let tries = 0; tries < 100; tries++) {
      const view = JSON.parse(await ok("stats", "cli/auto", "-o", "json")) as StatsView;
      if (view.revisions.find((r) => r.version === "bad")?.weighted.responses === 8) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    await ok("rollout", "resume", "cli/auto");

    // --watch returns when the rollout ends: an abort exits 1 with the reason on stderr
    const watch = await weir.weir(["rollout", "status", "cli/auto", "--watch"]);
    expect(watch.code).toBe(1);
    expect(watch.stderr).toBe("error: the rollout of cli/auto was aborted at step 0/2: error rate: bad: 8 of 8 weighted responses failed (100%), above the 5% limit\n");
    const watched = watch.stdout;
    expect(watched).toContain("cli/auto rollout (weights over 20s) aborted: step 0/2");
    expect(watched).toContain("bad: 8/8 failed (100%) → fail");

    const history = await ok("history", "cli/auto");
    const last = history.trimEnd().split("\n").at(-1) as string;
    expect(last).toContain("rollout cli/auto error rate: bad: 8 of 8 weighted responses failed (100%), above the 5% limit; back to bad=10%");
    const status = JSON.parse(await ok("rollout", "status", "cli/auto", "-o", "json")) as RolloutView;
    expect(status).toMatchObject({ status: "aborted", current: { bad: 10 } });
  });
});
