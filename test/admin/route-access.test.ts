// Every admin route × every role × in and out of scope (DESIGN §11), generated from the
// routes' own access declarations (admin/authorization.ts), so a route added later is in
// this matrix without anyone writing a line here; a route served without a declaration,
// or declared but not served or not documented, fails the cross-checks.
import { beforeAll, describe, expect, it } from "vitest";
// the admin app first: its zod-openapi import must precede any core schema
import { adminApp } from "../../admin/app.ts";
import { declaredRoutes, type Access } from "../../admin/authorization.ts";
import { ROLES, roleRank, type Role } from "../../core/access.ts";
import { api, json, run, uniqueStack } from "./helpers.ts";
import { makeToken, type MadeToken } from "./token-helpers.ts";

/** Every method + path the app answers, as OpenAPI writes it (middleware left out). */
function servedRoutes(): string[] {
  const routes = adminApp.routes.filter((r) => r.method !== "ALL").map((r) => `${r.method} ${r.path.replace(/\/:([^/]+)/g, "/{$1}")}`);
  return [...new Set(routes)].sort();
}

const declared = declaredRoutes();
const key = (r: { method: string; path: string }) => `${r.method} ${r.path}`;

describe("declarations", () => {
  it("every served route is declared, every declared route is served and documented with its need", async () => {
    expect(declared.map(key).sort()).toEqual(servedRoutes());
    const inDocument = declared.filter((r) => r.documented);
    const doc = await json(await api("GET", "/v1/openapi.json"));
    const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
    );
    expect(documented.sort()).toEqual(inDocument.map(key).sort());
    // only the dashboard's files (outside /v1) may stay out of the document
    for (const r of declared) if (!r.documented) expect(r.path.startsWith("/v1/"), key(r)).toBe(false);
    for (const route of inDocument) {
      const op = doc.paths[route.path][route.method.toLowerCase()];
      const a = route.access;
      expect(op["x-weir-access"], key(route)).toEqual({
        role: a.kind === "stack" || a.kind === "all-stacks" ? a.role : null,
        ...(a.kind === "stack" ? { stack: a.stack } : {}),
        allStacks: a.kind === "all-stacks",
      });
      expect(op.description, key(route)).toMatch(/Needs: /);
      if (a.kind !== "public") {
        for (const status of ["401", "403", "429"]) expect(op.responses[status], `${key(route)} ${status}`).toBeDefined();
        expect(op.security).toEqual([{ bearer: [] }]);
      }
    }
  });

  it("reads need viewer, writes deployer, domain writes admin, tokens admin on every stack (DESIGN §11)", () => {
    const need = (r: { access: Access }) =>
      r.access.kind === "stack" ? `${r.access.role} ${r.access.stack}` : r.access.kind === "all-stacks" ? `${r.access.role} *` : r.access.kind;
    const byRoute = new Map(declared.map((r) => [key(r), need(r)]));
    const expected: Record<string, string> = {
      "POST /v1/services": "deployer body-name",
      "GET /v1/services": "viewer query",
      "GET /v1/services/{stack}/{name}": "viewer path",
      "POST /v1/services/{stack}/{name}/revisions": "deployer path",
      "PUT /v1/services/{stack}/{name}/weights": "deployer path",
      "POST /v1/services/{stack}/{name}/promote": "deployer path",
      "DELETE /v1/services/{stack}/{name}": "deployer path",
      "DELETE /v1/services/{stack}/{name}/revisions/{version}": "deployer path",
      "POST /v1/services/{stack}/{name}/rollback": "deployer path",
      "GET /v1/services/{stack}/{name}/rules": "viewer path",
      "PUT /v1/services/{stack}/{name}/rules": "deployer path",
      "POST /v1/services/{stack}/{name}/rules": "deployer path",
      "DELETE /v1/services/{stack}/{name}/rules/{rule}": "deployer path",
      "GET /v1/services/{stack}/{name}/rollout": "viewer path",
      "POST /v1/services/{stack}/{name}/rollout/pause": "deployer path",
      "POST /v1/services/{stack}/{name}/rollout/resume": "deployer path",
      "POST /v1/services/{stack}/{name}/rollout/abort": "deployer path",
      "GET /v1/services/{stack}/{name}/stats": "viewer path",
      "GET /v1/stacks/{stack}": "viewer path",
      "PUT /v1/stacks/{stack}": "deployer path",
      "GET /v1/history": "viewer query-service",
      "POST /v1/domains": "admin body-target",
      "GET /v1/domains": "viewer none",
      "DELETE /v1/domains/{host}": "admin domain",
      "POST /v1/tokens": "admin *",
      "GET /v1/tokens": "admin *",
      "DELETE /v1/tokens/{name}": "admin *",
      "GET /v1/whoami": "token",
      "GET /v1/openapi.json": "token",
    };
    for (const [route, want] of Object.entries(expected)) expect(byRoute.get(route), route).toBe(want);
    // Routes added later follow the same rule: a write never needs less than deployer, a
    // read of one stack never more than viewer.
    for (const r of declared) {
      const role = r.access.kind === "stack" || r.access.kind === "all-stacks" ? r.access.role : null;
      if (r.method !== "GET") expect(role === null ? -1 : roleRank(role), `${key(r)} is a write`).toBeGreaterThanOrEqual(roleRank("deployer"));
      if (r.method === "GET" && r.access.kind === "stack") expect(r.access.role, `${key(r)} is a read`).toBe("viewer");
    }
  });
});

// ---- the matrix ----

interface Caller {
  label: string;
  role: Role;
  allStacks: boolean;
  token: MadeToken;
}

let inStack: string;
let outStack: string;
const callers: Caller[] = [];

beforeAll(async () => {
  inStack = uniqueStack("in");
  outStack = uniqueStack("out");
  for (const stack of [inStack, outStack]) {
    await run(stack);
    await json(await api("POST", "/v1/domains", { body: { host: `d-${stack}.example.com`, target: `${stack}/svc` } }), 201);
  }
  for (const role of ROLES) {
    callers.push({ label: `${role} on [in]`, role, allStacks: false, token: await makeToken(role, [inStack]) });
    callers.push({ label: `${role} on [*]`, role, allStacks: true, token: await makeToken(role, ["*"]) });
  }
});

type Target = "in" | "out" | "none";

/** Which targets a route can be aimed at: its stack in or out of scope, or no stack at all. */
function targets(access: Access): Target[] {
  if (access.kind !== "stack") return ["none"];
  switch (access.stack) {
    case "path":
    case "body-name":
    case "body-target":
    case "domain":
      return ["in", "out"];
    case "query":
    case "query-service":
      return ["in", "out", "none"];
    case "none":
      return ["none"];
  }
}

/**
 * A request for the route aimed at `stack`: path parameters filled (a service that does not
 * exist, a domain that does), the stack put where the declaration says it comes from, and
 * `If-Match: "0"` on writes, so an allowed write is refused (412, 404, 400…) and changes nothing.
 */
function requestFor(route: { method: string; path: string; access: Access }, stack: string | undefined): { path: string; body?: unknown; headers: Record<string, string> } {
  const s = stack ?? inStack;
  let path = route.path.replace(/\{([^}]+)\}/g, (_, name: string) => {
    if (name === "stack") return s;
    if (name === "host") return `d-${s}.example.com`;
    if (name === "version") return "v9";
    return route.path.startsWith("/v1/tokens") ? "ghost-token" : "ghost";
  });
  const a = route.access;
  let body: unknown;
  if (a.kind === "stack" && stack !== undefined) {
    if (a.stack === "query") path += `?stack=${stack}`;
    if (a.stack === "query-service") path += `?service=${stack}/ghost`;
    if (a.stack === "body-name") body = { name: `${stack}/ghost` };
    if (a.stack === "body-target") body = { target: `${stack}/svc` };
  }
  if (body === undefined && (route.method === "POST" || route.method === "PUT")) body = {};
  return { path, body, headers: route.method === "GET" ? {} : { "if-match": '"0"' } };
}

function allowed(access: Access, caller: Caller, target: Target): boolean {
  switch (access.kind) {
    case "public":
    case "token":
      return true;
    case "all-stacks":
      return roleRank(caller.role) >= roleRank(access.role) && caller.allStacks;
    case "stack":
      return roleRank(caller.role) >= roleRank(access.role) && (target !== "out" || caller.allStacks);
  }
}

describe("route × role × scope", () => {
  for (const route of declared) {
    it(`${route.method} ${route.path}`, async () => {
      for (const target of targets(route.access)) {
        const stack = target === "in" ? inStack : target === "out" ? outStack : undefined;
        const req = requestFor(route, stack);

        const anonymous = await api(route.method, req.path, { token: null, body: req.body, headers: req.headers });
        const anonymousText = await anonymous.text();
        if (route.access.kind === "public") expect(anonymous.status, anonymousText).not.toBe(401);
        else expect(anonymous.status, `anonymous ${req.path}: ${anonymousText}`).toBe(401);

        for (const caller of [...callers, undefined]) {
          const label = caller?.label ?? "root";
          const res = await api(route.method, req.path, { body: req.body, headers: req.headers, ...(caller ? { token: caller.token.token } : {}) });
          const text = await res.text();
          const where = `${label} → ${route.method} ${req.path} (${target}): ${res.status} ${text}`;
          if (caller === undefined || allowed(route.access, caller, target)) {
            expect(res.status, where).not.toBe(401);
            expect(res.status, where).not.toBe(403);
            expect(res.status, where).toBeLessThan(500);
          } else {
            expect(res.status, where).toBe(403);
            const { error } = JSON.parse(text) as { error: { code: string; message: string } };
            expect(error.code, where).toBe("forbidden");
            // names the token, its role and scope, and what the route needs (with the stack)
            expect(error.message, where).toContain(`token '${caller.token.name}' (${caller.role} on `);
            const need = route.access.kind === "stack" || route.access.kind === "all-stacks" ? route.access.role : "";
            expect(error.message, where).toContain(`that needs ${need}`);
            // the stack is named, except a domain's when the role falls short (its lookup is skipped)
            const lookupSkipped = route.access.kind === "stack" && route.access.stack === "domain" && roleRank(caller.role) < roleRank(route.access.role);
            if (stack !== undefined && !lookupSkipped) expect(error.message, where).toContain(`stack '${stack}'`);
            if (route.access.kind === "all-stacks") expect(error.message, where).toContain("on every stack");
          }
        }
      }
    });
  }
});
