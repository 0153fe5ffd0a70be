// Services and revisions through the admin API (DESIGN §2, §8): run, ps, inspect, stage,
// weights, promote, rm — each success path and each error code with its JSON shape.
import { describe, expect, it } from "vitest";
import { routeKey, RouteRecord } from "../../core/route-record.ts";
import { api, call, currentVersion, env, expectError, json, origin, run, setWeights, stage, uniqueStack } from "./helpers.ts";

const path = (stack: string, rest = "") => `/v1/services/${stack}/svc${rest}`;

async function historyCount(stack: string): Promise<number> {
  const body = await json(await api("GET", `/v1/history?service=${stack}/svc`));
  return body.entries.length;
}

describe("POST /v1/services (run)", () => {
  it("creates a service with a v0 primary at 100% and publishes its records", async () => {
    const stack = uniqueStack("run");
    const res = await api("POST", "/v1/services", { body: { name: `${stack}/svc`, origins: [origin("hello")] } });
    const body = await json(res, 201);
    expect(res.headers.get("etag")).toBe(`"${body.configVersion}"`);
    expect(body).toEqual({
      id: `${stack}/svc`,
      stack,
      name: "svc",
      version: "v0",
      origins: [origin("hello")],
      affinity: "cookie",
      revisionHeader: true,
      weight: 100,
      state: "active",
      createdAt: expect.any(String),
      configVersion: body.configVersion,
      endpoint: `http://svc.${stack}.weir.localhost:8787`,
      versionEndpoint: `http://svc-v0.${stack}.weir.localhost:8787`,
      revisions: [],
      domains: [],
      rules: [],
    });
    const record = RouteRecord.parse(await env.ROUTES.get(routeKey(`svc.${stack}.weir.localhost`), "json"));
    expect(record.configVersion).toBe(body.configVersion);
    expect(record.revisions).toEqual([{ version: "v0", origins: [origin("hello")] }]);
    expect(await env.ROUTES.get(routeKey(`svc-v0.${stack}.weir.localhost`), "json")).toMatchObject({ pin: 0 });
  });

  it("takes version and affinity", async () => {
    const stack = uniqueStack("run");
    const body = await run(stack, "svc", origin("hello"), { version: "blue", affinity: "header:X-User" });
    expect(body).toMatchObject({ version: "blue", affinity: "header:X-User" });
  });

  it("409 when the service exists, and nothing changes", async () => {
    const stack = uniqueStack("run");
    await run(stack);
    const before = await currentVersion();
    const msg = await expectError(await api("POST", "/v1/services", { body: { name: `${stack}/svc`, origins: [origin("helloV2")] } }), 409, "conflict");
    expect(msg).toContain(`${stack}/svc already exists`);
    expect(await currentVersion()).toBe(before);
  });

  it("409 naming the hostname when a service host equals another's version host", async () => {
    const stack = uniqueStack("run");
    await run(stack, "api");
    await stage(stack, "api", "beta", origin("helloV2"));
    const msg = await expectError(
      await api("POST", "/v1/services", { body: { name: `${stack}/api-beta`, origins: [origin("hello")] } }),
      409,
      "conflict",
    );
    expect(msg).toContain(`api-beta.${stack}.weir.localhost`);
    expect(msg).toContain(`the version host of ${stack}/api:beta`);
  });

  it("400 for malformed JSON, a wrong type, a missing field or an unknown field", async () => {
    await expectError(await api("POST", "/v1/services", { body: "{nope", headers: { "content-type": "application/json" } }), 400, "bad_request");
    await expectError(await api("POST", "/v1/services", { body: { name: "a/b", origins: "http://127.0.0.1:1" } }), 400, "bad_request");
    await expectError(await api("POST", "/v1/services", { body: { name: "a/b" } }), 400, "bad_request");
    await expectError(await api("POST", "/v1/services", { body: { name: "a/b", origins: ["http://127.0.0.1:1"], colour: "red" } }), 400, "bad_request");
    await expectError(await api("POST", "/v1/services", { body: "name=a", headers: { "content-type": "text/plain" } }), 400, "bad_request");
  });

  it("422 for bad names and origins, including hostnames Weir serves", async () => {
    const stack = uniqueStack("run");
    const bad = async (body: unknown, fragment: string) => {
      const msg = await expectError(await api("POST", "/v1/services", { body }), 422, "invalid");
      expect(msg).toContain(fragment);
    };
    await bad({ name: "Bad_Stack/svc", origins: [origin("hello")] }, "name");
    await bad({ name: `${stack}/svc`, origins: ["ftp://127.0.0.1/"] }, "http");
    await bad({ name: `${stack}/svc`, origins: ["http://user:pw@127.0.0.1/"] }, "userinfo");
    await bad({ name: `${stack}/svc`, origins: ["http://127.0.0.1/#x"] }, "fragment");
    await bad({ name: `${stack}/svc`, origins: ["/relative"] }, "absolute");
    await bad({ name: `${stack}/svc`, origins: [] }, "at least one origin");
    await bad({ name: `${stack}/svc`, origins: ["http://other.stack.weir.localhost:8787"] }, "Weir serves");
    await bad({ name: `${stack}/svc`, origins: ["http://WEIR.localhost"] }, "Weir serves");
    await bad({ name: `${stack}/svc`, origins: ["http://admin.weir.localhost"] }, "Weir serves");
    await bad({ name: `${stack}/svc`, origins: [origin("hello")], affinity: "sometimes" }, "affinity");
    expect((await api("GET", `/v1/services?stack=${stack}`)).status).toBe(200);
    expect((await json(await api("GET", `/v1/services?stack=${stack}`))).services).toEqual([]);
  });
});

describe("GET /v1/services (ps) and GET /v1/services/{stack}/{name} (inspect)", () => {
  it("lists services with weights from the slot table and endpoints in the request's scheme and port", async () => {
    const stack = uniqueStack("ps");
    await run(stack, "a");
    await run(stack, "b");
    await stage(stack, "b", "v2", origin("helloV2"), 12.5);
    const res = await api("GET", `/v1/services?stack=${stack}`);
    const list = await json(res);
    expect(res.headers.get("etag")).toBe(`"${list.configVersion}"`);
    expect(list.services.map((s: { id: string }) => s.id)).toEqual([`${stack}/a`, `${stack}/b`]);
    const b = list.services[1];
    expect(b.weight).toBe(87.5);
    expect(b.revisions).toEqual([
      {
        version: "v2",
        origins: [origin("helloV2")],
        weight: 12.5,
        state: "active",
        createdAt: expect.any(String),
        endpoint: `http://b-v2.${stack}.weir.localhost:8787`,
      },
    ]);
    const all = await json(await api("GET", "/v1/services"));
    expect(all.services.filter((s: { stack: string }) => s.stack === stack)).toHaveLength(2);

    // over https on the default port: no port in the endpoints
    const https = await json(await call(`https://admin.weir.localhost/v1/services/${stack}/a`, { headers: { authorization: `Bearer ${env.ADMIN_TOKEN}` } }));
    expect(https.endpoint).toBe(`https://a.${stack}.weir.localhost`);
    expect(https.versionEndpoint).toBe(`https://a-v0.${stack}.weir.localhost`);
  });

  it("inspect: 404 for an unknown service, 400 for a name that is not a DNS label", async () => {
    const stack = uniqueStack("ps");
    expect(await expectError(await api("GET", `/v1/services/${stack}/nope`), 404, "not_found")).toContain(`${stack}/nope`);
    await expectError(await api("GET", `/v1/services/${stack}/Not_A_Label`), 400, "bad_request");
    await expectError(await api("GET", `/v1/services?stack=UPPER`), 400, "bad_request");
  });
});

describe("POST …/revisions (stage)", () => {
  it("stages at 0% by default (state staged) and at a given weight", async () => {
    const stack = uniqueStack("stage");
    await run(stack);
    const staged = await stage(stack, "svc", "v3", origin("helloV3"));
    expect(staged.weight).toBe(100);
    expect(staged.revisions[0]).toMatchObject({ version: "v3", weight: 0, state: "staged" });
    const weighted = await stage(stack, "svc", "v4", origin("helloV2"), 0.25);
    expect(weighted.weight).toBe(99.75);
    expect(weighted.revisions[1]).toMatchObject({ version: "v4", weight: 0.25, state: "active" });
    const record = RouteRecord.parse(await env.ROUTES.get(routeKey(`svc-v3.${stack}.weir.localhost`), "json"));
    expect(record.revisions).toEqual([{ version: "v3", origins: [origin("helloV3")] }]);
  });

  it("409 for a taken version (staged or primary) or a taken hostname", async () => {
    const stack = uniqueStack("stage");
    await run(stack);
    await stage(stack, "svc", "v3", origin("helloV3"));
    const body = (version: string) => ({ body: { version, origins: [origin("helloV2")] } });
    expect(await expectError(await api("POST", path(stack, "/revisions"), body("v3")), 409, "conflict")).toContain("'v3'");
    expect(await expectError(await api("POST", path(stack, "/revisions"), body("v0")), 409, "conflict")).toContain("'v0'");
    await run(stack, "svc-v9");
    const msg = await expectError(await api("POST", path(stack, "/revisions"), body("v9")), 409, "conflict");
    expect(msg).toContain(`svc-v9.${stack}.weir.localhost`);
    expect(msg).toContain(`the service host of ${stack}/svc-v9`);
  });

  it("404 for an unknown service; 422 when the staged sum would pass 100%, naming the sum", async () => {
    const stack = uniqueStack("stage");
    await expectError(await api("POST", path(stack, "/revisions"), { body: { version: "v1", origins: [origin("hello")] } }), 404, "not_found");
    await run(stack);
    await stage(stack, "svc", "v1", origin("helloV2"), 60);
    const count = await historyCount(stack);
    const msg = await expectError(await api("POST", path(stack, "/revisions"), { body: { version: "v2", origins: [origin("helloV3")], weight: 50 } }), 422, "invalid");
    expect(msg).toContain("110%");
    expect(await historyCount(stack)).toBe(count);
    await expectError(await api("POST", path(stack, "/revisions"), { body: { version: "v2", origins: [origin("helloV3")], weight: 100.5 } }), 422, "invalid");
    await expectError(await api("POST", path(stack, "/revisions"), { body: { version: "v2", origins: [origin("helloV3")], weight: "5" } }), 400, "bad_request");
  });
});

describe("PUT …/weights (weight)", () => {
  it("sets several revisions atomically, leaves the others, allows 0%", async () => {
    const stack = uniqueStack("weight");
    await run(stack);
    await stage(stack, "svc", "v1", origin("helloV2"), 5);
    await stage(stack, "svc", "v2", origin("helloV3"));
    await stage(stack, "svc", "v3", origin("helloV3"), 1);
    const res = await api("PUT", path(stack, "/weights"), { body: { weights: { v1: 10, v2: 50.25 } } });
    const body = await json(res);
    expect(res.headers.get("etag")).toBe(`"${body.configVersion}"`);
    expect(body.weight).toBe(38.75);
    expect(body.revisions.map((r: { version: string; weight: number; state: string }) => [r.version, r.weight, r.state])).toEqual([
      ["v1", 10, "active"],
      ["v2", 50.25, "active"],
      ["v3", 1, "active"],
    ]);
    const zero = await setWeights(stack, "svc", { v1: 0 });
    expect(zero.revisions[0]).toMatchObject({ weight: 0, state: "staged" });
    expect(zero.weight).toBe(48.75);
  });

  it("422 naming the primary, the sum, or an unknown version; nothing changes", async () => {
    const stack = uniqueStack("weight");
    await run(stack);
    await stage(stack, "svc", "v1", origin("helloV2"), 30);
    await stage(stack, "svc", "v2", origin("helloV3"), 30);
    const version = await currentVersion();
    const count = await historyCount(stack);
    const primary = await expectError(await api("PUT", path(stack, "/weights"), { body: { weights: { v0: 50 } } }), 422, "invalid");
    expect(primary).toContain("primary");
    expect(primary).toContain("remainder");
    const sum = await expectError(await api("PUT", path(stack, "/weights"), { body: { weights: { v1: 50, v2: 60 } } }), 422, "invalid");
    expect(sum).toContain("110%");
    const unknown = await expectError(await api("PUT", path(stack, "/weights"), { body: { weights: { v1: 10, v7: 10 } } }), 422, "invalid");
    expect(unknown).toContain("'v7'");
    await expectError(await api("PUT", path(stack, "/weights"), { body: { weights: {} } }), 422, "invalid");
    await expectError(await api("PUT", path(stack, "/weights"), { body: { weights: { v1: 12.345 } } }), 422, "invalid");
    await expectError(await api("PUT", path(stack, "/weights"), { body: { weights: { v1: -1 } } }), 422, "invalid");
    await expectError(await api("PUT", path(stack, "/weights"), { body: { weights: { v1: "50%" } } }), 400, "bad_request");
    await expectError(await api("PUT", path(stack, "/weights"), { body: { weights: [10] } }), 400, "bad_request");
    // a timed change that cannot be honoured is refused the same way (issue 6)
    const timed = await expectError(await api("PUT", path(stack, "/weights"), { body: { weights: { v1: 50 }, duration: "3s" } }), 422, "invalid");
    expect(timed).toContain("too short");
    expect(await currentVersion()).toBe(version);
    expect(await historyCount(stack)).toBe(count);
    const view = await json(await api("GET", path(stack)));
    expect(view.revisions.map((r: { weight: number }) => r.weight)).toEqual([30, 30]);
  });

  it("404 for an unknown service", async () => {
    await expectError(await api("PUT", path(uniqueStack("weight"), "/weights"), { body: { weights: { v1: 1 } } }), 404, "not_found");
  });
});

describe("POST …/promote", () => {
  it("makes the revision the primary; other staged revisions keep their weights", async () => {
    const stack = uniqueStack("promote");
    await run(stack);
    await stage(stack, "svc", "v2", origin("helloV2"), 10);
    await stage(stack, "svc", "v3", origin("helloV3"), 40);
    const body = await json(await api("POST", path(stack, "/promote"), { body: { version: "v3" } }));
    expect(body).toMatchObject({ version: "v3", origins: [origin("helloV3")], weight: 90 });
    expect(body.revisions.map((r: { version: string; weight: number }) => [r.version, r.weight])).toEqual([["v2", 10]]);
    expect(await env.ROUTES.get(routeKey(`svc-v0.${stack}.weir.localhost`))).toBeNull();
    const record = RouteRecord.parse(await env.ROUTES.get(routeKey(`svc.${stack}.weir.localhost`), "json"));
    expect(record.revisions.map((r) => r.version)).toEqual(["v3", "v2"]);
  });

  it("422 for an unknown version or the primary, 404 for an unknown service, 422 for duration", async () => {
    const stack = uniqueStack("promote");
    await run(stack);
    await stage(stack, "svc", "v3", origin("helloV3"));
    expect(await expectError(await api("POST", path(stack, "/promote"), { body: { version: "v9" } }), 422, "invalid")).toContain("'v9'");
    expect(await expectError(await api("POST", path(stack, "/promote"), { body: { version: "v0" } }), 422, "invalid")).toContain("already the primary");
    await expectError(await api("POST", path(stack, "/promote"), { body: { version: "v3", duration: "3s" } }), 422, "invalid");
    await expectError(await api("POST", path(stack, "/promote"), { body: {} }), 400, "bad_request");
    await expectError(await api("POST", `/v1/services/${stack}/nope/promote`, { body: { version: "v3" } }), 404, "not_found");
  });
});

describe("DELETE (rm)", () => {
  it("rm revision: its weight returns to the primary and its host is unpublished", async () => {
    const stack = uniqueStack("rm");
    await run(stack);
    await stage(stack, "svc", "v2", origin("helloV2"), 25);
    await stage(stack, "svc", "v3", origin("helloV3"), 5);
    const body = await json(await api("DELETE", path(stack, "/revisions/v2")));
    expect(body.weight).toBe(95);
    expect(body.revisions.map((r: { version: string }) => r.version)).toEqual(["v3"]);
    expect(await env.ROUTES.get(routeKey(`svc-v2.${stack}.weir.localhost`))).toBeNull();
    expect(await expectError(await api("DELETE", path(stack, "/revisions/v2")), 404, "not_found")).toContain("'v2'");
    expect(await expectError(await api("DELETE", path(stack, "/revisions/v0")), 422, "invalid")).toContain("primary");
    await expectError(await api("DELETE", path(stack, "/revisions/BAD")), 400, "bad_request");
  });

  it("rm service: gone from ps and KV; 404 afterwards", async () => {
    const stack = uniqueStack("rm");
    await run(stack);
    await stage(stack, "svc", "v3", origin("helloV3"), 50);
    const res = await api("DELETE", path(stack));
    const body = await json(res);
    expect(body).toEqual({ service: `${stack}/svc`, removed: true, configVersion: Number(JSON.parse(res.headers.get("etag")!)) });
    for (const host of [`svc.${stack}`, `svc-v0.${stack}`, `svc-v3.${stack}`]) {
      expect(await env.ROUTES.get(routeKey(`${host}.weir.localhost`))).toBeNull();
    }
    await expectError(await api("GET", path(stack)), 404, "not_found");
    await expectError(await api("DELETE", path(stack)), 404, "not_found");
    // the name is free again
    await run(stack);
  });
});
