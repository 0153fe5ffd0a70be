// GET /v1/openapi.json (DESIGN §8): generated from the same zod schemas that validate the
// routes; a walk over the app's own route table checks that each route is documented.
import { describe, expect, it } from "vitest";
import { adminApp } from "../../admin/app.ts";
import { api, json } from "./helpers.ts";

/**
 * Every method + path the Hono app answers under /v1 (middleware, registered as ALL, left
 * out; so are the dashboard's files at `/` and `/assets/…`, which are not API routes).
 */
function servedRoutes(): { method: string; path: string }[] {
  return adminApp.routes
    .filter((r) => r.method !== "ALL" && r.path.startsWith("/v1/"))
    .map((r) => ({ method: r.method.toLowerCase(), path: r.path.replace(/:([^/]+)/g, "{$1}") }));
}

describe("GET /v1/openapi.json", () => {
  it("documents every route the app serves, with its parameters, bodies and errors", async () => {
    const res = await api("GET", "/v1/openapi.json");
    expect(res.headers.get("etag")).toMatch(/^"\d+"$/);
    const doc = await json(res);
    expect(doc.openapi).toBe("3.0.0");
    expect(doc.components.securitySchemes.bearer).toEqual({ type: "http", scheme: "bearer" });

    const routes = servedRoutes();
    expect(routes.length).toBeGreaterThanOrEqual(15);
    for (const { method, path } of routes) {
      const op = doc.paths[path]?.[method];
      expect(op, `${method.toUpperCase()} ${path} is not documented`).toBeDefined();
      expect(op.responses["401"], `${method} ${path} 401`).toBeDefined();
      for (const name of path.match(/\{([^}]+)\}/g) ?? []) {
        const param = name.slice(1, -1);
        expect(op.parameters.some((p: { name: string; in: string }) => p.name === param && p.in === "path"), `${path} ${param}`).toBe(true);
      }
    }
    // and nothing documented that is not served
    const served = new Set(routes.map((r) => `${r.method} ${r.path}`));
    for (const [path, ops] of Object.entries(doc.paths as Record<string, Record<string, unknown>>)) {
      for (const method of Object.keys(ops)) expect(served.has(`${method} ${path}`), `${method} ${path}`).toBe(true);
    }

    // the DESIGN §8 table, route by route
    const design = [
      "post /v1/services",
      "get /v1/services",
      "get /v1/services/{stack}/{name}",
      "post /v1/services/{stack}/{name}/revisions",
      "put /v1/services/{stack}/{name}/weights",
      "post /v1/services/{stack}/{name}/promote",
      "delete /v1/services/{stack}/{name}",
      "delete /v1/services/{stack}/{name}/revisions/{version}",
      "get /v1/stacks/{stack}",
      "put /v1/stacks/{stack}",
      "get /v1/history",
      "post /v1/services/{stack}/{name}/rollback",
      "post /v1/domains",
      "get /v1/domains",
      "delete /v1/domains/{host}",
    ];
    for (const route of design) expect(served.has(route), route).toBe(true);

    // request bodies come from the core schemas
    const weights = doc.components.schemas.WeightsBody;
    expect(weights.required).toContain("weights");
    expect(doc.components.schemas.CreateServiceBody.properties.origins.type).toBe("array");
    const apply = doc.paths["/v1/stacks/{stack}"].put;
    expect(Object.keys(apply.requestBody.content).sort()).toEqual(["application/json", "application/yaml"]);
    expect(apply.parameters.map((p: { name: string }) => p.name).sort()).toEqual(["dry_run", "prune", "stack"]);
    expect(doc.paths["/v1/services/{stack}/{name}/weights"].put.responses["422"]).toBeDefined();
  });
});
