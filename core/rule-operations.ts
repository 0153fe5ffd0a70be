/**
 * @module core/rule-operations
 * Changes to a service's traffic rules (DESIGN §10) as pure functions over its state, and
 * the write-time checks the rule schema cannot make alone: every version a rule names
 * must be a revision of the service, and no regex may backtrack catastrophically. Each
 * refusal is a WeirError naming the rule and the field.
 */
import { WeirError } from "./errors.ts";
import type { ServiceConfig } from "./model.ts";
import type { ServiceState } from "./operations.ts";
import { backtrackingProblem } from "./regex-safety.ts";
import { MAX_RULES_BYTES, type Rule } from "./rule-schema.ts";
import { reconcileRuleTables } from "./rule-tables.ts";
import { cloneSlotTable } from "./slot-table.ts";
import { shortValue } from "./printable.ts";

const utf8 = new TextEncoder();

/** Bytes of a rule list as JSON (UTF-8). */
function sizeOf(rules: readonly Rule[]): number {
  return rules.length === 0 ? 0 : utf8.encode(JSON.stringify(rules)).byteLength;
}

function idOf(service: Pick<ServiceConfig, "stack" | "name">): string {
  return `${service.stack}/${service.name}`;
}

/** Versions a rule names, each with the field that names it. */
export function versionsNamed(rule: Rule): { version: string; field: string }[] {
  const named: { version: string; field: string }[] = [];
  if (rule.version !== undefined) named.push({ version: rule.version, field: "version" });
  for (const version of Object.keys(rule.weights ?? {})) named.push({ version, field: `weights.${version}` });
  if (rule.mirror !== undefined) named.push({ version: rule.mirror.version, field: "mirror.version" });
  return named;
}

/** Every regex of a rule, with its field. */
function regexes(rule: Rule): { source: string; field: string }[] {
  const out: { source: string; field: string }[] = [];
  if (rule.match?.path?.regex !== undefined) out.push({ source: rule.match.path.regex, field: "match.path.regex" });
  for (const kind of ["headers", "query", "cookies"] as const) {
    rule.match?.[kind]?.forEach((c, i) => {
      if (c.regex !== undefined) out.push({ source: c.regex, field: `match.${kind}[${i}].regex` });
    });
  }
  return out;
}

/**
 * Throws a 422 naming the rule and field when `rules` name a version `service` does not
 * have, or hold a regex that can backtrack catastrophically, and a 422 when together they
 * are larger than MAX_RULES_BYTES (unless smaller than the `current` list). Assumes the
 * schema passed.
 */
export function checkRules(service: ServiceConfig, rules: readonly Rule[], current?: readonly Rule[]): void {
  const bytes = sizeOf(rules);
  // A list stored before the limit existed may still shrink (remove one rule at a time).
  if (bytes > MAX_RULES_BYTES && bytes >= sizeOf(current ?? [])) {
    throw new WeirError(
      "invalid",
      `the rules of ${idOf(service)} would take ${Math.ceil(bytes / 1024)} KiB as JSON; a service's rules take at most ${MAX_RULES_BYTES / 1024} KiB (they travel in every route record and history entry): shorten respond bodies and header values`,
      { details: { bytes, limit: MAX_RULES_BYTES } },
    );
  }
  const versions = new Set([service.version, ...service.revisions.map((r) => r.version)]);
  for (const rule of rules) {
    for (const { version, field } of versionsNamed(rule)) {
      if (!versions.has(version)) {
        throw new WeirError("invalid", `rule '${rule.name}': ${field}: '${version}' is not a revision of ${idOf(service)}`, {
          details: { rule: rule.name, field },
        });
      }
    }
    for (const { source, field } of regexes(rule)) {
      const problem = backtrackingProblem(source);
      if (problem) throw new WeirError("invalid", `rule '${rule.name}': ${field}: /${source}/ ${problem}`, { details: { rule: rule.name, field } });
    }
  }
}

/** Rules that name `version`: a revision they route to cannot be removed or promoted away. */
export function rulesNaming(service: ServiceConfig, version: string): string[] {
  return (service.rules ?? []).filter((r) => versionsNamed(r).some((n) => n.version === version)).map((r) => r.name);
}

/** Throws a 409 naming the rule when a rule still names `version` (DESIGN §10). */
export function checkVersionUnused(service: ServiceConfig, version: string, doing: string): void {
  const users = rulesNaming(service, version);
  if (users.length === 0) return;
  const which = users.map((n) => `'${n}'`).join(", ");
  throw new WeirError(
    "conflict",
    `${doing} ${idOf(service)}:${version} is refused: rule${users.length > 1 ? "s" : ""} ${which} name${users.length > 1 ? "" : "s"} it; change or remove ${users.length > 1 ? "them" : "it"} first`,
    { details: { rules: users, version } },
  );
}

function withRules(state: ServiceState, rules: readonly Rule[]): ServiceState {
  checkRules(state.service, rules, state.service.rules);
  const service: ServiceConfig = structuredClone(state.service);
  if (rules.length > 0) service.rules = structuredClone([...rules]);
  else delete service.rules;
  return {
    service,
    table: cloneSlotTable(state.table),
    domains: state.domains.map((d) => ({ ...d })),
    ruleTables: reconcileRuleTables(state.ruleTables, service.rules),
  };
}

/** Replaces the whole ordered list. */
export function setRules(state: ServiceState, rules: readonly Rule[]): ServiceState {
  return withRules(state, rules);
}

/** Adds one rule at the end, or before the rule named `before`. */
export function addRule(state: ServiceState, rule: Rule, before?: string): ServiceState {
  const rules = state.service.rules ?? [];
  const id = idOf(state.service);
  if (rules.some((r) => r.name === rule.name)) throw new WeirError("conflict", `${id} already has a rule '${rule.name}'`, { details: { rule: rule.name } });
  let at = rules.length;
  if (before !== undefined) {
    at = rules.findIndex((r) => r.name === before);
    if (at === -1) throw new WeirError("invalid", `before: ${id} has no rule '${shortValue(before)}'`, { details: { field: "before" } });
  }
  return withRules(state, [...rules.slice(0, at), rule, ...rules.slice(at)]);
}

/** Removes the rule named `name` (404 when there is none). */
export function removeRule(state: ServiceState, name: string): ServiceState {
  const rules = state.service.rules ?? [];
  if (!rules.some((r) => r.name === name)) throw new WeirError("not_found", `${idOf(state.service)} has no rule '${shortValue(name)}'`);
  return withRules(state, rules.filter((r) => r.name !== name));
}
