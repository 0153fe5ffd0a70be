/**
 * @module worker/index
 * The Weir Worker: ADMIN_HOST goes to the admin API, every other hostname to the data plane.
 */
import { adminApp } from "../admin/app.ts";
import { defaultAdminHost, normalizeHost } from "../core/hostnames.ts";
import { handleDataPlane } from "./data-plane.ts";
import type { Env } from "./env.ts";

export { ConfigStore } from "../admin/store/config-store.ts";

export default {
  async fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
    const host = normalizeHost(new URL(request.url).host);
    if (host === normalizeHost(env.ADMIN_HOST || defaultAdminHost(env.BASE_DOMAIN))) {
      return adminApp.fetch(request, env, ctx);
    }
    return handleDataPlane(request, env);
  },
} satisfies ExportedHandler<Env>;
