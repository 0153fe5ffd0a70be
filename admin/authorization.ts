/**
 * @module admin/authorization
 * Authorization in one place (DESIGN §11). Every admin route is declared with
 * `accessRoute(access, config)`: what it needs (a role on the stack it acts on, admin on
 * every stack, any valid token, or nothing) and where that stack comes from. The same call
 * puts the need in the route's OpenAPI entry and installs `authorize`, the one middleware
 * that decides (403 `forbidden` naming the token's role and scope, the stack and the need).
 * The app's gate (`gate`, first on every request) authenticates and refuses any route that
 * was registered without a declaration, so a new route cannot skip this by accident.
 */
import { createRoute, type RouteConfig } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import { matchedRoutes } from "hono/route";
import { accessProblem, coversAllStacks, hasRole, type Need, type Principal, type Role } from "../core/access.ts";
import { WeirError } from "../core/errors.ts";
import { normalizeHost } from "../core/hostnames.ts";
import { z } from "zod";
import { DnsLabel, ServiceId } from "../core/model.ts";
import { authenticate } from "./auth.ts";
import { store, type AdminContext, type AdminEnv } from "./context.ts";
import { ErrorBody } from "./schemas.ts";
import { parseOrThrow } from "./validation.ts";

/** Where the stack a request acts on comes from. */
export type StackSource =
  /** the `{stack}` path parameter */
  | "path"
  /** the `stack` query parameter; without it a list is filtered to the caller's stacks */
  | "query"
  /** the `service` query parameter, `stack/name`; without it, as "query" */
  | "query-service"
  /** the body's `name`, `stack/name` */
  | "body-name"
  /** the body's `target`, `stack/name[:version]` */
  | "body-target"
  /** the stack of the service the `{host}` path parameter is bound to */
  | "domain"
  /** none: the route acts on no one stack (a list filtered to the caller's stacks) */
  | "none";

export type Access =
  /** no token at all (dashboard files) */
  | { kind: "public" }
  /** any valid token (whoami, the OpenAPI document) */
  | { kind: "token" }
  /** `role` on the stack taken from `stack` */
  | { kind: "stack"; role: Role; stack: StackSource }
  /** admin on every stack (tokens) */
  | { kind: "all-stacks"; role: Role };

export const PUBLIC: Access = { kind: "public" };
export const ANY_TOKEN: Access = { kind: "token" };
/** viewer: reads of a stack, or lists filtered to the caller's stacks */
export const read = (stack: StackSource): Access => ({ kind: "stack", role: "viewer", stack });
/** deployer: changes to a stack */
export const write = (stack: StackSource): Access => ({ kind: "stack", role: "deployer", stack });
/** admin on a stack (custom domains) */
export const admin = (stack: StackSource): Access => ({ kind: "stack", role: "admin", stack });
/** admin with `["*"]` (tokens) */
export const ALL_STACKS_ADMIN: Access = { kind: "all-stacks", role: "admin" };

/** The role an access needs, or null for none (public) and any token. */
export function roleOf(access: Access): Role | null {
  return access.kind === "stack" || access.kind === "all-stacks" ? access.role : null;
}

/** One line for the OpenAPI document and docs/api.md. */
export function describeAccess(access: Access): string {
  switch (access.kind) {
    case "public":
      return "no token";
    case "token":
      return "any valid token";
    case "all-stacks":
      return `${access.role} on every stack (stacks ["*"])`;
    case "stack": {
      const where = {
        path: "the path's stack",
        query: "the `stack` query parameter's stack; without it, any stack, and the answer lists only the token's stacks",
        "query-service": "the `service` query parameter's stack; without it, any stack, and the answer lists only the token's stacks",
        "body-name": "the stack of the body's `name`",
        "body-target": "the stack of the body's `target`",
        domain: "the stack of the service the domain is bound to",
        none: "any stack; the answer lists only the token's stacks",
      }[access.stack];
      return `${access.role} on ${where}`;
    }
  }
}

/** Declarations by `METHOD /openapi/{path}`; `documented`: in the OpenAPI document. */
const declared = new Map<string, { access: Access; documented: boolean }>();

function key(method: string, path: string): string {
  return `${method.toUpperCase()} ${path}`;
}

/** Every route declared so far (the tests generate their matrix from this). */
export function declaredRoutes(): { method: string; path: string; access: Access; documented: boolean }[] {
  return [...declared].map(([k, { access, documented }]) => {
    const [method, path] = k.split(" ");
    return { method, path, access, documented };
  });
}

function declare(method: string, path: string, access: Access, documented: boolean): void {
  const k = key(method, path);
  if (declared.has(k)) throw new Error(`${k} is declared twice`);
  declared.set(k, { access, documented });
}

/**
 * For a route outside the OpenAPI document (the dashboard's files): declares its access
 * and returns the middleware to put before its handler, e.g.
 * `app.get("/", plainRoute(PUBLIC, "get", "/"), serveIndex)`.
 */
export function plainRoute(access: Access, method: string, path: string): MiddlewareHandler<AdminEnv> {
  declare(method, path.replace(/\/:([^/]+)/g, "/{$1}"), access, false);
  return authorize(access);
}

const forbidden = { description: "The token's role or stacks do not cover this request", content: { "application/json": { schema: ErrorBody } } };
const rateLimited = {
  description: "Too many failed authentications from this client IP; see Retry-After",
  content: { "application/json": { schema: ErrorBody } },
};

/**
 * `createRoute` with the route's access declared: recorded for the gate, enforced by
 * `authorize` before the route's validators, and written into its OpenAPI entry
 * (`x-weir-access`, the description, 403/429 responses).
 */
export function accessRoute<const R extends RouteConfig>(access: Access, config: R): R {
  declare(config.method, config.path, access, true);
  const own = config.middleware === undefined ? [] : Array.isArray(config.middleware) ? config.middleware : [config.middleware];
  const needs = `Needs: ${describeAccess(access)}.`;
  return createRoute({
    ...config,
    description: config.description ? `${config.description}\n\n${needs}` : needs,
    security: access.kind === "public" ? [] : [{ bearer: [] }],
    middleware: [authorize(access), ...own],
    responses: access.kind === "public" ? config.responses : { ...config.responses, 403: forbidden, 429: rateLimited },
    "x-weir-access": { role: roleOf(access), ...(access.kind === "stack" ? { stack: access.stack } : {}), allStacks: access.kind === "all-stacks" },
  } as R);
}

/** The declarations of every route this request matched (none: a 404), null for one without. */
function matchedAccess(c: AdminContext): (Access | null)[] {
  const routes = matchedRoutes(c).filter((r) => r.method !== "ALL");
  return routes.map((r) => declared.get(key(r.method, r.path.replace(/\/:([^/]+)/g, "/{$1}")))?.access ?? null);
}

/**
 * First on every request: authenticates (401, or 429 past the failure limit) unless the
 * route is public, and refuses a route registered without `accessRoute` (a 500 that the
 * route matrix test turns into a failure) before any of its code runs.
 */
export const gate: MiddlewareHandler<AdminEnv> = async (c, next) => {
  const matched = matchedAccess(c);
  // Public only when every route the path matches is (a public catch-all never opens an API route).
  if (matched.length === 0 || matched.some((a) => a?.kind !== "public")) {
    const principal = await authenticate(c);
    c.set("principal", principal);
    c.set("actor", principal.name);
  }
  if (matched.includes(null)) {
    console.error(`admin route ${c.req.method} ${c.req.path} declares no access: register it with accessRoute`);
    throw new WeirError("internal", "this route declares no access requirement and is refused");
  }
  await next();
};

/** The principal of an authenticated request, as the gate set it. */
export function principalOf(c: AdminContext): Principal {
  const p = c.get("principal");
  if (p === undefined) throw new WeirError("internal", "no principal on an authenticated route");
  return p;
}

/** The caller's stacks for filtering a list, or undefined when it covers every stack. */
export function stackFilter(c: AdminContext): string[] | undefined {
  const { stacks } = principalOf(c);
  return coversAllStacks(stacks) ? undefined : stacks;
}

/** The request body as JSON, or undefined; Hono caches the bytes for the route's validator. */
async function bodyJson(c: AdminContext): Promise<Record<string, unknown> | undefined> {
  try {
    const value: unknown = JSON.parse(new TextDecoder().decode(await c.req.arrayBuffer()));
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const StackParam = z.object({ stack: DnsLabel });
const ServiceParam = z.object({ service: ServiceId });

function stackOfServiceRef(value: unknown): string | undefined {
  if (typeof value !== "string") return undefined;
  const ref = value.split(":")[0];
  return ServiceId.safeParse(ref).success ? ref.split("/")[0] : undefined;
}

/**
 * The stack a request acts on: a string, undefined when the route acts on none (or an
 * optional parameter is absent), or null when a body should name one and does not (the
 * route's validator refuses such a body).
 */
async function stackOf(c: AdminContext, source: StackSource): Promise<string | undefined | null> {
  // A stack that is not a DNS label is the 400 the route's validator gives, whoever asks:
  // no token covers it, and a 403 naming it would blame the token for a malformed request.
  switch (source) {
    case "path":
      return parseOrThrow(StackParam, { stack: c.req.param("stack") }, "param").stack;
    case "query": {
      const stack = c.req.query("stack");
      return stack === undefined ? undefined : parseOrThrow(StackParam, { stack }, "query").stack;
    }
    case "query-service": {
      const service = c.req.query("service");
      return service === undefined ? undefined : parseOrThrow(ServiceParam, { service }, "query").service.split("/")[0];
    }
    case "body-name":
      return stackOfServiceRef((await bodyJson(c))?.name) ?? null;
    case "body-target":
      return stackOfServiceRef((await bodyJson(c))?.target) ?? null;
    case "domain": {
      const host = normalizeHost(c.req.param("host") ?? "");
      const domains = await store(c).listDomains();
      const bound = domains.ok ? domains.value.find((d) => d.host === host) : undefined;
      if (bound === undefined) throw new WeirError("not_found", `no custom domain '${host}'`);
      return bound.service.split("/")[0];
    }
    case "none":
      return undefined;
  }
}

/** The one decision: does the request's principal have what the route declared? */
export function authorize(access: Access): MiddlewareHandler<AdminEnv> {
  return async (c, next) => {
    if (access.kind === "public" || access.kind === "token") return next();
    const principal = principalOf(c);
    const need: Need = { role: access.role, what: `${c.req.method} ${c.req.path}` };
    if (access.kind === "all-stacks") need.allStacks = true;
    else {
      // A domain's stack costs a store read: not worth it for a role that falls short anyway.
      const stack = access.stack === "domain" && !hasRole(principal, access.role) ? undefined : await stackOf(c, access.stack);
      if (stack === null && hasRole(principal, access.role) && !coversAllStacks(principal.stacks)) {
        throw new WeirError("bad_request", "the body must name a service as 'stack/name' so the token's stacks can be checked");
      }
      if (typeof stack === "string") need.stack = stack;
    }
    const problem = accessProblem(principal, need);
    if (problem) throw new WeirError("forbidden", problem);
    await next();
  };
}
