/**
 * @module core/route-record
 * The compact per-hostname record the data plane reads from KV (docs/storage.md): all a
 * request needs, in one read. Built by the config store, read by the worker.
 */
import { z } from "zod";
import { normalizeHost, serviceHost, versionHost } from "./hostnames.ts";
import { serviceSalt } from "./hash.ts";
import type { ServiceConfig } from "./model.ts";
import { base64ToBytes, bytesToBase64 } from "./base64.ts";
import { ownersByPosition, SLOT_COUNT, soleOwner, type SlotTable } from "./slot-table.ts";
import { RuleShape } from "./rule-schema.ts";
import { compileRules, type CompiledRule, type RecordRule } from "./rule-match.ts";
import type { RuleTables } from "./rule-tables.ts";

export { soleOwner };

export const ROUTE_KEY_PREFIX = "route:";

/** The KV key of a hostname's record. */
export function routeKey(host: string): string {
  return ROUTE_KEY_PREFIX + normalizeHost(host);
}

/** A rule in a record: the rule as configured, and the owner bytes of its split. */
const RouteRule = RuleShape.extend({ slots: z.string().optional() });

export const RouteRecord = z.object({
  /** record schema version: 2 when the record carries rules, so a Worker that predates rules refuses it */
  v: z.union([z.literal(1), z.literal(2)]),
  /** `stack/name` */
  service: z.string(),
  configVersion: z.number().int().nonnegative(),
  affinity: z.string(),
  revisionHeader: z.boolean(),
  /** per-service hash seed */
  salt: z.number().int().nonnegative(),
  /** revisions[0] is the primary */
  revisions: z.array(z.object({ version: z.string(), origins: z.array(z.string()).min(1) })).min(1),
  /** set when the hostname serves exactly one revision: its position in `revisions` */
  pin: z.number().int().nonnegative().optional(),
  /** base64 of SLOT_COUNT bytes, each a position in `revisions`; absent when pinned */
  slots: z.string().optional(),
  /** traffic rules in order (DESIGN §10); only on weighted records, absent when none */
  rules: z.array(RouteRule).optional(),
});
export type RouteRecord = z.infer<typeof RouteRecord>;

/** A custom domain bound to a service, or to one of its versions. */
export interface DomainBinding {
  host: string;
  version?: string;
}

/** Revision versions in record order: the primary first, then staged ones in creation order. */
export function revisionOrder(service: ServiceConfig): string[] {
  return [service.version, ...service.revisions.map((r) => r.version)];
}

/**
 * Every hostname record of one service: the service host (weighted), one host per version
 * (pinned), and its custom domains.
 */
export function buildRouteRecords(
  service: ServiceConfig,
  table: SlotTable,
  configVersion: number,
  baseDomain: string,
  domains: readonly DomainBinding[] = [],
  ruleTables?: RuleTables,
): Map<string, RouteRecord> {
  const id = `${service.stack}/${service.name}`;
  const revisions = [
    { version: service.version, origins: service.origins },
    ...service.revisions.map((r) => ({ version: r.version, origins: r.origins })),
  ];
  const common = {
    v: 1 as const,
    service: id,
    configVersion,
    affinity: service.affinity,
    revisionHeader: service.revisionHeader,
    salt: serviceSalt(id),
  };
  const order = revisionOrder(service);
  const weighted: RouteRecord = {
    ...common,
    revisions,
    slots: bytesToBase64(ownersByPosition(table, order)),
  };
  // Rules apply on the service host and its domains; per-version hosts skip them (§10).
  if (service.rules !== undefined && service.rules.length > 0) {
    weighted.v = 2;
    weighted.rules = service.rules.map((rule): RecordRule => {
      if (rule.weights === undefined) return rule;
      const ruleTable = ruleTables?.get(rule.name);
      if (ruleTable === undefined) throw new RangeError(`rule '${rule.name}' splits traffic but has no slot table`);
      return { ...rule, slots: bytesToBase64(ownersByPosition(ruleTable, order)) };
    });
  }
  const pinned = (version: string): RouteRecord => ({
    ...common,
    revisions: revisions.filter((r) => r.version === version),
    pin: 0,
  });

  const records = new Map<string, RouteRecord>();
  records.set(serviceHost(service.stack, service.name, baseDomain), weighted);
  for (const r of revisions) records.set(versionHost(service.stack, service.name, r.version, baseDomain), pinned(r.version));
  for (const d of domains) {
    if (d.version !== undefined && !revisions.some((r) => r.version === d.version)) continue;
    records.set(normalizeHost(d.host), d.version === undefined ? weighted : pinned(d.version));
  }
  return records;
}

/** A record ready for requests: the slot bytes decoded once, versions indexed. */
export interface CompiledRoute {
  record: RouteRecord;
  /** slot → position in record.revisions; null when pinned */
  slots: Uint8Array | null;
  /** the traffic rules in order; null when the record has none (the hot path then skips them) */
  rules: CompiledRule[] | null;
  /**
   * The position of the one revision that serves every request, or -1 when the slot table
   * has two owners or more. Set for a pinned host and for a table one revision fills (the
   * others at weight 0): such a request needs no sticky key, so no cookie is minted or
   * signed (DESIGN §4, issue 9).
   */
  sole: number;
}

export function compileRouteRecord(record: RouteRecord): CompiledRoute {
  if (record.pin !== undefined) {
    if (record.pin >= record.revisions.length) throw new RangeError("route record pin is out of range");
    return { record, slots: null, rules: null, sole: record.pin };
  }
  if (record.slots === undefined) throw new RangeError("route record has neither pin nor slots");
  const slots = base64ToBytes(record.slots);
  if (slots.length !== SLOT_COUNT) throw new RangeError("route record slot table has the wrong length");
  for (let i = 0; i < SLOT_COUNT; i++) {
    if (slots[i] >= record.revisions.length) throw new RangeError("route record slot points past its revisions");
  }
  const rules =
    record.rules === undefined || record.rules.length === 0
      ? null
      : compileRules(record.rules, record.revisions.map((r) => r.version), record.service);
  return { record, slots, rules, sole: soleOwner(slots) };
}
