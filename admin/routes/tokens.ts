/**
 * @module admin/routes/tokens
 * API tokens (DESIGN §11): create (the secret is shown once; only its SHA-256 is stored),
 * list (never a secret) and revoke, for admin tokens on every stack; and `GET /v1/whoami`,
 * the caller's own rights, for any valid token.
 */
import { z, type OpenAPIHono } from "@hono/zod-openapi";
import { grantProblem } from "../../core/access.ts";
import { WeirError } from "../../core/errors.ts";
import {
  CreateTokenBody as CoreCreateTokenBody,
  CreatedToken as CoreCreatedToken,
  formatSecret,
  SECRET_BYTES,
  tokenExpiry,
  TokenName,
  TokenView as CoreTokenView,
  Whoami as CoreWhoami,
} from "../../core/token.ts";
import { sha256 } from "../auth.ts";
import { accessRoute, ALL_STACKS_ADMIN, ANY_TOKEN, principalOf } from "../authorization.ts";
import { checkIfMatch, settle, store, type AdminEnv } from "../context.ts";
import { commonErrors, conflict, jsonBody, jsonResponse, notFound, writeErrors } from "../schemas.ts";

export const CreateTokenBody = CoreCreateTokenBody.openapi("CreateTokenBody");
export const CreatedToken = CoreCreatedToken.openapi("CreatedToken");
export const TokenView = CoreTokenView.openapi("TokenView");
export const TokenList = z.object({ tokens: z.array(TokenView) }).openapi("TokenList");
export const Whoami = CoreWhoami.openapi("Whoami");
const TokenParams = z.object({ name: TokenName.openapi({ param: { name: "name", in: "path" } }) });

const tags = ["tokens"];

export function registerTokenRoutes(app: OpenAPIHono<AdminEnv>): void {
  app.openapi(
    accessRoute(ALL_STACKS_ADMIN, {
      method: "post",
      path: "/v1/tokens",
      tags,
      summary: "Create an API token (weir token create); `token`, the secret, is in this answer only",
      description: "A token never gets more rights than its creator's: no higher role, no stack outside its scope, no later expiry.",
      request: { body: jsonBody(CreateTokenBody) },
      responses: { 201: jsonResponse(CreatedToken, "The new token, with its secret"), ...writeErrors, ...conflict },
    }),
    async (c) => {
      const body = c.req.valid("json");
      await checkIfMatch(c);
      const creator = principalOf(c);
      const now = Date.now();
      const expiresAt = tokenExpiry(body.expires, now);
      const problem = grantProblem(creator, { role: body.role, stacks: body.stacks, expiresAt });
      if (problem) throw new WeirError("forbidden", problem);
      const secret = formatSecret(crypto.getRandomValues(new Uint8Array(SECRET_BYTES)));
      const input = { name: body.name, role: body.role, stacks: body.stacks, createdAt: new Date(now).toISOString(), expiresAt, createdBy: creator.name };
      const { lastUsedAt: _, ...created } = settle(c, await store(c).createToken(input, await sha256(secret)));
      return c.json({ ...created, token: secret }, 201);
    },
  );

  app.openapi(
    accessRoute(ALL_STACKS_ADMIN, {
      method: "get",
      path: "/v1/tokens",
      tags,
      summary: "List API tokens (weir token ls): name, role, stacks, creation, expiry, last use; never a secret",
      responses: { 200: jsonResponse(TokenList, "Every token, by name"), ...commonErrors },
    }),
    async (c) => c.json({ tokens: settle(c, await store(c).listTokens()) }, 200),
  );

  app.openapi(
    accessRoute(ALL_STACKS_ADMIN, {
      method: "delete",
      path: "/v1/tokens/{name}",
      tags,
      summary: "Revoke an API token (weir token rm): its next request is refused",
      request: { params: TokenParams },
      responses: { 200: jsonResponse(TokenView, "The revoked token"), ...writeErrors, ...notFound },
    }),
    async (c) => {
      const { name } = c.req.valid("param");
      await checkIfMatch(c);
      return c.json(settle(c, await store(c).removeToken(name)), 200);
    },
  );

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
