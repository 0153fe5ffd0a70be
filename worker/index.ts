/**
 * @module worker/index
 * The Weir Worker: ADMIN_HOST goes to the admin API, every other hostname to the data plane.
 */
import { adminApp } from "../admin/app.ts";
import { defaultAdminHost, normalizeHost } from "../core/hostnames.ts";
import { handleDataPlane } from "./data-plane.ts";
import type { Env } from "./env.ts";
import { splitRequestUrl } from "./request-url.ts";

export { ConfigStore } from "../admin/store/config-store.ts";
export { StatsStore } from "../admin/store/stats-store.ts";
export { HealthChecker } from "../admin/store/health-checker.ts";

/** the normalized admin host, recomputed only when the env's value changes */
let admin = { configured: "", host: "" };

function adminHost(env: Env): string {
  const configured = env.ADMIN_HOST || defaultAdminHost(env.BASE_DOMAIN);
  if (configured !== admin.configured) admin = { configured, host: normalizeHost(configured) };
  return admin.host;
}

export default {
  async fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
    const url = splitRequestUrl(request.url);
    if (url.host === adminHost(env)) return adminApp.fetch(request, env, ctx);
    return handleDataPlane(request, env, url, ctx);
  },
} satisfies ExportedHandler<Env>;
