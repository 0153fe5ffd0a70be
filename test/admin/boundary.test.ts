// The admin API's boundary (DESIGN §8): bearer auth that fails closed, ETag on every
// response, If-Match on writes, the 1 MiB body limit, unknown routes — all as §5 JSON.
import { describe, expect, it } from "vitest";
import { ADMIN, api, call, currentVersion, env, expectError, json, origin, run, stage, uniqueStack } from "./helpers.ts";

describe("authentication", () => {
  it("401 without a token, with a wrong token, or with a malformed header", async () => {
    const none = await api("GET", "/v1/services", { token: null });
    expect(none.headers.get("www-authenticate")).toContain("Bearer");
    await expectError(none, 401, "unauthorized");
    await expectError(await api("GET", "/v1/services", { token: "test-root-token-but-longer" }), 401, "unauthorized");
    await expectError(await api("GET", "/v1/services", { token: "x" }), 401, "unauthorized");
    await expectError(await api("GET", "/v1/services", { token: null, headers: { authorization: "Basic dGVzdA==" } }), 401, "unauthorized");
    // refused before the body is looked at or anything is written
    const stack = uniqueStack("auth");
    await expectError(await api("POST", "/v1/services", { token: "wrong", body: { name: `${stack}/svc`, origins: [origin("hello")] } }), 401, "unauthorized");
    await expectError(await api("GET", `/v1/services/${stack}/svc`), 404, "not_found");
  });

  it("fails closed: with no ADMIN_TOKEN configured every request is refused", async () => {
    for (const token of [undefined, null, ""]) {
      const res = await api("GET", "/v1/services", { token: token ?? "", envOverrides: { ADMIN_TOKEN: undefined } });
      expect(await expectError(res, 401, "unauthorized")).toContain("no ADMIN_TOKEN");
    }
    const res = await api("GET", "/v1/openapi.json", { envOverrides: { ADMIN_TOKEN: "" } });
    await expectError(res, 401, "unauthorized");
  });
});

describe("ETag and If-Match", () => {
  it("every authenticated response carries the quoted config version, errors included", async () => {
    const version = await currentVersion();
    for (const path of ["/v1/services", "/v1/domains", "/v1/history", "/v1/openapi.json", "/v1/nowhere", "/v1/services/x/y"]) {
      const res = await api("GET", path);
      await res.arrayBuffer();
      expect(res.headers.get("etag"), path).toMatch(/^"\d+"$/);
      expect(Number(JSON.parse(res.headers.get("etag")!))).toBeGreaterThanOrEqual(version);
    }
  });

  it("a write with a matching If-Match succeeds; a stale one is 412 and changes nothing", async () => {
    const stack = uniqueStack("etag");
    const created = await api("POST", "/v1/services", { body: { name: `${stack}/svc`, origins: [origin("hello")] } });
    await created.arrayBuffer();
    const etag = created.headers.get("etag")!;
    const ok = await api("POST", `/v1/services/${stack}/svc/revisions`, {
      body: { version: "v1", origins: [origin("helloV2")] },
      headers: { "if-match": etag },
    });
    const body = await json(ok, 201);
    expect(ok.headers.get("etag")).toBe(`"${body.configVersion}"`);
    expect(body.configVersion).toBe(Number(JSON.parse(etag)) + 1);

    const stale = await api("PUT", `/v1/services/${stack}/svc/weights`, { body: { weights: { v1: 50 } }, headers: { "if-match": etag } });
    expect(stale.headers.get("etag")).toBe(`"${await currentVersion()}"`);
    expect(await expectError(stale, 412, "precondition_failed")).toContain("If-Match");
    expect((await json(await api("GET", `/v1/services/${stack}/svc`))).revisions[0].weight).toBe(0);

    const star = await api("PUT", `/v1/services/${stack}/svc/weights`, { body: { weights: { v1: 50 } }, headers: { "if-match": "*" } });
    expect(star.status).toBe(200);
    // strong comparison (RFC 9110 §13.1.1): a weak tag never matches, even of the current version
    const weak = await api("PUT", `/v1/services/${stack}/svc/weights`, {
      body: { weights: { v1: 40 } },
      headers: { "if-match": `"1", W/${star.headers.get("etag")}` },
    });
    await expectError(weak, 412, "precondition_failed");
    const listed = await api("PUT", `/v1/services/${stack}/svc/weights`, {
      body: { weights: { v1: 40 } },
      headers: { "if-match": `"1", ${star.headers.get("etag")}` },
    });
    expect(listed.status).toBe(200);
    await listed.arrayBuffer();
    await expectError(
      await api("PUT", `/v1/services/${stack}/svc/weights`, { body: { weights: { v1: 40 } }, headers: { "if-match": "42" } }),
      400,
      "bad_request",
    );
    await expectError(
      await api("PUT", `/v1/services/${stack}/svc/weights`, { body: { weights: { v1: 40 } }, headers: { "if-match": `"abc"` } }),
      412,
      "precondition_failed",
    );
  });
});

describe("If-Match on every write route", () => {
  it("a stale If-Match is 412 on each write, and nothing changes", async () => {
    const stack = uniqueStack("stale");
    await run(stack);
    await stage(stack, "svc", "v3", origin("helloV3"), 10);
    await json(await api("POST", "/v1/domains", { body: { host: `www.${stack}.example.com`, target: `${stack}/svc` } }), 201);
    const version = await currentVersion();
    const stale = { "if-match": `"${version - 1}"` };
    const svc = `/v1/services/${stack}/svc`;
    const writes: [string, string, unknown][] = [
      ["POST", "/v1/services", { name: `${stack}/other`, origins: [origin("hello")] }],
      ["POST", `${svc}/revisions`, { version: "v4", origins: [origin("hello")] }],
      ["PUT", `${svc}/weights`, { weights: { v3: 20 } }],
      ["POST", `${svc}/promote`, { version: "v3" }],
      ["POST", `${svc}/rollback`, {}],
      ["DELETE", `${svc}/revisions/v3`, undefined],
      ["DELETE", svc, undefined],
      ["PUT", `/v1/stacks/${stack}`, { stack, services: {} }],
      ["POST", "/v1/domains", { host: `api.${stack}.example.com`, target: `${stack}/svc` }],
      ["DELETE", `/v1/domains/www.${stack}.example.com`, undefined],
    ];
    for (const [method, path, body] of writes) {
      const res = await api(method, path, { body, headers: stale });
      expect(res.headers.get("etag"), `${method} ${path}`).toBe(`"${version}"`);
      await expectError(res, 412, "precondition_failed");
    }
    expect(await currentVersion()).toBe(version);
  });
});

describe("body limit, unknown routes", () => {
  it("413 for a body over 1 MiB, by Content-Length or streamed", async () => {
    const big = JSON.stringify({ name: "a/b", origins: ["http://127.0.0.1:1"], pad: "x".repeat(1024 * 1024) });
    await expectError(await api("POST", "/v1/services", { body: big, headers: { "content-type": "application/json" } }), 413, "payload_too_large");
    const stream = new Blob([big]).stream();
    const res = await call(`${ADMIN}/v1/stacks/big`, {
      method: "PUT",
      body: stream,
      headers: { authorization: `Bearer ${env.ADMIN_TOKEN}`, "content-type": "application/yaml" },
      // @ts-expect-error: workerd accepts duplex for streamed request bodies
      duplex: "half",
    });
    await expectError(res, 413, "payload_too_large");
  });

  it("404 JSON for a route the API does not have", async () => {
    expect(await expectError(await api("GET", "/v1/nowhere"), 404, "not_found")).toContain("/v1/nowhere");
    await expectError(await api("PATCH", "/v1/services"), 404, "not_found");
    // `/` is the dashboard's page (DESIGN §12); other paths outside /v1 are not routes
    await expectError(await api("GET", "/nowhere"), 404, "not_found");
  });

  it("never a 500 for odd input", async () => {
    const stack = uniqueStack("odd");
    await run(stack);
    const odd: [string, string, unknown][] = [
      ["POST", "/v1/services", "null"],
      ["POST", "/v1/services", "[]"],
      ["POST", "/v1/services", '"text"'],
      ["POST", `/v1/services/${stack}/svc/revisions`, { version: "v1", origins: [origin("hello")], weight: 1e309 }],
      ["PUT", `/v1/services/${stack}/svc/weights`, '{"weights":{"__proto__":50}}'],
      ["PUT", `/v1/services/${stack}/svc/weights`, '{"weights":{"constructor":50}}'],
      ["POST", `/v1/services/${stack}/svc/rollback`, '{"to":"x"}'],
      ["POST", `/v1/services/${stack}/svc/rollback`, '{"to":-1}'],
      ["POST", "/v1/domains", { host: "http://x", target: `${stack}/svc` }],
      ["DELETE", "/v1/domains/%00", undefined],
    ];
    for (const [method, path, body] of odd) {
      const res = await api(method, path, { body, headers: { "content-type": "application/json" } });
      const text = await res.text();
      expect(res.status, `${method} ${path} ${text}`).toBeGreaterThanOrEqual(400);
      expect(res.status, `${method} ${path} ${text}`).toBeLessThan(500);
      expect(JSON.parse(text)).toHaveProperty("error.code");
    }
  });
});
