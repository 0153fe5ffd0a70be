/**
 * @module test/admin/health-helpers
 * Origin health in tests (DESIGN §13): switchable origins (test/switchable-origins.ts),
 * the HealthChecker of a service, and rounds of checks driven with `runDurableObjectAlarm`
 * instead of sleeping.
 */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { expect } from "vitest";
import type { HealthChecker } from "../../admin/store/health-checker.ts";
import type { ServiceHealthView } from "../../core/health-view.ts";
import { api, env, json } from "./helpers.ts";

export { switchableOrigin, type SwitchableOrigin } from "../switchable-origins.ts";

/** The HealthChecker of a service. */
export function checkerStub(service: string): DurableObjectStub<HealthChecker> {
  const ns = env.HEALTH_CHECKER as unknown as DurableObjectNamespace<HealthChecker>;
  return ns.get(ns.idFromName(service));
}

export function inChecker<R>(service: string, fn: (instance: HealthChecker, state: DurableObjectState) => R | Promise<R>): Promise<R> {
  return runInDurableObject(checkerStub(service), (instance, state) => fn(instance as unknown as HealthChecker, state));
}

export function checkerStatus(service: string) {
  return inChecker(service, (instance) => instance.status());
}

export function checkerAlarm(service: string): Promise<number | null> {
  return inChecker(service, (_i, state) => state.storage.getAlarm());
}

/**
 * Waits out the first round of a new spec: it is due at once, so the runtime may fire it by
 * itself; whichever runs it, every origin has been checked when this returns.
 */
export async function firstRound(service: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const status = await checkerStatus(service);
    if (status.origins.length > 0 && status.origins.every((o) => o.lastCheck !== null)) return;
    await runDurableObjectAlarm(checkerStub(service));
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`the first round of checks of ${service} did not run`);
}

/**
 * One round of checks of every origin, run now: revisions keep rhythms of their own (one
 * staged later is first checked then), so alarms run until each origin was checked once
 * more. The next rounds are an interval away, so nothing fires by itself meanwhile.
 */
export async function checkRound(service: string): Promise<void> {
  const before = new Map((await checkerStatus(service)).origins.map((o) => [`${o.version} ${o.origin}`, o.lastCheck]));
  for (let i = 0; i < 20; i++) {
    expect(await runDurableObjectAlarm(checkerStub(service)), `an alarm was set for ${service}`).toBe(true);
    const now = (await checkerStatus(service)).origins;
    if (now.every((o) => o.lastCheck !== null && o.lastCheck !== before.get(`${o.version} ${o.origin}`))) return;
  }
  throw new Error(`a round of checks of ${service} did not reach every origin`);
}

export async function healthView(stack: string, name = "svc"): Promise<ServiceHealthView> {
  return json<ServiceHealthView>(await api("GET", `/v1/services/${stack}/${name}/health`));
}

/** The state of one origin in GET …/health. */
export async function originState(stack: string, version: string, origin: string, name = "svc") {
  const view = await healthView(stack, name);
  const o = view.revisions.find((r) => r.version === version)?.origins.find((x) => x.origin === origin);
  if (!o) throw new Error(`${stack}/${name}:${version} has no origin ${origin}`);
  return o;
}

/** Health settings that never fire by themselves during a test: rounds are run by hand. */
export const MANUAL = { path: "/healthz", interval: "1h", timeout: "2s", healthyThreshold: 2, unhealthyThreshold: 2 };
