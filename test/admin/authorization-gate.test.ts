// The gate of admin/authorization.ts on an app of its own: a route registered without an
// access declaration is refused (500) before any of its code runs, even for the root
// token, while authentication still comes first; a public declaration needs no token.
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { describe, expect, it } from "vitest";
import { accessRoute, gate, plainRoute, PUBLIC, read, write } from "../../admin/authorization.ts";
import type { AdminEnv } from "../../admin/context.ts";
import { env } from "./helpers.ts";

let ran = 0;
const app = new OpenAPIHono<AdminEnv>();
app.use("*", gate);
app.onError((error, c) => c.json({ error: { message: error.message } }, (error as { status?: number }).status === 401 ? 401 : 500));
const ok = { 200: { description: "ok", content: { "application/json": { schema: z.object({}) } } } };
app.openapi(createRoute({ method: "get", path: "/v1/gate-test/undeclared", responses: ok }), (c) => {
  ran += 1;
  return c.json({}, 200);
});
app.openapi(accessRoute(PUBLIC, { method: "get", path: "/v1/gate-test/public", responses: ok }), (c) => c.json({}, 200));
app.openapi(accessRoute(write("path"), { method: "post", path: "/v1/gate-test/{stack}", responses: ok }), (c) => c.json({}, 200));
// routes outside the OpenAPI document (the dashboard's files) declare theirs with plainRoute
app.get("/gate-test/page", plainRoute(PUBLIC, "get", "/gate-test/page"), (c) => c.text("page"));
app.get("/gate-test/:stack/data", plainRoute(read("path"), "get", "/gate-test/:stack/data"), (c) => c.text("data"));
app.get("/gate-test/plain-undeclared", (c) => c.text("never"));
// a public catch-all registered before an API route must not open it
app.get("/v1/gate-test/open/*", plainRoute(PUBLIC, "get", "/v1/gate-test/open/*"), async (_c, next) => next());
app.openapi(accessRoute(write("path"), { method: "get", path: "/v1/gate-test/open/{stack}", responses: ok }), (c) => c.json({ secret: true }, 200));

const request = (path: string, init: RequestInit = {}) => app.request(`http://admin.weir.localhost${path}`, init, env);
const root = { headers: { authorization: `Bearer ${env.ADMIN_TOKEN}`, "cf-connecting-ip": "2001:db8::1" } };

describe("the gate", () => {
  it("refuses an undeclared route before its handler runs, after authentication", async () => {
    const refused = await request("/v1/gate-test/undeclared", root);
    expect(refused.status).toBe(500);
    expect(await refused.json()).toEqual({ error: { message: "this route declares no access requirement and is refused" } });
    expect((await request("/v1/gate-test/undeclared", { headers: { "cf-connecting-ip": "2001:db8::2" } })).status).toBe(401);
    expect(ran).toBe(0);
  });

  it("plain routes: public without a token, others authenticated and authorized, undeclared refused", async () => {
    const page = await request("/gate-test/page");
    expect([page.status, await page.text()]).toEqual([200, "page"]);
    expect((await request("/gate-test/test/data", { headers: { "cf-connecting-ip": "2001:db8::4" } })).status).toBe(401);
    expect(await (await request("/gate-test/test/data", root)).text()).toBe("data");
    expect((await request("/gate-test/plain-undeclared", root)).status).toBe(500);
  });

  it("a public catch-all never opens an API route the path also matches", async () => {
    const anonymous = await request("/v1/gate-test/open/x", { headers: { "cf-connecting-ip": "2001:db8::5" } });
    expect(anonymous.status).toBe(401);
    expect(await (await request("/v1/gate-test/open/x", root)).json()).toEqual({ secret: true });
  });

  it("lets a public route through without a token, and a declared one with the right token", async () => {
    expect((await request("/v1/gate-test/public")).status).toBe(200);
    expect((await request("/v1/gate-test/test", { method: "POST", ...root })).status).toBe(200);
    expect((await request("/v1/gate-test/test", { method: "POST", headers: { "cf-connecting-ip": "2001:db8::3" } })).status).toBe(401);
  });
});
