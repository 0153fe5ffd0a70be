/**
 * @module core/operations
 * The service mutations of DESIGN §2 as pure functions over a service's state (config,
 * slot table, custom domains). Each returns a new state or throws a WeirError that names
 * the broken rule; none touches its input, so a refused change leaves no trace. The
 * config store runs them inside one transaction and persists what they return.
 */
import { WeirError } from "./errors.ts";
import { isUnderDomain, normalizeHost, serviceHost, versionHost } from "./hostnames.ts";
import type { HealthConfig } from "./health.ts";
import { originProblem, primaryWeight, type RevisionConfig, type ServiceConfig } from "./model.ts";
import type { DomainBinding } from "./route-record.ts";
import { cloneSlotTable, createSlotTable, mergeLabel, rebalance, type SlotTable } from "./slot-table.ts";
import { formatPercent, TOTAL_BP } from "./weights.ts";
import { checkRules, checkVersionUnused } from "./rule-operations.ts";
import { cloneRuleTables, reconcileRuleTables, type RuleTables } from "./rule-tables.ts";

/** Everything that routes one service: what the store persists and history restores. */
export interface ServiceState {
  service: ServiceConfig;
  table: SlotTable;
  domains: DomainBinding[];
  /** the slot table of each rule that splits its traffic (DESIGN §10), by rule name */
  ruleTables?: RuleTables;
}

export function serviceIdOf(service: Pick<ServiceConfig, "stack" | "name">): string {
  return `${service.stack}/${service.name}`;
}

export function cloneState(state: ServiceState): ServiceState {
  return {
    service: structuredClone(state.service),
    table: cloneSlotTable(state.table),
    domains: state.domains.map((d) => ({ ...d })),
    ruleTables: cloneRuleTables(state.ruleTables),
  };
}

/** Slot targets in bp: the primary gets the remainder, staged revisions their weight. */
export function slotTargets(service: ServiceConfig): Record<string, number> {
  const targets: Record<string, number> = { [service.version]: primaryWeight(service) };
  for (const r of service.revisions) targets[r.version] = r.weight;
  return targets;
}

function versions(service: ServiceConfig): string[] {
  return [service.version, ...service.revisions.map((r) => r.version)];
}

function stagedSumProblem(service: ServiceConfig): void {
  const sum = TOTAL_BP - primaryWeight(service);
  if (sum > TOTAL_BP) {
    throw new WeirError(
      "invalid",
      `staged weights of ${serviceIdOf(service)} would sum to ${formatPercent(sum)}, more than 100%`,
      { details: { sum: sum / 100 } },
    );
  }
}

/** A slot table holds at most 255 owners: the primary and 254 staged revisions. */
export const MAX_STAGED = 254;

function revisionCountProblem(service: ServiceConfig): void {
  if (service.revisions.length > MAX_STAGED) {
    throw new WeirError("invalid", `${serviceIdOf(service)} would have more than ${MAX_STAGED} staged revisions`);
  }
}

/** The `<svc>-<version>` label must stay a DNS label (≤ 63 characters). */
function versionLabelProblem(service: ServiceConfig, version: string): void {
  const label = `${service.name}-${version}`;
  if (label.length > 63) {
    throw new WeirError("invalid", `version host label '${label}' is longer than 63 characters; use a shorter version`);
  }
}

export type HostKind = "service" | "version" | "domain";

/** Every hostname a service state serves (service host, one per version, custom domains) and what it is. */
export function hostnamesOf(state: ServiceState, baseDomain: string): Map<string, { kind: HostKind; what: string }> {
  const { stack, name } = state.service;
  const id = serviceIdOf(state.service);
  const hosts = new Map<string, { kind: HostKind; what: string }>();
  hosts.set(serviceHost(stack, name, baseDomain), { kind: "service", what: `the service host of ${id}` });
  for (const v of versions(state.service)) {
    hosts.set(versionHost(stack, name, v, baseDomain), { kind: "version", what: `the version host of ${id}:${v}` });
  }
  for (const d of state.domains) {
    const target = d.version === undefined ? id : `${id}:${d.version}`;
    hosts.set(normalizeHost(d.host), { kind: "domain", what: `a custom domain of ${target}` });
  }
  return hosts;
}

/** Hostnames Weir itself serves; an origin pointing at one would loop. */
export interface ServedHosts {
  baseDomain: string;
  adminHost: string;
  domains: readonly string[];
}

/** Throws a 422 naming the first origin that is malformed or points back at Weir. */
export function checkOrigins(origins: readonly string[], served: ServedHosts): void {
  for (const origin of origins) {
    const problem = originProblem(origin);
    if (problem) throw new WeirError("invalid", `origin ${problem}`);
    const host = normalizeHost(new URL(origin).host);
    if (isUnderDomain(host, served.baseDomain) || host === normalizeHost(served.adminHost) || served.domains.includes(host)) {
      throw new WeirError("invalid", `origin '${origin}' is a hostname Weir serves; it would route to itself`);
    }
  }
}

export function newService(
  input: { stack: string; name: string; version: string; origins: string[]; affinity: string; revisionHeader: boolean; health?: HealthConfig },
  now: string,
): ServiceState {
  const { health, ...rest } = input;
  const service: ServiceConfig = { ...rest, origins: [...input.origins], createdAt: now, revisions: [] };
  if (health !== undefined) service.health = { ...health };
  versionLabelProblem(service, service.version);
  return { service, table: createSlotTable(service.version), domains: [] };
}

export function stageRevision(
  state: ServiceState,
  input: { version: string; origins: string[]; weight: number; health?: HealthConfig },
  now: string,
): ServiceState {
  const next = cloneState(state);
  const id = serviceIdOf(state.service);
  if (versions(state.service).includes(input.version)) {
    throw new WeirError("conflict", `${id} already has a revision '${input.version}'`);
  }
  versionLabelProblem(next.service, input.version);
  const revision: RevisionConfig = { version: input.version, origins: [...input.origins], weight: input.weight, createdAt: now };
  if (input.health !== undefined) revision.health = { ...input.health };
  next.service.revisions.push(revision);
  revisionCountProblem(next.service);
  stagedSumProblem(next.service);
  rebalance(next.table, slotTargets(next.service));
  return next;
}

/** Sets the weights (bp) of one or more staged revisions at once; the others keep theirs. */
export function setWeights(state: ServiceState, weights: Readonly<Record<string, number>>): ServiceState {
  const next = cloneState(state);
  const id = serviceIdOf(state.service);
  for (const [version, weight] of Object.entries(weights)) {
    if (version === state.service.version) {
      throw new WeirError(
        "invalid",
        `'${version}' is the primary of ${id}; its weight is the remainder of the staged weights and cannot be set`,
      );
    }
    const revision = next.service.revisions.find((r) => r.version === version);
    if (!revision) throw new WeirError("invalid", `${id} has no staged revision '${version}'`);
    revision.weight = weight;
  }
  stagedSumProblem(next.service);
  rebalance(next.table, slotTargets(next.service));
  return next;
}

/**
 * The revision becomes the primary: its origins and version replace the primary's, the
 * old primary's users move to it (their slots merge), other staged revisions keep theirs.
 */
export function promote(state: ServiceState, version: string): ServiceState {
  const id = serviceIdOf(state.service);
  if (version === state.service.version) throw new WeirError("invalid", `'${version}' is already the primary of ${id}`);
  const revision = state.service.revisions.find((r) => r.version === version);
  if (!revision) throw new WeirError("invalid", `${id} has no staged revision '${version}'`);
  checkVersionUnused(state.service, state.service.version, "promoting away the primary");
  const next = cloneState(state);
  mergeLabel(next.table, state.service.version, version);
  next.service.version = version;
  next.service.origins = [...revision.origins];
  // Its health checks become the primary's (DESIGN §13), and none when it had none.
  if (revision.health === undefined) delete next.service.health;
  else next.service.health = { ...revision.health };
  next.service.revisions = next.service.revisions.filter((r) => r.version !== version);
  next.domains = movePins(next.domains, state.service.version, version);
  return next;
}

/**
 * A custom domain pinned to the old primary follows the promotion, as the old primary's
 * users do (its slots merge into the new primary): the version it named is gone, and it
 * was pinned to the primary, which the promoted revision now is.
 */
function movePins(domains: readonly DomainBinding[], from: string, to: string): DomainBinding[] {
  return domains.map((d) => (d.version === from ? { host: d.host, version: to } : d));
}

/** 409 when a custom domain is pinned to a version a change removes: unbind it first. */
function pinnedDomainProblem(state: ServiceState, removed: readonly string[]): void {
  const pinned = state.domains.find((d) => d.version !== undefined && removed.includes(d.version));
  if (!pinned) return;
  const id = serviceIdOf(state.service);
  throw new WeirError(
    "conflict",
    `custom domain ${pinned.host} is bound to ${id}:${pinned.version}, which this change removes; unbind it first (weir domain rm ${pinned.host}) or bind it to another version`,
    { details: { host: pinned.host } },
  );
}

/** Removes a staged revision; its slots go back to the primary. */
export function removeRevision(state: ServiceState, version: string): ServiceState {
  const id = serviceIdOf(state.service);
  if (version === state.service.version) {
    throw new WeirError("invalid", `'${version}' is the primary of ${id}; promote another revision or remove the service`);
  }
  if (!state.service.revisions.some((r) => r.version === version)) {
    throw new WeirError("not_found", `${id} has no revision '${version}'`);
  }
  checkVersionUnused(state.service, version, "removing");
  pinnedDomainProblem(state, [version]);
  const next = cloneState(state);
  next.service.revisions = next.service.revisions.filter((r) => r.version !== version);
  rebalance(next.table, slotTargets(next.service));
  return next;
}

/**
 * Makes a service exactly `desired` (declarative apply) with the fewest slot moves. A
 * primary that the desired config drops hands its users to the new primary, as promote does.
 */
export function reconcileService(current: ServiceState | null, desired: ServiceConfig): ServiceState {
  for (const v of versions(desired)) versionLabelProblem(desired, v);
  if (new Set(versions(desired)).size !== versions(desired).length) {
    throw new WeirError("invalid", `${serviceIdOf(desired)}: primary version '${desired.version}' is also listed as a staged revision`);
  }
  revisionCountProblem(desired);
  stagedSumProblem(desired);
  checkRules(desired, desired.rules ?? [], current?.service.rules);
  if (current === null) {
    const table = createSlotTable(desired.version);
    rebalance(table, slotTargets(desired));
    return { service: structuredClone(desired), table, domains: [], ruleTables: reconcileRuleTables(undefined, desired.rules) };
  }
  const next = cloneState(current);
  const oldPrimary = current.service.version;
  const promoted = desired.version !== oldPrimary && !desired.revisions.some((r) => r.version === oldPrimary);
  if (promoted) {
    mergeLabel(next.table, oldPrimary, desired.version);
    next.domains = movePins(next.domains, oldPrimary, desired.version);
  }
  const kept = new Set(versions(desired));
  pinnedDomainProblem(next, versions(current.service).filter((v) => !kept.has(v)));
  rebalance(next.table, slotTargets(desired));
  next.service = structuredClone(desired);
  next.ruleTables = reconcileRuleTables(current.ruleTables, desired.rules);
  return next;
}

/** Binds a custom domain; the version, when given, must exist (it is named in a body: 422). */
export function addDomain(state: ServiceState, binding: DomainBinding): ServiceState {
  const id = serviceIdOf(state.service);
  if (binding.version !== undefined && !versions(state.service).includes(binding.version)) {
    throw new WeirError("invalid", `${id} has no revision '${binding.version}'`);
  }
  if (state.domains.some((d) => d.host === binding.host)) {
    throw new WeirError("conflict", `'${binding.host}' is already a custom domain of ${id}`, { details: { host: binding.host } });
  }
  const next = cloneState(state);
  next.domains.push(binding.version === undefined ? { host: binding.host } : { host: binding.host, version: binding.version });
  return next;
}

export function removeDomain(state: ServiceState, host: string): ServiceState {
  const next = cloneState(state);
  next.domains = next.domains.filter((d) => d.host !== host);
  return next;
}
