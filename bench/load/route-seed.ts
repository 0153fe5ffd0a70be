/**
 * @module bench/load/route-seed
 * Services for the load suites, as the config store would publish them: a ServiceConfig,
 * its slot table rebalanced to the weights (core `rebalance`), and the route records core
 * `buildRouteRecords` makes of them, written straight into the local ROUTES namespace.
 */
import type { ServiceConfig } from "../../core/model.ts";
import { buildRouteRecords, routeKey, type RouteRecord } from "../../core/route-record.ts";
import { createSlotTable, rebalance } from "../../core/slot-table.ts";
import type { Rule } from "../../core/rule-schema.ts";
import { reconcileRuleTables } from "../../core/rule-tables.ts";

export const BENCH_BASE_DOMAIN = "weir.localhost";

/**
 * Route records of `stack/name`: the primary `v0` plus staged `v1`, `v2`, ... with the
 * given weights in basis points (primary gets the rest), every revision on `origin`.
 */
export function serviceRecords(
  stack: string,
  name: string,
  origin: string,
  stagedBp: readonly number[],
  configVersion = 1,
  rules?: Rule[],
): Map<string, RouteRecord> {
  const createdAt = new Date(0).toISOString();
  const service: ServiceConfig = {
    stack,
    name,
    version: "v0",
    origins: [origin],
    affinity: "cookie",
    revisionHeader: true,
    createdAt,
    revisions: stagedBp.map((weight, i) => ({ version: `v${i + 1}`, origins: [origin], weight, createdAt })),
    ...(rules ? { rules } : {}),
  };
  const table = createSlotTable("v0");
  const targets: Record<string, number> = { v0: 10_000 - stagedBp.reduce((a, b) => a + b, 0) };
  stagedBp.forEach((weight, i) => (targets[`v${i + 1}`] = weight));
  rebalance(table, targets);
  return buildRouteRecords(service, table, configVersion, BENCH_BASE_DOMAIN, [], reconcileRuleTables(undefined, rules));
}

export interface KvWriter {
  put(key: string, value: string): Promise<unknown>;
}

/** Writes the records under their route keys. */
export async function putRecords(kv: KvWriter, records: ReadonlyMap<string, RouteRecord>): Promise<void> {
  await Promise.all([...records].map(([host, record]) => kv.put(routeKey(host), JSON.stringify(record))));
}
