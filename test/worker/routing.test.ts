// Data plane routing (DESIGN §3, §7): service, version and custom hosts; unknown hosts;
// the per-isolate cache with negative caching and last-known-good when KV throws.
import { beforeEach, describe, expect, it } from "vitest";
import { routeKey } from "../../core/route-record.ts";
import { limitRouteCacheBytes, routeCacheFootprint } from "../../worker/route-cache.ts";
import { call, env, origin, resetRoutes, seed } from "./helpers.ts";

beforeEach(resetRoutes);

describe("routing by hostname", () => {
  it("serves the service host, each version host and custom domains", async () => {
    await seed({
      stack: "route",
      name: "svc",
      origins: [origin("hello")],
      revisions: { v3: { origins: [origin("helloV3")], weight: 0 } },
      domains: [{ host: "www.example.com" }, { host: "v3.example.com", version: "v3" }],
      configVersion: 7,
    });
    const service = await call("http://svc.route.weir.localhost/");
    expect(service.status).toBe(200);
    expect(await service.text()).toBe("Hello World");
    expect(service.headers.get("weir-revision")).toBe("v0");
    expect(service.headers.get("weir-config-version")).toBe("7");

    const v3 = await call("http://svc-v3.route.weir.localhost/");
    expect(await v3.text()).toBe("Hello World v3");
    expect(v3.headers.get("weir-revision")).toBe("v3");
    const v0 = await call("http://svc-v0.route.weir.localhost/");
    expect(await v0.text()).toBe("Hello World");

    const custom = await call("http://www.example.com/");
    expect(await custom.text()).toBe("Hello World");
    const customV3 = await call("http://v3.example.com/");
    expect(await customV3.text()).toBe("Hello World v3");
  });

  it("ignores port, letter case and a trailing dot", async () => {
    await seed({ stack: "route", name: "case", origins: [origin("hello")] });
    const response = await call("http://CASE.Route.weir.localhost.:8787/");
    expect(await response.text()).toBe("Hello World");
  });

  it("answers 404 no_route with the JSON error shape for an unknown host", async () => {
    const response = await call("http://nothing.route.weir.localhost:8787/x");
    expect(response.status).toBe(404);
    expect(response.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(await response.json()).toEqual({
      error: { code: "no_route", message: "no service is bound to 'nothing.route.weir.localhost'" },
    });
  });

  it("answers a Host longer than DNS allows with no_route 404 without reading KV (issue 9)", async () => {
    let reads = 0;
    const counting = {
      get: (key: string, options: KVNamespaceGetOptions<"json">) => {
        reads++;
        return env.ROUTES.get(key, options);
      },
    } as unknown as KVNamespace;
    const label63 = "a".repeat(63);
    const hosts = [
      `${label63}.${label63}.${label63}.${"b".repeat(60)}.x`, // 254 characters
      `${"c".repeat(64)}.route.weir.localhost`, // a label of 64
      `${"d".repeat(600)}.weir.localhost`, // KV refuses keys over 512 bytes: was 503 routes_unavailable
    ];
    expect(hosts[0]).toHaveLength(254);
    for (const host of hosts) {
      for (let i = 0; i < 3; i++) {
        const response = await call(`http://${host}/`, { method: "POST", body: "x" }, { ROUTES: counting });
        expect(response.status, host).toBe(404);
        const body = (await response.json()) as { error: { code: string; message: string } };
        expect(body.error.code).toBe("no_route");
        expect(body.error.message.length).toBeLessThan(200);
      }
    }
    expect(reads).toBe(0);
    // at the limits, KV is asked (and a bound service is served)
    const longest = `${label63}.${label63}.${label63}.${"e".repeat(59)}.x`;
    expect(longest).toHaveLength(253);
    expect((await call(`http://${longest}/`, {}, { ROUTES: counting })).status).toBe(404);
    expect(reads).toBe(1);
    const name = "f".repeat(63);
    await seed({ stack: "route", name, origins: [origin("hello")] });
    expect(await (await call(`http://${name}.route.weir.localhost/`, {}, { ROUTES: counting })).text()).toBe("Hello World");
    expect(reads).toBe(2);
  });

  it("can turn the Weir-Revision response header off", async () => {
    await seed({ stack: "route", name: "quiet", origins: [origin("hello")], revisionHeader: false, configVersion: 3 });
    const response = await call("http://quiet.route.weir.localhost/");
    expect(await response.text()).toBe("Hello World");
    expect(response.headers.has("weir-revision")).toBe(false);
    expect(response.headers.get("weir-config-version")).toBe("3");
  });
});

describe("route cache", () => {
  it("serves a change once ROUTE_CACHE_MS has passed, not before", async () => {
    await seed({ stack: "cache", name: "svc", origins: [origin("hello")], configVersion: 1 });
    const long = { ROUTE_CACHE_MS: "600000" };
    expect(await (await call("http://svc.cache.weir.localhost/", {}, long)).text()).toBe("Hello World");
    await seed({ stack: "cache", name: "svc", origins: [origin("helloV3")], configVersion: 2 });
    // still cached: the isolate map answers without reading KV
    expect(await (await call("http://svc.cache.weir.localhost/", {}, long)).text()).toBe("Hello World");
    // a zero lifetime reads KV again
    const fresh = await call("http://svc.cache.weir.localhost/", {}, { ROUTE_CACHE_MS: "0" });
    expect(await fresh.text()).toBe("Hello World v3");
    expect(fresh.headers.get("weir-config-version")).toBe("2");
  });

  it("holds routes within its byte budget, dropping the oldest fill first", async () => {
    // a weighted host costs its 10,000-byte slot table plus ~2 KiB: room for two, not three
    limitRouteCacheBytes(2 * 12_048 + 1_000);
    try {
      const long = { ROUTE_CACHE_MS: "600000" };
      for (const name of ["b1", "b2", "b3"]) {
        await seed({ stack: "budget", name, origins: [origin("hello")] });
        expect((await call(`http://${name}.budget.weir.localhost/`, {}, long)).status).toBe(200);
      }
      expect(routeCacheFootprint()).toEqual({ hosts: 2, bytes: 2 * 12_048 });
      // b1 was dropped: a KV change reaches it at once, while b3 still answers from the cache
      await seed({ stack: "budget", name: "b1", origins: [origin("helloV3")], configVersion: 2 });
      await seed({ stack: "budget", name: "b3", origins: [origin("helloV3")], configVersion: 2 });
      expect(await (await call("http://b1.budget.weir.localhost/", {}, long)).text()).toBe("Hello World v3");
      expect(await (await call("http://b3.budget.weir.localhost/", {}, long)).text()).toBe("Hello World");
    } finally {
      limitRouteCacheBytes();
    }
  });

  it("caches unknown hosts (negative caching) until the entry expires", async () => {
    const long = { ROUTE_CACHE_MS: "600000" };
    expect((await call("http://late.cache.weir.localhost/", {}, long)).status).toBe(404);
    await seed({ stack: "cache", name: "late", origins: [origin("hello")] });
    expect((await call("http://late.cache.weir.localhost/", {}, long)).status).toBe(404);
    expect((await call("http://late.cache.weir.localhost/", {}, { ROUTE_CACHE_MS: "0" })).status).toBe(200);
  });

  it("serves the last-known-good route when KV throws, and 503 when it has none", async () => {
    await seed({ stack: "cache", name: "lkg", origins: [origin("hello")], configVersion: 5 });
    expect(await (await call("http://lkg.cache.weir.localhost/", {}, { ROUTE_CACHE_MS: "0" })).text()).toBe("Hello World");

    let reads = 0;
    const broken = {
      get: async () => {
        reads++;
        throw new Error("KV GET failed: 500 Internal Server Error");
      },
    } as unknown as KVNamespace;
    const stale = await call("http://lkg.cache.weir.localhost/", {}, { ROUTES: broken, ROUTE_CACHE_MS: "0" });
    expect(stale.status).toBe(200);
    expect(await stale.text()).toBe("Hello World");
    expect(stale.headers.get("weir-config-version")).toBe("5");
    expect(reads).toBe(1);

    const unseen = await call("http://never-seen.cache.weir.localhost/", {}, { ROUTES: broken, ROUTE_CACHE_MS: "0" });
    expect(unseen.status).toBe(503);
    expect(((await unseen.json()) as { error: { code: string } }).error.code).toBe("routes_unavailable");
  });

  it("makes one KV read for a burst of requests to a cold host", async () => {
    await seed({ stack: "cache", name: "burst", origins: [origin("hello")] });
    let reads = 0;
    const counting = {
      get: (key: string, options: KVNamespaceGetOptions<"json">) => {
        reads++;
        return env.ROUTES.get(key, options);
      },
    } as unknown as KVNamespace;
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => call("http://burst.cache.weir.localhost/", {}, { ROUTES: counting, ROUTE_CACHE_MS: "60000" })),
    );
    for (const response of responses) expect(await response.text()).toBe("Hello World");
    expect(reads).toBe(1);
  });

  it("treats an unusable record like a KV failure, never a 500", async () => {
    await env.ROUTES.put(routeKey("bad.cache.weir.localhost"), JSON.stringify({ v: 1, service: "x" }));
    const response = await call("http://bad.cache.weir.localhost/", {}, { ROUTE_CACHE_MS: "0" });
    expect(response.status).toBe(503);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("routes_unavailable");
  });
});
