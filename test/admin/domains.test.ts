// Custom domains (DESIGN §3, §8): add, ls, rm; uniqueness through the hostname index;
// never a hostname Weir names itself, never an origin's host.
import { describe, expect, it } from "vitest";
import { RouteRecord, routeKey } from "../../core/route-record.ts";
import { api, call, currentVersion, env, expectError, json, origin, run, stage, uniqueStack } from "./helpers.ts";
import { makeToken } from "./token-helpers.ts";

describe("/v1/domains", () => {
  it("binds a domain to a service or one version, lists and removes it, publishing records", async () => {
    const stack = uniqueStack("dom");
    const host = `www.${stack}.example.com`;
    const pinned = `beta.${stack}.example.com`;
    await run(stack);
    await stage(stack, "svc", "v3", origin("helloV3"), 20);
    const res = await api("POST", "/v1/domains", { body: { host: `WWW.${stack}.Example.com.`, target: `${stack}/svc` } });
    expect(await json(res, 201)).toEqual({ host, service: `${stack}/svc` });
    expect(res.headers.get("etag")).toMatch(/^"\d+"$/);
    expect(await json(await api("POST", "/v1/domains", { body: { host: pinned, target: `${stack}/svc:v3` } }), 201)).toEqual({
      host: pinned,
      service: `${stack}/svc`,
      version: "v3",
    });
    const weighted = RouteRecord.parse(await env.ROUTES.get(routeKey(host), "json"));
    expect(weighted.slots).toBeDefined();
    expect(RouteRecord.parse(await env.ROUTES.get(routeKey(pinned), "json")).revisions).toEqual([{ version: "v3", origins: [origin("helloV3")] }]);

    const list = await json(await api("GET", "/v1/domains"));
    expect(list.domains.filter((d: { service: string }) => d.service === `${stack}/svc`)).toEqual([
      { host: pinned, service: `${stack}/svc`, version: "v3" },
      { host, service: `${stack}/svc` },
    ]);
    expect((await json(await api("GET", `/v1/services/${stack}/svc`))).domains).toEqual([{ host }, { host: pinned, version: "v3" }]);

    expect(await json(await api("DELETE", `/v1/domains/${host}`))).toEqual({ host, service: `${stack}/svc` });
    expect(await env.ROUTES.get(routeKey(host))).toBeNull();
    await expectError(await api("DELETE", `/v1/domains/${host}`), 404, "not_found");
    // unbound, the domain stops being published; then its revision can go
    await json(await api("DELETE", `/v1/domains/${pinned}`));
    expect(await env.ROUTES.get(routeKey(pinned))).toBeNull();
    await json(await api("DELETE", `/v1/services/${stack}/svc/revisions/v3`));
  });

  it("409 for a domain already bound; 422 for bad hosts, Weir's own names, origin hosts, unknown targets", async () => {
    const stack = uniqueStack("dom");
    const host = `shop.${stack}.example.com`;
    await run(stack);
    await run(stack, "other");
    await json(await api("POST", "/v1/domains", { body: { host, target: `${stack}/svc` } }), 201);
    const taken = await expectError(await api("POST", "/v1/domains", { body: { host, target: `${stack}/other` } }), 409, "conflict");
    expect(taken).toContain(host);
    expect(taken).toContain(`${stack}/svc`);
    const bad = async (body: unknown, fragment: string) => {
      expect(await expectError(await api("POST", "/v1/domains", { body }), 422, "invalid")).toContain(fragment);
    };
    await bad({ host: "localhost", target: `${stack}/svc` }, "two labels");
    await bad({ host: "bad_host.example.com", target: `${stack}/svc` }, "not a valid hostname");
    await bad({ host: "x.example.com:8080", target: `${stack}/svc` }, "without port");
    await bad({ host: `svc.${stack}.weir.localhost`, target: `${stack}/svc` }, "base domain");
    await bad({ host: "admin.weir.localhost", target: `${stack}/svc` }, "base domain");
    await bad({ host: "127.0.0.1", target: `${stack}/svc` }, "IP address");
    await run(stack, "named", `http://backend.${stack}.example.com:9`);
    await bad({ host: `backend.${stack}.example.com`, target: `${stack}/svc` }, "is an origin of");
    await bad({ host: `x.${stack}.example.com`, target: `${stack}/nope` }, `no service ${stack}/nope`);
    await bad({ host: `x.${stack}.example.com`, target: `${stack}/svc:v9` }, "'v9'");
    await bad({ host: `x.${stack}.example.com`, target: "no-slash" }, "stack/name");
    await expectError(await api("POST", "/v1/domains", { body: { host: `x.${stack}.example.com` } }), 400, "bad_request");
    // an origin may not point at a bound domain
    const loop = await expectError(await api("POST", "/v1/services", { body: { name: `${stack}/loop`, origins: [`https://${host}/`] } }), 422, "invalid");
    expect(loop).toContain("Weir serves");
  });
});

// issue 9 item 8: one binding per host; a pinned binding never outlives its version
// silently; no IP literals, nothing under BASE_DOMAIN.
describe("/v1/domains bindings stay consistent", () => {
  const add = (host: string, target: string) => api("POST", "/v1/domains", { body: { host, target } });
  const bindings = async (service: string) =>
    (await json(await api("GET", "/v1/domains"))).domains.filter((d: { service: string }) => d.service === service);

  it("a second binding of a host is 409 naming the binding it has, for the same service too", async () => {
    const stack = uniqueStack("dup");
    const host = `www.${stack}.example.com`;
    await run(stack);
    await run(stack, "other");
    await stage(stack, "svc", "v3", origin("helloV3"));
    await json(await add(host, `${stack}/svc`), 201);
    const version = await currentVersion();
    for (const target of [`${stack}/svc`, `${stack}/svc:v3`, `${stack}/other`]) {
      const message = await expectError(await add(host.toUpperCase(), target), 409, "conflict");
      expect(message).toContain(host);
      expect(message).toContain(`a custom domain of ${stack}/svc`);
    }
    expect(await currentVersion()).toBe(version);
    expect(await bindings(`${stack}/svc`)).toEqual([{ host, service: `${stack}/svc` }]);
    expect((await json(await api("GET", `/v1/services/${stack}/svc`))).domains).toEqual([{ host }]);
  });

  it("refuses IP literals (v4, v6, bracketed) and any name under BASE_DOMAIN", async () => {
    const stack = uniqueStack("ip");
    await run(stack);
    for (const host of ["10.0.0.1", "192.168.0.10.", "[::1]", "::1", "[2001:db8::1]", "1.2.3"]) {
      expect(await expectError(await add(host, `${stack}/svc`), 422, "invalid"), host).toContain("IP address");
    }
    for (const host of [`deep.other.${stack}.weir.localhost`, "WEIR.localhost.", `x.WEIR.LOCALHOST`]) {
      expect(await expectError(await add(host, `${stack}/svc`), 422, "invalid"), host).toContain("base domain");
    }
    expect(await bindings(`${stack}/svc`)).toEqual([]);
  });

  it("promote moves a binding pinned to the old primary onto the new primary, which then serves it", async () => {
    const stack = uniqueStack("pinpromote");
    const stable = `stable.${stack}.example.com`;
    const beta = `beta.${stack}.example.com`;
    await run(stack);
    await stage(stack, "svc", "v3", origin("helloV3"), 10);
    await stage(stack, "svc", "v4", origin("helloV3"));
    await json(await add(stable, `${stack}/svc:v0`), 201);
    await json(await add(beta, `${stack}/svc:v4`), 201);
    const promoted = await json(await api("POST", `/v1/services/${stack}/svc/promote`, { body: { version: "v3" } }));
    expect(promoted.domains).toEqual([{ host: stable, version: "v3" }, { host: beta, version: "v4" }]);
    expect(await bindings(`${stack}/svc`)).toEqual([
      { host: beta, service: `${stack}/svc`, version: "v4" },
      { host: stable, service: `${stack}/svc`, version: "v3" },
    ]);
    const record = RouteRecord.parse(await env.ROUTES.get(routeKey(stable), "json"));
    expect(record.configVersion).toBe(promoted.configVersion);
    expect(record.revisions).toEqual([{ version: "v3", origins: [origin("helloV3")] }]);
    const res = await call(`http://${stable}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get("weir-revision")).toBe("v3");
    await res.arrayBuffer();
    const last = (await json(await api("GET", `/v1/history?service=${stack}/svc&limit=1`))).entries[0];
    expect(last.summary).toBe(`promote ${stack}/svc:v3 (was v0; ${stable} now pinned to v3)`);
    // rollback undoes the move with the promote
    const back = await json(await api("POST", `/v1/services/${stack}/svc/rollback`));
    expect(back.domains).toEqual([{ host: stable, version: "v0" }, { host: beta, version: "v4" }]);
  });

  it("removing a revision a domain is pinned to is 409 naming the domain, by rm and by apply; nothing changes", async () => {
    const stack = uniqueStack("pinrm");
    const beta = `beta.${stack}.example.com`;
    await run(stack);
    await stage(stack, "svc", "v3", origin("helloV3"), 10);
    await json(await add(beta, `${stack}/svc:v3`), 201);
    const version = await currentVersion();
    const rm = await expectError(await api("DELETE", `/v1/services/${stack}/svc/revisions/v3`), 409, "conflict");
    expect(rm).toContain(beta);
    expect(rm).toContain("weir domain rm");
    const file = { stack, services: { svc: { version: "v0", origins: [origin("hello")] } } };
    expect(await expectError(await api("PUT", `/v1/stacks/${stack}`, { body: file }), 409, "conflict")).toContain(beta);
    expect(await currentVersion()).toBe(version);
    expect(await bindings(`${stack}/svc`)).toEqual([{ host: beta, service: `${stack}/svc`, version: "v3" }]);
    expect(RouteRecord.parse(await env.ROUTES.get(routeKey(beta), "json")).revisions.map((r) => r.version)).toEqual(["v3"]);
  });

  it("an apply that makes a staged revision the primary moves the old primary's pins, like promote", async () => {
    const stack = uniqueStack("pinapply");
    const stable = `stable.${stack}.example.com`;
    await run(stack);
    await stage(stack, "svc", "v3", origin("helloV3"), 10);
    await json(await add(stable, `${stack}/svc:v0`), 201);
    const file = { stack, services: { svc: { version: "v3", origins: [origin("helloV3")] } } };
    await json(await api("PUT", `/v1/stacks/${stack}`, { body: file }));
    expect(await bindings(`${stack}/svc`)).toEqual([{ host: stable, service: `${stack}/svc`, version: "v3" }]);
    expect(RouteRecord.parse(await env.ROUTES.get(routeKey(stable), "json")).revisions.map((r) => r.version)).toEqual(["v3"]);
  });
});

// Probe (session 2): a host is global, so a token scoped to its own stacks may learn that
// one is taken, but never which service of another stack holds it or uses it as an origin.
describe("/v1/domains refusals of a scoped token", () => {
  it("name no service outside the token's stacks; nothing changes", async () => {
    const mine = uniqueStack("dom-mine");
    const theirs = uniqueStack("dom-theirs");
    const tag = crypto.randomUUID().slice(0, 8);
    const host = `shop-${tag}.example.com`;
    const backend = `backend-${tag}.example.com`;
    await run(mine);
    await run(theirs, "secret-svc", `http://${backend}:9`);
    await json(await api("POST", "/v1/domains", { body: { host, target: `${theirs}/secret-svc` } }), 201);
    const admin = await makeToken("admin", [mine]);
    const before = await currentVersion();

    const taken = await expectError(await api("POST", "/v1/domains", { token: admin.token, body: { host, target: `${mine}/svc` } }), 409, "conflict");
    expect(taken).toBe(`'${host}' is already taken by a service outside this token's stacks`);
    const usesIt = await expectError(await api("POST", "/v1/domains", { token: admin.token, body: { host: backend, target: `${mine}/svc` } }), 422, "invalid");
    expect(usesIt).toContain("an origin of a service outside this token's stacks");
    for (const message of [taken, usesIt]) expect(message).not.toMatch(new RegExp(`${theirs}|secret-svc`));
    expect(await currentVersion()).toBe(before);

    // a token that sees the other stack is told which service it is
    const wide = await makeToken("admin", [mine, theirs]);
    expect(await expectError(await api("POST", "/v1/domains", { token: wide.token, body: { host, target: `${mine}/svc` } }), 409, "conflict")).toContain(
      `${theirs}/secret-svc`,
    );
  });
});

// Probe (session 2): a deployer's rollback brought back a custom domain an admin had
// removed (domains are an admin's to manage), and a rollback whose domain another stack
// now holds was a 409 naming that stack's service.
describe("rollback and custom domains, by scoped tokens", () => {
  it("a deployer cannot change bindings by rollback; an admin's conflict names no other stack's service", async () => {
    const mine = uniqueStack("rb-mine");
    const theirs = uniqueStack("rb-theirs");
    const host = `rb-${crypto.randomUUID().slice(0, 8)}.example.com`;
    await run(mine);
    await run(theirs, "secret-svc");
    await json(await api("POST", "/v1/domains", { body: { host, target: `${mine}/svc` } }), 201);
    const bound = await currentVersion();
    await json(await api("DELETE", `/v1/domains/${host}`));
    await json(await api("POST", "/v1/domains", { body: { host, target: `${theirs}/secret-svc` } }), 201);
    const deployer = await makeToken("deployer", [mine]);
    const admin = await makeToken("admin", [mine]);
    const rollback = (token: string) => api("POST", `/v1/services/${mine}/svc/rollback`, { token, body: { to: bound } });

    const before = await currentVersion();
    const taken = await expectError(await rollback(admin.token), 409, "conflict");
    expect(taken).toBe(`hostname '${host}' (a custom domain of ${mine}/svc) is already taken by a service outside this token's stacks`);
    expect(await expectError(await rollback(deployer.token), 403, "forbidden")).toBe(
      `rolling ${mine}/svc back to config version ${bound} would bind ${host} (custom domains): that needs admin on stack '${mine}'`,
    );
    expect(await currentVersion()).toBe(before);

    await json(await api("DELETE", `/v1/domains/${host}`));
    await expectError(await rollback(deployer.token), 403, "forbidden");
    const restored = await json(await rollback(admin.token));
    expect(restored.domains).toEqual([{ host }]);
    // a rollback that leaves the bindings alone is a deployer's to make
    await stage(mine, "svc", "v2", origin("helloV3"));
    expect((await json(await api("POST", `/v1/services/${mine}/svc/rollback`, { token: deployer.token, body: {} }))).revisions).toEqual([]);
  });
});
