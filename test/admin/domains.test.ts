// Custom domains (DESIGN §3, §8): add, ls, rm; uniqueness through the hostname index;
// never a hostname Weir names itself, never an origin's host.
import { describe, expect, it } from "vitest";
import { RouteRecord, routeKey } from "../../core/route-record.ts";
import { api, env, expectError, json, origin, run, stage, uniqueStack } from "./helpers.ts";

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
    // a domain pinned to a removed revision stops being published
    await json(await api("DELETE", `/v1/services/${stack}/svc/revisions/v3`));
    expect(await env.ROUTES.get(routeKey(pinned))).toBeNull();
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
    await bad({ host: "127.0.0.1", target: `${stack}/svc` }, "origin");
    await bad({ host: `x.${stack}.example.com`, target: `${stack}/nope` }, `no service ${stack}/nope`);
    await bad({ host: `x.${stack}.example.com`, target: `${stack}/svc:v9` }, "'v9'");
    await bad({ host: `x.${stack}.example.com`, target: "no-slash" }, "stack/name");
    await expectError(await api("POST", "/v1/domains", { body: { host: `x.${stack}.example.com` } }), 400, "bad_request");
    // an origin may not point at a bound domain
    const loop = await expectError(await api("POST", "/v1/services", { body: { name: `${stack}/loop`, origins: [`https://${host}/`] } }), 422, "invalid");
    expect(loop).toContain("Weir serves");
  });
});
