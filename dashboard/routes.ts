/**
 * @module dashboard/routes
 * The dashboard on ADMIN_HOST (DESIGN §12): `GET /` (the page) and
 * `GET /assets/<version>/<file>`. They need no token; everything the page shows it fetches
 * from /v1 with the token the person signs in with. The admin app mounts these ahead of its
 * auth middleware; data-plane hostnames never reach them (worker/index.ts sends only
 * ADMIN_HOST to the admin app).
 */
import type { Env as HonoEnv, Hono } from "hono";
import { errorResponse, WeirError } from "../core/errors.ts";
import { dashboardBundle } from "./assets.ts";
import { dashboardHeaders } from "./headers.ts";

function notFound(path: string): Response {
  const res = errorResponse(new WeirError("not_found", `no dashboard file ${path}`));
  res.headers.set("cache-control", "no-store");
  res.headers.set("x-content-type-options", "nosniff");
  return res;
}

export function registerDashboard<E extends HonoEnv>(app: Hono<E>): void {
  app.get("/", () => {
    const { page } = dashboardBundle();
    return new Response(page, { headers: dashboardHeaders("text/html; charset=utf-8", "page") });
  });

  app.get("/assets/:version/:file{.+}", (c) => {
    const bundle = dashboardBundle();
    const asset = c.req.param("version") === bundle.version ? bundle.files.get(c.req.param("file")) : undefined;
    if (!asset) return notFound(new URL(c.req.url).pathname);
    return new Response(asset.body, { headers: dashboardHeaders(asset.contentType, "immutable") });
  });
}
