/**
 * @module admin/routes/tokens
 * API tokens (DESIGN §11): who the caller is (`GET /v1/whoami`, any valid token).
 */
import { type OpenAPIHono } from "@hono/zod-openapi";
import { Whoami as CoreWhoami } from "../../core/token.ts";
import { accessRoute, ANY_TOKEN, principalOf } from "../authorization.ts";
import type { AdminEnv } from "../context.ts";
import { commonErrors, jsonResponse } from "../schemas.ts";

export const Whoami = CoreWhoami.openapi("Whoami");

const tags = ["tokens"];

export function registerTokenRoutes(app: OpenAPIHono<AdminEnv>): void {
  app.openapi(
    accessRoute(ANY_TOKEN, {
      method: "get",
      path: "/v1/whoami",
      tags,
      summary: "The calling token: name (`root` for ADMIN_TOKEN), role, stacks and expiry",
      responses: { 200: jsonResponse(Whoami, "The caller's rights"), ...commonErrors },
    }),
    (c) => {
      const { name, role, stacks, expiresAt } = principalOf(c);
      return c.json({ name, role, stacks, expiresAt }, 200);
    },
  );
}
