/**
 * @module worker/env
 * The bindings, vars and secrets of the Weir Worker (wrangler.toml, .dev.vars).
 */
export interface Env {
  /** route records, one per hostname (docs/storage.md) */
  ROUTES: KVNamespace;
  /** the ConfigStore Durable Object: single writer and source of truth */
  CONFIG_STORE: DurableObjectNamespace;
  /** StatsStore Durable Objects, one per service: edge statistics (issue 6) */
  STATS_STORE: DurableObjectNamespace;
  BASE_DOMAIN: string;
  /** default `admin.<BASE_DOMAIN>` */
  ADMIN_HOST?: string;
  /** per-isolate route cache lifetime in ms (default 2000) */
  ROUTE_CACHE_MS?: string;
  /** ms to wait for an origin's response headers (default 30000) */
  ORIGIN_TIMEOUT_MS?: string;
  /** root admin token (secret); without it the admin API refuses every request */
  ADMIN_TOKEN?: string;
  /** HMAC key of the sticky cookie (secret) */
  STICKY_SECRET?: string;
  /** Rate Limiting binding: failed admin authentications per client IP (DESIGN §11) */
  AUTH_FAILURES?: RateLimit;
  /** ms between stats flushes of an isolate (default 5000) */
  STATS_FLUSH_MS?: string;
  /** history entries the ConfigStore keeps (default 1000); older ones are summarized */
  HISTORY_KEEP?: string;
}
