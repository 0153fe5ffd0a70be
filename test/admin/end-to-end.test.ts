// Admin write → data plane (DESIGN §7): every kind of change is served by the Worker's data
// plane, through real KV and real origins, once the isolate's route cache expires. The cache
// lifetime is the ROUTE_CACHE_MS the request runs with: 60 s shows the cached (old) answer,
// 0 is the moment the cache has expired — no sleeping.
import { beforeAll, describe, expect, it } from "vitest";
import { clearRouteCache } from "../../worker/route-cache.ts";
import { api, call, json, origin, uniqueStack } from "./helpers.ts";

const USERS = Array.from({ length: 200 }, (_, i) => `user-${i}`);

interface Served {
  status: number;
  text: string;
  revision: string | null;
  configVersion: string | null;
}

async function get(host: string, cache: "cached" | "expired", user?: string): Promise<Served> {
  const headers: Record<string, string> = user ? { "x-user": user } : {};
  const res = await call(`http://${host}:8787/`, { headers }, { ROUTE_CACHE_MS: cache === "cached" ? "60000" : "0" });
  return { status: res.status, text: await res.text(), revision: res.headers.get("weir-revision"), configVersion: res.headers.get("weir-config-version") };
}

/** The revision each user is served, after the cache expired. */
async function revisions(host: string): Promise<string[]> {
  const out: string[] = [];
  for (const user of USERS) out.push((await get(host, "expired", user)).revision ?? "none");
  return out;
}

/** An admin write; returns its config version (the ETag). */
async function write(method: string, path: string, body?: unknown): Promise<string> {
  const res = await api(method, path, { body });
  const text = await res.text();
  expect(res.status, text).toBeLessThan(300);
  return JSON.parse(res.headers.get("etag")!) as string;
}

beforeAll(() => clearRouteCache());

describe("admin writes reach the data plane once the route cache expires", () => {
  it("run, stage, weight, promote, rollback, rm, domain add, rm service", async () => {
    const stack = uniqueStack("e2e");
    const svc = `svc.${stack}.weir.localhost`;
    const v3 = `svc-v3.${stack}.weir.localhost`;
    const v0 = `svc-v0.${stack}.weir.localhost`;
    const domain = `www.${stack}.example.com`;

    // run
    expect((await get(svc, "cached")).status).toBe(404);
    let version = await write("POST", "/v1/services", { name: `${stack}/svc`, origins: [origin("hello")], affinity: "header:X-User" });
    expect((await get(svc, "cached")).status).toBe(404); // negative entry still cached
    expect(await get(svc, "expired")).toEqual({ status: 200, text: "Hello World", revision: "v0", configVersion: version });

    // stage (0%): its version host serves it, the service host does not
    expect((await get(v3, "cached")).status).toBe(404);
    version = await write("POST", `/v1/services/${stack}/svc/revisions`, { version: "v3", origins: [origin("helloV3")] });
    expect(await get(v3, "expired")).toEqual({ status: 200, text: "Hello World v3", revision: "v3", configVersion: version });
    expect(new Set(await revisions(svc))).toEqual(new Set(["v0"]));

    // weight 50%: about half the users, each always the same revision
    version = await write("PUT", `/v1/services/${stack}/svc/weights`, { weights: { v3: 50 } });
    expect((await get(svc, "cached", USERS[0])).configVersion).not.toBe(version);
    const split = await revisions(svc);
    const onV3 = split.filter((r) => r === "v3").length / split.length;
    expect(onV3).toBeGreaterThan(0.35);
    expect(onV3).toBeLessThan(0.65);
    expect(await revisions(svc)).toEqual(split);
    expect((await get(svc, "expired", USERS[0])).configVersion).toBe(version);

    // promote: everyone on v3; the old primary's version host is gone
    version = await write("POST", `/v1/services/${stack}/svc/promote`, { version: "v3" });
    expect(new Set(await revisions(svc))).toEqual(new Set(["v3"]));
    expect(await get(svc, "expired", USERS[1])).toEqual({ status: 200, text: "Hello World v3", revision: "v3", configVersion: version });
    expect((await get(v0, "expired")).status).toBe(404);

    // rollback: back to v0 primary with v3 at 50%, every user on the revision they had
    version = await write("POST", `/v1/services/${stack}/svc/rollback`, {});
    expect(await revisions(svc)).toEqual(split);
    expect((await get(v0, "expired")).text).toBe("Hello World");
    expect((await get(svc, "expired", USERS[2])).configVersion).toBe(version);

    // rm revision: its users go back to the primary; its host stops serving
    version = await write("DELETE", `/v1/services/${stack}/svc/revisions/v3`);
    expect(new Set(await revisions(svc))).toEqual(new Set(["v0"]));
    const gone = await get(v3, "expired");
    expect(gone.status).toBe(404);
    expect(JSON.parse(gone.text).error.code).toBe("no_route");

    // domain add: the custom host serves the service
    expect((await get(domain, "cached")).status).toBe(404);
    version = await write("POST", "/v1/domains", { host: domain, target: `${stack}/svc` });
    expect(await get(domain, "expired")).toEqual({ status: 200, text: "Hello World", revision: "v0", configVersion: version });

    // rm service: every host stops serving
    await write("DELETE", `/v1/services/${stack}/svc`);
    for (const host of [svc, v0, domain]) expect((await get(host, "expired")).status).toBe(404);
  });

  it("the service list reports the version the data plane serves", async () => {
    const stack = uniqueStack("e2e");
    const created = await json(await api("POST", "/v1/services", { body: { name: `${stack}/svc`, origins: [origin("hello")] } }), 201);
    const served = await get(`svc.${stack}.weir.localhost`, "expired");
    expect(served.configVersion).toBe(String(created.configVersion));
    // cookie affinity: one revision needs no sticky key, so no cookie (issue 9) ...
    const single = await call(`http://svc.${stack}.weir.localhost/`, {}, { ROUTE_CACHE_MS: "0" });
    await single.arrayBuffer();
    expect(single.headers.has("set-cookie")).toBe(false);
    // ... a split gives a cookie-less request a fresh key in a signed cookie to keep it
    await write("POST", `/v1/services/${stack}/svc/revisions`, { version: "v2", origins: [origin("helloV2")], weight: 50 });
    const res = await call(`http://svc.${stack}.weir.localhost/`, {}, { ROUTE_CACHE_MS: "0" });
    await res.arrayBuffer();
    expect(res.headers.get("set-cookie")).toMatch(/^weir=/);
  });
});
