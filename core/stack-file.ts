/**
 * @module core/stack-file
 * The stack file of DESIGN §6: export of a stack's services, the desired config a file
 * declares, and the diff between two configs (what `apply --dry-run` shows). Pure, so the
 * export → apply → export round trip is decided in one place.
 */
import { comparableOrigin, type ServiceConfig, type StackFile } from "./model.ts";
import { bpToPercent, formatPercent, percentToBp } from "./weights.ts";
import { describeRuleChanges, sameRules } from "./rule-diff.ts";

type StackFileService = StackFile["services"][string];

/** One service as the file writes it; keys in DESIGN §6 order, defaults left out. */
function exportService(service: ServiceConfig): StackFileService {
  const entry: Record<string, unknown> = {
    version: service.version,
    origins: [...service.origins],
    affinity: service.affinity,
  };
  if (!service.revisionHeader) entry.revisionHeader = false;
  if (service.revisions.length > 0) {
    entry.revisions = Object.fromEntries(
      service.revisions.map((r) => [r.version, { origins: [...r.origins], weight: bpToPercent(r.weight) }]),
    );
  }
  if (service.rules !== undefined && service.rules.length > 0) entry.rules = structuredClone(service.rules);
  return entry as StackFileService;
}

/** The stack file of `stack`: services sorted by name, staged revisions in creation order. */
export function exportStackFile(stack: string, services: readonly ServiceConfig[]): StackFile {
  const sorted = [...services].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { stack, services: Object.fromEntries(sorted.map((s) => [s.name, exportService(s)])) };
}

/** The config a file entry declares, keeping creation times of what already exists. */
export function declaredService(
  stack: string,
  name: string,
  entry: StackFileService,
  current: ServiceConfig | null,
  now: string,
): ServiceConfig {
  const createdAtOf = (version: string): string => {
    if (!current) return now;
    if (current.version === version) return current.createdAt;
    return current.revisions.find((r) => r.version === version)?.createdAt ?? now;
  };
  return {
    stack,
    name,
    version: entry.version,
    origins: [...entry.origins],
    affinity: entry.affinity,
    revisionHeader: entry.revisionHeader ?? true,
    createdAt: current?.createdAt ?? now,
    revisions: Object.entries(entry.revisions).map(([version, r]) => ({
      version,
      origins: [...r.origins],
      weight: percentToBp(r.weight),
      createdAt: createdAtOf(version),
    })),
    ...(entry.rules !== undefined && entry.rules.length > 0 ? { rules: structuredClone(entry.rules) } : {}),
  };
}

/**
 * Origins as compared: normalized (canonicalOrigin), so an origin stored as typed before
 * origins were normalized (`http://h:80/`) equals the file's `http://h` (issue 9).
 */
function originsKey(origins: readonly string[]): string {
  return origins.map(comparableOrigin).join(", ");
}

/**
 * True when two configs route identically (creation times aside). Staged revisions are
 * compared as a set: a file lists them in object-key order, which JavaScript changes for
 * integer-like names ("10" before "9"), and their order does not change routing.
 */
export function sameRouting(a: ServiceConfig, b: ServiceConfig): boolean {
  const strip = (s: ServiceConfig) =>
    JSON.stringify([
      s.stack,
      s.name,
      s.version,
      originsKey(s.origins),
      s.affinity,
      s.revisionHeader,
      s.revisions.map((r) => [r.version, originsKey(r.origins), r.weight]).sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0)),
    ]);
  return strip(a) === strip(b) && sameRules(a.rules, b.rules);
}

/** Human-readable lines describing what changes from `before` to `after`. */
export function describeChange(before: ServiceConfig | null, after: ServiceConfig | null): string[] {
  if (before === null && after === null) return [];
  if (before === null) {
    const a = after as ServiceConfig;
    return [
      `create with primary ${a.version} → ${a.origins.join(", ")}`,
      ...a.revisions.map((r) => `stage ${r.version} → ${r.origins.join(", ")} at ${formatPercent(r.weight)}`),
      ...describeRuleChanges(undefined, a.rules),
    ];
  }
  if (after === null) return [`remove (primary ${before.version}, ${before.revisions.length} staged)`];
  const lines: string[] = [];
  if (before.version !== after.version) lines.push(`primary version: ${before.version} → ${after.version}`);
  if (originsKey(before.origins) !== originsKey(after.origins)) lines.push(`primary origins: ${before.origins.join(", ")} → ${after.origins.join(", ")}`);
  if (before.affinity !== after.affinity) lines.push(`affinity: ${before.affinity} → ${after.affinity}`);
  if (before.revisionHeader !== after.revisionHeader) lines.push(`revisionHeader: ${before.revisionHeader} → ${after.revisionHeader}`);
  const old = new Map(before.revisions.map((r) => [r.version, r]));
  const now = new Map(after.revisions.map((r) => [r.version, r]));
  for (const r of after.revisions) {
    const o = old.get(r.version);
    if (!o) lines.push(`stage ${r.version} → ${r.origins.join(", ")} at ${formatPercent(r.weight)}`);
    else {
      if (originsKey(o.origins) !== originsKey(r.origins)) lines.push(`${r.version} origins: ${o.origins.join(", ")} → ${r.origins.join(", ")}`);
      if (o.weight !== r.weight) lines.push(`${r.version} weight: ${formatPercent(o.weight)} → ${formatPercent(r.weight)}`);
    }
  }
  for (const r of before.revisions) if (!now.has(r.version)) lines.push(`remove revision ${r.version}`);
  lines.push(...describeRuleChanges(before.rules, after.rules));
  return lines;
}
