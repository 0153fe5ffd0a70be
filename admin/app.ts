/**
 * @module admin/app
 * The admin API on ADMIN_HOST (DESIGN §8): a Hono app whose routes are declared with the
 * same zod schemas that validate them, so `GET /v1/openapi.json` describes exactly what is
 * served. Every route declares its access (admin/authorization.ts). Order of the
 * middleware: refused-body discard → gate (authentication, fail closed) → the dashboard's
 * public files → ETag → 1 MiB body limit → the route's authorization → its validators →
 * the route.
 * Every error leaves through `onError` as `{"error":{"code","message"}}`.
 */
import { OpenAPIHono, z } from "@hono/zod-openapi";
import { HTTPException } from "hono/http-exception";
import { errorResponse, isWeirError, WeirError } from "../core/errors.ts";
import { registerDashboard } from "../dashboard/routes.ts";
import { RETRY_AFTER_S } from "./auth-failures.ts";
import { accessRoute, ANY_TOKEN, gate } from "./authorization.ts";
import { discardRefusedBody, limitBody } from "./body-limit.ts";
import { store, type AdminEnv } from "./context.ts";
import { jsonBodyKeys } from "./body-parsing.ts";
import { etagOf } from "./etag.ts";
import { registerDomainRoutes } from "./routes/domains.ts";
import { registerHealthRoutes } from "./routes/health.ts";
import { registerHistoryRoutes } from "./routes/history.ts";
import { registerRolloutRoutes } from "./routes/rollouts.ts";
import { registerRuleRoutes } from "./routes/rules.ts";
import { registerServiceRoutes } from "./routes/services.ts";
import { registerStackRoutes } from "./routes/stacks.ts";
import { registerTokenRoutes } from "./routes/tokens.ts";
import { commonErrors } from "./schemas.ts";
import { validationError } from "./validation.ts";

/** Maps anything thrown to the one error type; unexpected errors are logged and become 500. */
function toWeirError(error: unknown): WeirError {
  if (isWeirError(error)) return error;
  if (error instanceof HTTPException) {
    if (error.status === 413) return new WeirError("payload_too_large", "request body is larger than 1 MiB");
    if (error.status === 415) return new WeirError("bad_request", "unsupported Content-Type: send application/json");
    if (error.status < 500) return new WeirError("bad_request", error.message || "bad request");
  }
  console.error("admin API error:", error);
  return new WeirError("internal", "internal error");
}

export const adminApp = new OpenAPIHono<AdminEnv>({
  defaultHook: (result) => {
    if (!result.success) throw validationError(result.error, result.target);
  },
});

// Before anything can refuse a request: a body answered without being read is discarded.
adminApp.use("*", discardRefusedBody);

adminApp.use("*", gate);

// The dashboard's page and files (DESIGN §12), declared public (plainRoute) so the gate lets
// them through without a token; mounted ahead of the ETag middleware, which is about the
// API's config version, not these files. Everything they show comes from /v1 with the token.
registerDashboard(adminApp);

// ETag = config version on every authenticated response (errors included).
adminApp.use("*", async (c, next) => {
  await next();
  const version = c.get("configVersion") ?? (await store(c).configVersion());
  c.res.headers.set("etag", etagOf(version));
});

adminApp.use("*", limitBody);

// A JSON body with a key given twice is a 400 before any route reads it (issue 9).
adminApp.use("*", jsonBodyKeys);

registerServiceRoutes(adminApp);
registerStackRoutes(adminApp);
registerHistoryRoutes(adminApp);
registerDomainRoutes(adminApp);
registerRolloutRoutes(adminApp);
registerHealthRoutes(adminApp);
registerRuleRoutes(adminApp);
registerTokenRoutes(adminApp);

adminApp.openAPIRegistry.registerComponent("securitySchemes", "bearer", { type: "http", scheme: "bearer" });

/** The OpenAPI document of every route above, generated from their zod schemas. */
export function openApiDocument() {
  return adminApp.getOpenAPIDocument({
    openapi: "3.0.0",
    info: { title: "Weir admin API", version: "1", description: "Staged releases at the edge (DESIGN §8)." },
    security: [{ bearer: [] }],
  });
}

adminApp.openapi(
  accessRoute(ANY_TOKEN, {
    method: "get",
    path: "/v1/openapi.json",
    tags: ["meta"],
    summary: "This document",
    responses: { 200: { description: "OpenAPI 3.0 document", content: { "application/json": { schema: z.object({}).passthrough() } } }, ...commonErrors },
  }),
  (c) => c.json(openApiDocument() as unknown as Record<string, unknown>, 200),
);

adminApp.notFound((c) => errorResponse(new WeirError("not_found", `no admin route ${c.req.method} ${new URL(c.req.url).pathname}`)));

adminApp.onError((error, c) => {
  const e = toWeirError(error);
  const res = errorResponse(e);
  if (e.code === "unauthorized") res.headers.set("www-authenticate", 'Bearer realm="weir"');
  if (e.code === "rate_limited") res.headers.set("retry-after", String(RETRY_AFTER_S));
  return res;
});
