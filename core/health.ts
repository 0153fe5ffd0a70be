/**
 * @module core/health
 * Origin health checks (DESIGN §13): the `health` settings of a revision as users write
 * them (API bodies, stack file, CLI) and as the store keeps them (every field filled,
 * durations normalized, so export → apply is lossless), and the life of one origin's
 * state under its checks. Pure: the HealthChecker Durable Object runs the probes, the
 * ConfigStore publishes which origins are down, the data plane skips them.
 */
import { z } from "zod";
import { formatDuration, parseDuration } from "./duration.ts";

/** Settings filled in when only `path` is given (DESIGN §13). */
export const HEALTH_DEFAULTS = { interval: "10s", timeout: "2s", healthyThreshold: 2, unhealthyThreshold: 3 } as const;
/** Checks are never closer together than this. */
export const MIN_HEALTH_INTERVAL_MS = 5_000;
/** Nor further apart than this (an alarm that far away is not a health check). */
export const MAX_HEALTH_INTERVAL_MS = 3_600_000;
/** A check needs at least this long to answer. */
export const MIN_HEALTH_TIMEOUT_MS = 100;
export const MAX_HEALTH_PATH_LENGTH = 1024;
export const MIN_THRESHOLD = 1;
export const MAX_THRESHOLD = 10;

/**
 * Why a check path is refused, or undefined. It is appended to each origin URL, so it
 * starts with one '/' (a '//' prefix reads as another host to URL parsers) and holds only
 * printable ASCII without '#' or '\' (a query is fine).
 */
export function healthPathProblem(path: string): string | undefined {
  if (path.length > MAX_HEALTH_PATH_LENGTH) return `must be at most ${MAX_HEALTH_PATH_LENGTH} characters`;
  if (!path.startsWith("/")) return "must start with '/' (a path checked on every origin, e.g. /healthz)";
  if (path.startsWith("//")) return "must not start with '//'";
  for (let i = 0; i < path.length; i++) {
    const code = path.charCodeAt(i);
    if (code <= 0x20 || code >= 0x7f) return `must hold printable ASCII only (character ${i + 1} is not): percent-encode it`;
    if (path[i] === "#") return "must not carry a fragment ('#')";
    if (path[i] === "\\") return "must not contain a backslash";
  }
  return undefined;
}

const HealthPath = z.string().superRefine((s, ctx) => {
  const problem = healthPathProblem(s);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});

const HealthDuration = z.string().superRefine((s, ctx) => {
  if (parseDuration(s) === undefined) ctx.addIssue({ code: "custom", message: `'${s.slice(0, 40)}' is not a duration like 10s, 1m or 500ms` });
});

const Threshold = z
  .number()
  .int(`must be a whole number from ${MIN_THRESHOLD} to ${MAX_THRESHOLD}`)
  .min(MIN_THRESHOLD, `must be from ${MIN_THRESHOLD} to ${MAX_THRESHOLD}`)
  .max(MAX_THRESHOLD, `must be from ${MIN_THRESHOLD} to ${MAX_THRESHOLD}`);

/** `health` as the store keeps it: every field set, durations normalized ("10s", "1m30s" → "90s"). */
export const HealthConfig = z.object({
  path: z.string(),
  interval: z.string(),
  timeout: z.string(),
  healthyThreshold: z.number().int(),
  unhealthyThreshold: z.number().int(),
});
export type HealthConfig = z.infer<typeof HealthConfig>;

/**
 * `health` as users write it (run/stage bodies, stack file): only `path` is required; the
 * interval is 5 s to 1 h, the timeout shorter than the interval, thresholds 1–10.
 */
export const HealthInput = z
  .strictObject({
    path: HealthPath,
    interval: HealthDuration.default(HEALTH_DEFAULTS.interval),
    timeout: HealthDuration.default(HEALTH_DEFAULTS.timeout),
    healthyThreshold: Threshold.default(HEALTH_DEFAULTS.healthyThreshold),
    unhealthyThreshold: Threshold.default(HEALTH_DEFAULTS.unhealthyThreshold),
  })
  .superRefine((h, ctx) => {
    const interval = parseDuration(h.interval);
    const timeout = parseDuration(h.timeout);
    if (interval !== undefined && (interval < MIN_HEALTH_INTERVAL_MS || interval > MAX_HEALTH_INTERVAL_MS)) {
      ctx.addIssue({
        code: "custom",
        path: ["interval"],
        message: `must be from ${formatDuration(MIN_HEALTH_INTERVAL_MS)} to ${formatDuration(MAX_HEALTH_INTERVAL_MS)}, not ${h.interval}`,
      });
    }
    if (timeout !== undefined && timeout < MIN_HEALTH_TIMEOUT_MS) {
      ctx.addIssue({ code: "custom", path: ["timeout"], message: `must be at least ${formatDuration(MIN_HEALTH_TIMEOUT_MS)}, not ${h.timeout}` });
    } else if (timeout !== undefined && interval !== undefined && timeout >= interval) {
      ctx.addIssue({ code: "custom", path: ["timeout"], message: `must be shorter than the interval (${h.interval}), not ${h.timeout}` });
    }
  })
  .transform(
    (h): HealthConfig => ({
      path: h.path,
      interval: formatDuration(parseDuration(h.interval) as number),
      timeout: formatDuration(parseDuration(h.timeout) as number),
      healthyThreshold: h.healthyThreshold,
      unhealthyThreshold: h.unhealthyThreshold,
    }),
  );
export type HealthInput = z.input<typeof HealthInput>;

/** Interval and timeout of stored settings, in ms. */
export function healthTiming(h: HealthConfig): { intervalMs: number; timeoutMs: number } {
  return { intervalMs: parseDuration(h.interval) ?? 10_000, timeoutMs: parseDuration(h.timeout) ?? 2_000 };
}

export function sameHealth(a: HealthConfig | undefined, b: HealthConfig | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return (
    a.path === b.path &&
    a.interval === b.interval &&
    a.timeout === b.timeout &&
    a.healthyThreshold === b.healthyThreshold &&
    a.unhealthyThreshold === b.unhealthyThreshold
  );
}

/** One line of settings, for diffs and history summaries. */
export function describeHealth(h: HealthConfig | undefined): string {
  if (h === undefined) return "none";
  return `${h.path} every ${h.interval} (timeout ${h.timeout}, up after ${h.healthyThreshold}, down after ${h.unhealthyThreshold})`;
}

// ---- what the checker runs: the spec the ConfigStore hands it ----

/** The checks of one service: every revision that has `health`, with its origins. */
export interface HealthSpec {
  /** `stack/name` */
  service: string;
  revisions: { version: string; origins: string[]; health: HealthConfig }[];
}

/** What health reads of a service config (core/model.ts ServiceConfig). */
interface HealthConfigured {
  stack: string;
  name: string;
  version: string;
  origins: string[];
  health?: HealthConfig;
  revisions: { version: string; origins: string[]; health?: HealthConfig }[];
}

/** The revisions of a service config that carry health settings, primary first; null when none does. */
export function healthSpecOf(service: HealthConfigured | null): HealthSpec | null {
  if (service === null) return null;
  const all = [{ version: service.version, origins: service.origins, health: service.health }, ...service.revisions];
  const revisions = all
    .filter((r): r is { version: string; origins: string[]; health: HealthConfig } => r.health !== undefined)
    .map((r) => ({ version: r.version, origins: [...r.origins], health: { ...r.health } }));
  return revisions.length === 0 ? null : { service: `${service.stack}/${service.name}`, revisions };
}

/** True when two specs check the same origins the same way. */
export function sameSpec(a: HealthSpec | null, b: HealthSpec | null): boolean {
  if (a === null || b === null) return a === b;
  if (a.service !== b.service || a.revisions.length !== b.revisions.length) return false;
  return a.revisions.every((r, i) => {
    const o = b.revisions[i];
    return r.version === o.version && r.origins.join("\n") === o.origins.join("\n") && sameHealth(r.health, o.health);
  });
}

// ---- one origin's state ----

/** `unknown` until the first check decides; an unknown origin serves like an up one. */
export type OriginState = "unknown" | "up" | "down";

export interface OriginHealth {
  state: OriginState;
  consecutiveSuccesses: number;
  consecutiveFailures: number;
  /** ms since the epoch, null before the first check */
  lastCheck: number | null;
  lastError: string | null;
}

export function freshOrigin(): OriginHealth {
  return { state: "unknown", consecutiveSuccesses: 0, consecutiveFailures: 0, lastCheck: null, lastError: null };
}

/**
 * The state after one check (`error` null: it passed). An origin goes down after
 * `unhealthyThreshold` failures in a row and comes back after `healthyThreshold` passes in
 * a row; an unknown one is up at its first pass (it was serving anyway).
 */
export function afterCheck(o: OriginHealth, h: HealthConfig, error: string | null, at: number): OriginHealth {
  if (error === null) {
    const successes = o.consecutiveSuccesses + 1;
    const up = o.state === "up" || o.state === "unknown" || successes >= h.healthyThreshold;
    return { state: up ? "up" : "down", consecutiveSuccesses: successes, consecutiveFailures: 0, lastCheck: at, lastError: o.lastError };
  }
  const failures = o.consecutiveFailures + 1;
  const down = o.state === "down" || failures >= h.unhealthyThreshold;
  return { state: down ? "down" : o.state, consecutiveSuccesses: 0, consecutiveFailures: failures, lastCheck: at, lastError: error };
}

/** A check passes on a 2xx or 3xx (redirects are not followed). */
export function passingStatus(status: number): boolean {
  return status >= 200 && status <= 399;
}

// ---- what the data plane learns: the origins marked down ----

/** An origin marked down, by revision version and origin URL. */
export interface DownOrigin {
  version: string;
  origin: string;
}

/** `version\norigin` keys of a down list, for set comparisons. */
export function downKeys(down: readonly DownOrigin[]): Set<string> {
  return new Set(down.map((d) => `${d.version}\n${d.origin}`));
}

export function sameDown(a: readonly DownOrigin[], b: readonly DownOrigin[]): boolean {
  const x = downKeys(a);
  const y = downKeys(b);
  return x.size === y.size && [...x].every((k) => y.has(k));
}

/** The down list of a service as far as its current config can use it: checked revisions, origins they have. */
export function usableDown(service: HealthConfigured, down: readonly DownOrigin[]): DownOrigin[] {
  const checked = new Map<string, Set<string>>();
  if (service.health) checked.set(service.version, new Set(service.origins));
  for (const r of service.revisions) if (r.health) checked.set(r.version, new Set(r.origins));
  return down.filter((d) => checked.get(d.version)?.has(d.origin) ?? false);
}

/** Versions of a service whose every origin is down (checked revisions only). */
export function unhealthyVersions(service: HealthConfigured, down: readonly DownOrigin[]): string[] {
  const keys = downKeys(usableDown(service, down));
  const all = [{ version: service.version, origins: service.origins }, ...service.revisions];
  return all.filter((r) => r.origins.every((o) => keys.has(`${r.version}\n${o}`))).map((r) => r.version);
}
