/**
 * Origin health end to end (DESIGN §13): a real `wrangler dev` whose HealthChecker alarms
 * fire by themselves, real origins stopped and restarted on the same port, the real `weir`
 * binary with Rio's health flags, `weir ps` STATE/DETAIL, `weir inspect`, `weir health`,
 * and data-plane requests with the service Host header. Checks run every 5 s (the
 * shortest interval) and decide on one result, so each change is awaited by polling
 * `weir health`, never assumed.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import type { ServiceHealthView } from "../../core/health-view.ts";
import type { ServiceList } from "../../core/views.ts";
import { startOrigin, type DemoOrigin } from "../../scripts/demo-origins.ts";
import { edgeGet } from "../../scripts/edge-request.ts";
import { startLocalWeir, type LocalWeir } from "./local-weir.ts";
import { expectSuccess } from "./cli-checks.ts";

let weir: LocalWeir;
const origins: DemoOrigin[] = [];

beforeAll(async () => {
  weir = await startLocalWeir();
});

afterAll(async () => {
  await Promise.allSettled(origins.map((o) => o.close()));
  await weir?.stop();
});

async function ok(...args: string[]): Promise<string> {
  return expectSuccess(args, await weir.weir(args));
}

async function health(): Promise<ServiceHealthView> {
  return JSON.parse(await ok("health", "hc/svc", "-o", "json")) as ServiceHealthView;
}

/** Polls `weir health` until `done` holds (checks run every 5 s), for at most 40 s. */
async function until(what: string, done: (view: ServiceHealthView) => boolean): Promise<ServiceHealthView> {
  const deadline = Date.now() + 40_000;
  for (;;) {
    const view = await health();
    if (done(view)) return view;
    if (Date.now() > deadline) throw new Error(`${what} did not happen within 40 s: ${JSON.stringify(view)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

const stateOf = (view: ServiceHealthView, version: string, url: string) =>
  view.revisions.find((r) => r.version === version)?.origins.find((o) => o.origin === url)?.state;

function psRow(stdout: string, name: string): string[] {
  const line = stdout.split("\n").find((l) => l.startsWith(`${name} `));
  expect(line, stdout).toBeDefined();
  return (line as string).split(/ {2,}/);
}

describe("origin health through the CLI and wrangler dev", () => {
  it("flags set the checks; a stopped origin shows in ps, its revision's users go to the primary with no failure, and come back", async () => {
    const a = await startOrigin(0, "canary a");
    const b = await startOrigin(0, "canary b");
    origins.push(a, b);
    const flags = ["--health-url", "/healthz", "--health-interval", "5s", "--health-timeout", "1s", "--health-failure-threshold", "1", "--health-success-threshold", "1"];
    await ok("run", "--name", "hc/svc", "--affinity", "header:X-User", ...flags, weir.v1.url);
    await ok("stage", "--origin", a.url, "--origin", b.url, "--weight", "50%", ...flags, "hc/svc:v3");

    const list = JSON.parse(await ok("ps", "-o", "json")) as ServiceList;
    const svc = list.services.find((s) => s.id === "hc/svc");
    const settings = { path: "/healthz", interval: "5s", timeout: "1s", healthyThreshold: 1, unhealthyThreshold: 1 };
    expect(svc?.health).toEqual(settings);
    expect(svc?.revisions[0].health).toEqual(settings);

    await until("the first checks", (v) => v.revisions.every((r) => r.origins.every((o) => o.state === "up")));
    const users = Array.from({ length: 40 }, (_, i) => `user-${i}`);
    const host = weir.url("svc.hc");
    const before = await Promise.all(users.map((u) => edgeGet(host, { "x-user": u })));
    expect(before.every((r) => r.status === 200)).toBe(true);
    const onCanary = users.filter((_, i) => before[i].headers["weir-revision"] === "v3");
    expect(onCanary.length).toBeGreaterThan(5);

    // One of two origins down: ps says healthy 1/2, the revision keeps serving from the other.
    await a.close();
    await until("a marked down", (v) => stateOf(v, "v3", a.url) === "down");
    const half = psRow(await ok("ps"), "hc/svc:v3");
    expect(half[5]).toBe("active");
    expect(half[7]).toBe("healthy 1/2");

    // Both down: STATE unhealthy, and once the record has reached the edge (its route cache
    // lives 300 ms here) not one request fails: the canary's users are served by the primary.
    await b.close();
    await until("b marked down", (v) => stateOf(v, "v3", b.url) === "down");
    expect(psRow(await ok("ps"), "hc/svc:v3")[5]).toBe("unhealthy");
    await new Promise((r) => setTimeout(r, 1_000));
    const during = await Promise.all(users.map((u) => edgeGet(host, { "x-user": u })));
    expect(during.map((r) => r.status).filter((s) => s !== 200)).toEqual([]);
    expect(during.every((r) => r.headers["weir-revision"] === "v0" && r.body === "Hello World\n")).toBe(true);

    // inspect shows each origin's health, with the last error
    const inspected = parse(await ok("inspect", "hc/svc")) as { originHealth: ServiceHealthView["revisions"] };
    const v3 = inspected.originHealth.find((r) => r.version === "v3");
    expect(v3?.origins.map((o) => o.state)).toEqual(["down", "down"]);
    expect(v3?.origins[0].lastError).toMatch(/cannot connect/);
    expect(await ok("health", "hc/svc")).toMatch(/^v3\s+http:\/\/127\.0\.0\.1:\d+\s+down\s+/m);

    // Restarted on the same ports: back up, and the same users return to the canary.
    origins.push(await startOrigin(a.port, "canary a"), await startOrigin(b.port, "canary b"));
    await until("the canary back up", (v) => stateOf(v, "v3", a.url) === "up" && stateOf(v, "v3", b.url) === "up");
    expect(psRow(await ok("ps"), "hc/svc:v3")[5]).toBe("active");
    await new Promise((r) => setTimeout(r, 1_000));
    const after = await Promise.all(users.map((u) => edgeGet(host, { "x-user": u })));
    expect(after.map((r) => r.headers["weir-revision"])).toEqual(before.map((r) => r.headers["weir-revision"]));

    // health changes are not config changes: history has the run and the stage only
    const history = await ok("history", "hc/svc");
    expect(history.trimEnd().split("\n").slice(1)).toHaveLength(2);

    // the export carries the settings, and applies back unchanged
    const exported = await ok("export", "hc");
    expect(parse(exported).services.svc.revisions.v3.health).toEqual(settings);
  });
});
