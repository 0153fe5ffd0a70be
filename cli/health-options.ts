/**
 * @module cli/health-options
 * Rio's health-check flags on `weir run` and `weir stage` (DESIGN §13): `--health-url`
 * (the path checked on every origin) and the interval, timeout and thresholds that go with
 * it. Checked with the core schema, so the CLI refuses exactly what the API would, naming
 * the flag.
 */
import type { Command } from "commander";
import { WeirError } from "../core/errors.ts";
import { HEALTH_DEFAULTS, HealthInput } from "../core/health.ts";

export interface HealthOptions {
  healthUrl?: string;
  healthInterval?: string;
  healthTimeout?: string;
  healthSuccessThreshold?: string;
  healthFailureThreshold?: string;
}

/** The flag of each field of the health settings. */
const FLAGS: Record<string, string> = {
  path: "--health-url",
  interval: "--health-interval",
  timeout: "--health-timeout",
  healthyThreshold: "--health-success-threshold",
  unhealthyThreshold: "--health-failure-threshold",
};

export function addHealthOptions(cmd: Command): Command {
  return cmd
    .option("--health-url <path>", "check this path on every origin (e.g. /healthz): a 2xx or 3xx within the timeout passes; unhealthy origins get no traffic")
    .option("--health-interval <duration>", `time between checks, 5s to 1h (default ${HEALTH_DEFAULTS.interval})`)
    .option("--health-timeout <duration>", `how long a check may take, less than the interval (default ${HEALTH_DEFAULTS.timeout})`)
    .option("--health-success-threshold <n>", `passes in a row that bring an origin back, 1-10 (default ${HEALTH_DEFAULTS.healthyThreshold})`)
    .option("--health-failure-threshold <n>", `failures in a row that mark an origin down, 1-10 (default ${HEALTH_DEFAULTS.unhealthyThreshold})`);
}

function threshold(flag: string, text: string): number {
  if (!/^\d{1,2}$/.test(text.trim())) throw new WeirError("bad_request", `invalid ${flag} '${text}': must be a whole number from 1 to 10`);
  return Number(text);
}

/** The `health` body field the flags ask for, or undefined without `--health-url`. */
export function healthFromOptions(opts: HealthOptions): Record<string, string | number> | undefined {
  if (opts.healthUrl === undefined) {
    const stray = Object.entries({
      "--health-interval": opts.healthInterval,
      "--health-timeout": opts.healthTimeout,
      "--health-success-threshold": opts.healthSuccessThreshold,
      "--health-failure-threshold": opts.healthFailureThreshold,
    }).find(([, v]) => v !== undefined);
    if (stray) throw new WeirError("bad_request", `${stray[0]} needs --health-url, the path to check`);
    return undefined;
  }
  const health: Record<string, string | number> = { path: opts.healthUrl };
  if (opts.healthInterval !== undefined) health.interval = opts.healthInterval;
  if (opts.healthTimeout !== undefined) health.timeout = opts.healthTimeout;
  if (opts.healthSuccessThreshold !== undefined) health.healthyThreshold = threshold("--health-success-threshold", opts.healthSuccessThreshold);
  if (opts.healthFailureThreshold !== undefined) health.unhealthyThreshold = threshold("--health-failure-threshold", opts.healthFailureThreshold);
  const result = HealthInput.safeParse(health);
  if (!result.success) {
    const issue = result.error.issues[0];
    const field = String(issue.path[0] ?? "path");
    throw new WeirError("bad_request", `invalid ${FLAGS[field] ?? "health check"} '${health[field] ?? ""}': ${issue.message}`);
  }
  return health;
}
