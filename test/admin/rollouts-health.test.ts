// Timed rollouts and origin health (DESIGN §13): a step does not advance while a revision
// the rollout grows has every origin down; once it recovers the rollout goes on, later steps
// pushed back by the time held; held for three steps' worth, it aborts with the reason in
// history and in its status. The canary's origin is a real server, stopped and started; the
// checks and the steps run through runDurableObjectAlarm, and the store's clock is moved
// forward instead of sleeping.
import { runDurableObjectAlarm } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import type { RolloutView } from "../../core/rollout.ts";
import type { ServiceView } from "../../core/views.ts";
import { api, currentVersion, inStore, json, origin, run, storeStub, uniqueStack } from "./helpers.ts";
import { checkRound, firstRound, MANUAL, switchableOrigin } from "./health-helpers.ts";

const started: string[] = [];

afterEach(async () => {
  await inStore((store) => {
    store.clock = () => Date.now();
  });
  for (const id of started.splice(0)) await (await api("POST", `/v1/services/${id}/rollout/abort`)).arrayBuffer();
});

async function status(stack: string): Promise<RolloutView> {
  return json<RolloutView>(await api("GET", `/v1/services/${stack}/svc/rollout`));
}

async function canaryWeight(stack: string): Promise<number> {
  return (await json<ServiceView>(await api("GET", `/v1/services/${stack}/svc`))).revisions[0].weight;
}

async function history(stack: string): Promise<{ operation: string; summary: string }[]> {
  return (await json(await api("GET", `/v1/history?service=${stack}/svc`))).entries;
}

/** A service whose checked canary v3 is down, and a 10-step rollout of it to 50 % over 10 minutes. */
async function heldRollout() {
  const stack = uniqueStack("rh");
  const id = `${stack}/svc`;
  const canary = await switchableOrigin("canary");
  await run(stack);
  await api("POST", `/v1/services/${id}/revisions`, { body: { version: "v3", origins: [canary.url], health: MANUAL } }).then((r) => r.arrayBuffer());
  await firstRound(id);
  const r = await json<RolloutView>(await api("PUT", `/v1/services/${id}/weights`, { body: { weights: { v3: 50 }, duration: "10m", interval: "1m" } }), 202);
  started.push(id);
  await canary.stop();
  await checkRound(id);
  await checkRound(id);
  expect((await json<ServiceView>(await api("GET", `/v1/services/${id}`))).revisions[0].state).toBe("unhealthy");
  return { stack, id, canary, startedAt: Date.parse(r.startedAt) };
}

async function moveClock(ms: number): Promise<void> {
  await inStore((store) => {
    store.clock = () => Date.now() + ms;
  });
}

describe("a rollout whose canary is unhealthy", () => {
  it("holds its step (no weight change, no config version, no history entry), then goes on once it recovers", async () => {
    const { stack, canary, startedAt } = await heldRollout();
    const version = await currentVersion();
    const entries = (await history(stack)).length;

    expect(await runDurableObjectAlarm(storeStub())).toBe(true);
    const held = await status(stack);
    expect(held).toMatchObject({ status: "running", step: 0 });
    expect(held.held?.reason).toBe("v3 unhealthy (every origin down)");
    expect(Date.parse(held.held?.abortsAt as string) - Date.parse(held.held?.since as string)).toBe(3 * 60_000);
    // rechecked 10 s later, not at the next step
    expect(Date.parse(held.nextStepAt as string) - Date.parse(held.held?.since as string)).toBe(10_000);
    expect(await canaryWeight(stack)).toBe(0);
    expect(await currentVersion()).toBe(version);
    expect((await history(stack)).length).toBe(entries);

    // still down a minute and a half later: still held, from the same moment
    await moveClock(90_000);
    expect(await runDurableObjectAlarm(storeStub())).toBe(true);
    expect((await status(stack)).held?.since).toBe(held.held?.since);
    expect(await canaryWeight(stack)).toBe(0);

    // recovered: the next look applies the step, and the held time pushes the schedule back
    await canary.start();
    await checkRound(`${stack}/svc`);
    await checkRound(`${stack}/svc`);
    expect(await runDurableObjectAlarm(storeStub())).toBe(true);
    const going = await status(stack);
    expect(going).toMatchObject({ status: "running", step: 1, held: null });
    expect(await canaryWeight(stack)).toBe(5);
    const heldFor = Date.now() + 90_000 - Date.parse(held.held?.since as string);
    const due = Date.parse(going.nextStepAt as string) - startedAt;
    expect(due).toBeGreaterThanOrEqual(2 * 60_000 + heldFor - 5_000);
    expect(due).toBeLessThanOrEqual(2 * 60_000 + heldFor + 5_000);
  });

  it("aborts when held three steps' worth, with the reason in its status and in history", async () => {
    const { stack } = await heldRollout();
    expect(await runDurableObjectAlarm(storeStub())).toBe(true);
    expect((await status(stack)).held).not.toBeNull();

    await moveClock(3 * 60_000 + 1_000);
    expect(await runDurableObjectAlarm(storeStub())).toBe(true);
    const ended = await status(stack);
    expect(ended.status).toBe("aborted");
    expect(ended.reason).toMatch(/^health: v3 unhealthy \(every origin down\) for 18\ds, over 3m \(three steps\)$/);
    expect(ended.held ?? null).toBeNull();
    const last = (await history(stack)).at(-1);
    expect(last?.operation).toBe("rollout abort");
    expect(last?.summary).toContain("health: v3 unhealthy (every origin down)");
    expect(await canaryWeight(stack)).toBe(0);
  });
});
