/**
 * @module core/health-view
 * The JSON of `GET /v1/services/{stack}/{name}/health` (DESIGN §13): every revision, the
 * primary first, with its health settings and each checked origin's state, last check,
 * last error and consecutive counts; a revision without health settings has `health: null`
 * and no origins listed (nothing checks them; they serve). Shared by the admin API, its OpenAPI
 * document, `weir inspect` and `weir health`.
 */
import { z } from "zod";
import { downKeys, HealthConfig, type DownOrigin, type OriginHealth } from "./health.ts";
import type { ServiceConfig } from "./model.ts";

export const OriginHealthView = z.object({
  origin: z.string(),
  /** `unknown` before its first check: it serves */
  state: z.enum(["up", "down", "unknown"]),
  /** ISO time of the last check */
  lastCheck: z.string().nullable(),
  lastError: z.string().nullable(),
  consecutiveSuccesses: z.number().int(),
  consecutiveFailures: z.number().int(),
});
export type OriginHealthView = z.infer<typeof OriginHealthView>;

export const ServiceHealthView = z.object({
  /** `stack/name` */
  service: z.string(),
  revisions: z.array(
    z.object({
      version: z.string(),
      health: HealthConfig.nullable(),
      origins: z.array(OriginHealthView),
    }),
  ),
});
export type ServiceHealthView = z.infer<typeof ServiceHealthView>;

/** One origin's state as a checker holds it. */
export interface CheckedOrigin extends OriginHealth {
  version: string;
  origin: string;
}

/**
 * The view of a service from its config, what its checker holds (null: unreachable) and
 * the origins the store marks down. The checker's figures win; an origin it has not
 * reported on is `down` when the store marks it so (what the edge does), else `unknown`.
 */
export function serviceHealthView(service: ServiceConfig, checked: readonly CheckedOrigin[] | null, down: readonly DownOrigin[]): ServiceHealthView {
  const marks = downKeys(down);
  const byKey = new Map((checked ?? []).map((c) => [`${c.version}\n${c.origin}`, c]));
  const revisions = [{ version: service.version, origins: service.origins, health: service.health }, ...service.revisions];
  return {
    service: `${service.stack}/${service.name}`,
    revisions: revisions.map((r) => ({
      version: r.version,
      health: r.health ?? null,
      origins: (r.health === undefined ? [] : r.origins).map((origin) => {
        const key = `${r.version}\n${origin}`;
        const c = byKey.get(key);
        if (c === undefined) {
          return {
            origin,
            state: marks.has(key) ? "down" : "unknown",
            lastCheck: null,
            lastError: null,
            consecutiveSuccesses: 0,
            consecutiveFailures: 0,
          };
        }
        return {
          origin,
          state: c.state,
          lastCheck: c.lastCheck === null ? null : new Date(c.lastCheck).toISOString(),
          lastError: c.lastError,
          consecutiveSuccesses: c.consecutiveSuccesses,
          consecutiveFailures: c.consecutiveFailures,
        };
      }),
    })),
  };
}
