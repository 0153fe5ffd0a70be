/**
 * @module test/worker/helpers
 * Seeds route records straight into the real local KV (core buildRouteRecords + a slot
 * table, as the config store publishes them) and calls the Worker with an env the test
 * may override. Origins are the real Node servers of test/setup/origins.ts.
 */
import { createExecutionContext, env as bindings, waitOnExecutionContext } from "cloudflare:test";
import type { ServiceConfig } from "../../core/model.ts";
import { buildRouteRecords, routeKey, type DomainBinding } from "../../core/route-record.ts";
import { createSlotTable, rebalance } from "../../core/slot-table.ts";
import type { Rule } from "../../core/rule-schema.ts";
import { reconcileRuleTables } from "../../core/rule-tables.ts";
import worker from "../../worker/index.ts";
import type { Env } from "../../worker/env.ts";
import type { OriginPorts } from "../origin-ports.ts";
import { clearRouteCache } from "../../worker/route-cache.ts";

/** the real bindings of the test Worker (typed in test/env.d.ts) */
export const env = bindings;

export const origins = env.ORIGINS;
export const origin = (name: keyof OriginPorts, path = "") => `http://127.0.0.1:${origins[name]}${path}`;

export const BASE = "weir.localhost";

export interface ServiceSpec {
  stack: string;
  name: string;
  version?: string;
  origins: string[];
  affinity?: string;
  revisionHeader?: boolean;
  /** staged revisions: version → origins and weight in percent */
  revisions?: Record<string, { origins: string[]; weight: number }>;
  domains?: DomainBinding[];
  configVersion?: number;
  /** traffic rules (DESIGN §10), published as the config store does */
  rules?: Rule[];
}

/** Publishes a service's records to KV; returns the records by host. */
export async function seed(spec: ServiceSpec) {
  const version = spec.version ?? "v0";
  const staged = Object.entries(spec.revisions ?? {}).map(([v, r]) => ({
    version: v,
    origins: r.origins,
    weight: Math.round(r.weight * 100),
    createdAt: "2026-01-01T00:00:00Z",
  }));
  const service: ServiceConfig = {
    stack: spec.stack,
    name: spec.name,
    version,
    origins: spec.origins,
    affinity: spec.affinity ?? "cookie",
    revisionHeader: spec.revisionHeader ?? true,
    createdAt: "2026-01-01T00:00:00Z",
    revisions: staged,
    ...(spec.rules ? { rules: spec.rules } : {}),
  };
  const table = createSlotTable(version);
  const targets: Record<string, number> = { [version]: 10_000 - staged.reduce((s, r) => s + r.weight, 0) };
  for (const r of staged) targets[r.version] = r.weight;
  rebalance(table, targets);
  const records = buildRouteRecords(service, table, spec.configVersion ?? 1, BASE, spec.domains ?? [], reconcileRuleTables(undefined, spec.rules));
  for (const [host, record] of records) await env.ROUTES.put(routeKey(host), JSON.stringify(record));
  return records;
}

export type TestEnv = Env & Record<string, unknown>;

/** Calls the Worker's fetch handler with the real bindings, `overrides` on top. */
export async function call(url: string, init: RequestInit = {}, overrides: Partial<TestEnv> = {}): Promise<Response> {
  const ctx = createExecutionContext();
  const response = await worker.fetch(new Request(url, init), { ...env, ...overrides } as Env, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

/** Fresh route cache between tests: every test sees what it seeded. */
export function resetRoutes(): void {
  clearRouteCache();
}
