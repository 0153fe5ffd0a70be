/**
 * @module dashboard/routes
 * The dashboard on ADMIN_HOST (DESIGN §12): `GET /` (the page) and
 * `GET /assets/<version>/<file>`. They need no token (declared `plainRoute(PUBLIC, …)`, so
 * the admin app's gate lets them through unauthenticated); everything the page shows it
 * fetches from /v1 with the token the person signs in with. Data-plane hostnames never
 * reach them (worker/index.ts sends only ADMIN_HOST to the admin app).
 */
import type { Hono } from "hono";
import { WeirError } from "../core/errors.ts";
import { plainRoute, PUBLIC } from "../admin/authorization.ts";
import type { AdminEnv } from "../admin/context.ts";
import { dashboardBundle } from "./assets.ts";
import { dashboardHeaders } from "./headers.ts";

/** A 404 with every header a dashboard file has (CSP, no framing, no sniffing), never cached. */
function notFound(path: string): Response {
  const error = new WeirError("not_found", `no dashboard file ${path}`);
  return new Response(JSON.stringify(error.toBody()), { status: error.status, headers: dashboardHeaders("application/json; charset=utf-8", "none") });
}

export function registerDashboard(app: Hono<AdminEnv>): void {
  app.get("/", plainRoute(PUBLIC, "get", "/"), () => {
    const { page } = dashboardBundle();
    return new Response(page, { headers: dashboardHeaders("text/html; charset=utf-8", "page") });
  });

  // every file sits directly under its version (dashboard/assets.ts)
  app.get("/assets/:version/:file", plainRoute(PUBLIC, "get", "/assets/:version/:file"), (c) => {
    const bundle = dashboardBundle();
    const asset = c.req.param("version") === bundle.version ? bundle.files.get(c.req.param("file")) : undefined;
    if (!asset) return notFound(new URL(c.req.url).pathname);
    return new Response(asset.body, { headers: dashboardHeaders(asset.contentType, "immutable") });
  });
}
