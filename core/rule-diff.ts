/**
 * @module core/rule-diff
 * Comparing two rule lists: whether they route alike (order matters, key order of the
 * objects does not) and the lines `apply --dry-run` and history show for the change.
 */
import type { Rule } from "./rule-schema.ts";

/** JSON with object keys sorted, so two equal rules compare equal however they were written. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

export function sameRules(a: readonly Rule[] | undefined, b: readonly Rule[] | undefined): boolean {
  return canonicalJson(a ?? []) === canonicalJson(b ?? []);
}

/** Fields of a rule whose values differ, in the schema's order. */
function changedFields(a: Rule, b: Rule): string[] {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].filter((k) => canonicalJson((a as Record<string, unknown>)[k]) !== canonicalJson((b as Record<string, unknown>)[k]));
}

/** "add rule beta", "remove rule old", "rule beta: version, timeout", "rule order: a, b → b, a". */
export function describeRuleChanges(before: readonly Rule[] | undefined, after: readonly Rule[] | undefined): string[] {
  const was = new Map((before ?? []).map((r) => [r.name, r]));
  const now = new Map((after ?? []).map((r) => [r.name, r]));
  const lines: string[] = [];
  for (const rule of after ?? []) {
    const old = was.get(rule.name);
    if (old === undefined) lines.push(`add rule ${rule.name}: ${canonicalJson(rule)}`);
    else {
      const fields = changedFields(old, rule);
      if (fields.length > 0) lines.push(`rule ${rule.name}: ${fields.map((f) => `${f} ${canonicalJson((old as Record<string, unknown>)[f]) ?? "-"} → ${canonicalJson((rule as Record<string, unknown>)[f]) ?? "-"}`).join("; ")}`);
    }
  }
  for (const rule of before ?? []) if (!now.has(rule.name)) lines.push(`remove rule ${rule.name}`);
  const kept = (list: readonly Rule[] | undefined, other: Map<string, Rule>) => (list ?? []).map((r) => r.name).filter((n) => other.has(n));
  const order = kept(before, now);
  const newOrder = kept(after, was);
  if (order.join() !== newOrder.join()) lines.push(`rule order: ${order.join(", ")} → ${newOrder.join(", ")}`);
  return lines;
}
