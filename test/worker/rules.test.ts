// The data plane's traffic rules (DESIGN §10) with real origins: each action, the order of
// decision (per-version host, pin header, first matching rule, weights), rewrites,
// header edits, timeouts, retries, the mirror and fault injection.
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import type { Rule } from "../../core/rule-schema.ts";
import worker from "../../worker/index.ts";
import type { Env } from "../../worker/env.ts";
import { call, env, origin, resetRoutes, seed } from "./helpers.ts";

beforeEach(resetRoutes);

let counter = 0;
const unique = (prefix: string) => `${prefix}${++counter}`;

/** A service `svc` in a fresh stack: v0 = hello, v3 = helloV3, v4 = echo, plus `rules`. */
async function service(rules: Rule[], extra: { v0?: string[]; v3?: string[]; revisionHeader?: boolean; affinity?: string } = {}) {
  const stack = unique("rules");
  await seed({
    stack,
    name: "svc",
    origins: extra.v0 ?? [origin("hello")],
    affinity: extra.affinity,
    revisionHeader: extra.revisionHeader,
    revisions: { v3: { origins: extra.v3 ?? [origin("helloV3")], weight: 0 }, v4: { origins: [origin("echo")], weight: 0 } },
    rules,
  });
  return `http://svc.${stack}.weir.localhost`;
}

async function echoOf(response: Response) {
  expect(response.status).toBe(200);
  return (await response.json()) as { method: string; path: string; query: string; headers: Record<string, string> };
}

async function seenBy(tag: string) {
  const res = await fetch(`${origin("recorder")}/__seen/${tag}`);
  return (await res.json()) as { method: string; path: string; headers: Record<string, string> }[];
}

describe("actions", () => {
  it("version: a header match routes to v3 and names the rule", async () => {
    const host = await service([{ name: "beta", match: { headers: [{ name: "x-beta", exact: "1" }] }, version: "v3" }]);
    const hit = await call(`${host}/`, { headers: { "x-beta": "1" } });
    expect(await hit.text()).toBe("Hello World v3");
    expect(hit.headers.get("weir-rule")).toBe("beta");
    expect(hit.headers.get("weir-revision")).toBe("v3");
    expect(hit.headers.get("set-cookie")).toBe(null);
    const miss = await call(`${host}/`);
    expect(await miss.text()).toBe("Hello World");
    expect(miss.headers.get("weir-rule")).toBe(null);
  });

  it("Weir-Rule is off together with Weir-Revision", async () => {
    const host = await service([{ name: "beta", version: "v3" }], { revisionHeader: false });
    const res = await call(`${host}/`);
    expect(await res.text()).toBe("Hello World v3");
    expect([res.headers.get("weir-rule"), res.headers.get("weir-revision")]).toEqual([null, null]);
  });

  it("weights: a sticky split of the rule's traffic by the same key", async () => {
    const host = await service([{ name: "split", match: { path: { prefix: "/api/" } }, weights: { v3: 50, v0: 50 } }], { affinity: "header:x-user" });
    const seen = new Map<string, string>();
    for (let i = 0; i < 40; i++) {
      const res = await call(`${host}/api/x`, { headers: { "x-user": `user-${i}` } });
      seen.set(`user-${i}`, await res.text());
      expect(res.headers.get("weir-rule")).toBe("split");
    }
    const v3 = [...seen.values()].filter((t) => t === "Hello World v3").length;
    expect(v3).toBeGreaterThan(5);
    expect(v3).toBeLessThan(35);
    for (const [user, text] of seen) {
      const again = await call(`${host}/api/y`, { headers: { "x-user": user } });
      expect(await again.text(), user).toBe(text);
    }
  });

  it("weights with one owner mints no cookie", async () => {
    const host = await service([{ name: "all", weights: { v3: 100, v0: 0 } }]);
    const res = await call(`${host}/`);
    expect(await res.text()).toBe("Hello World v3");
    expect(res.headers.get("set-cookie")).toBe(null);
  });

  it("redirect: scheme, host and path; the query is kept; default 302", async () => {
    const host = await service([
      { name: "https", match: { path: { prefix: "/secure/" } }, redirect: { scheme: "https" } },
      { name: "moved", match: { path: { exact: "/old" } }, redirect: { host: "new.example.com", path: "/new", status: 301 } },
    ]);
    const a = await call(`${host}/secure/page?x=1`);
    expect(a.status).toBe(302);
    expect(a.headers.get("location")).toBe(`${host.replace("http:", "https:")}/secure/page?x=1`);
    expect(a.headers.get("weir-rule")).toBe("https");
    const b = await call(`${host}/old?y=2`, { method: "POST", body: "ignored" });
    expect(b.status).toBe(301);
    expect(b.headers.get("location")).toBe("http://new.example.com/new?y=2");
  });

  it("respond: status, body and content type, without touching an origin", async () => {
    const host = await service([{ name: "maint", respond: { status: 503, body: "down for maintenance", contentType: "text/plain" } }], {
      v0: [origin("dead")],
    });
    const res = await call(`${host}/anything`);
    expect(res.status).toBe(503);
    expect(res.headers.get("content-type")).toBe("text/plain");
    expect(await res.text()).toBe("down for maintenance");
  });

  it("no action: the service's own weights, with the rule's edits", async () => {
    const host = await service([{ name: "tag", requestHeaders: { set: { "x-env": "canary" } } }], { v0: [origin("echo")] });
    const res = await call(`${host}/p`);
    expect((await echoOf(res)).headers["x-env"]).toBe("canary");
    expect(res.headers.get("weir-revision")).toBe("v0");
    expect(res.headers.get("weir-rule")).toBe("tag");
  });
});

describe("match kinds at the edge", () => {
  it("method, query, cookie and country (request.cf.country)", async () => {
    const host = await service([
      { name: "writes", match: { methods: ["POST"] }, version: "v4" },
      { name: "canary", match: { query: [{ name: "canary", present: true }] }, version: "v3" },
      { name: "cohort", match: { cookies: [{ name: "cohort", regex: "^b" }] }, version: "v3" },
      { name: "eu", match: { countries: ["DE", "FR"] }, version: "v3" },
    ]);
    const rule = async (init: RequestInit & { cf?: { country: string } }, path = "/") => {
      const res = await call(`${host}${path}`, init);
      await res.arrayBuffer();
      return res.headers.get("weir-rule");
    };
    expect(await rule({ method: "POST", body: "x" })).toBe("writes");
    expect(await rule({}, "/?canary")).toBe("canary");
    expect(await rule({ headers: { cookie: "cohort=beta" } })).toBe("cohort");
    expect(await rule({ cf: { country: "DE" } })).toBe("eu");
    expect(await rule({ cf: { country: "US" } })).toBe(null);
    expect(await rule({})).toBe(null);
  });
});

describe("order of decision", () => {
  it("the first matching rule wins", async () => {
    const host = await service([
      { name: "first", match: { path: { prefix: "/api/" } }, version: "v3" },
      { name: "second", match: { path: { prefix: "/api/v2/" } }, version: "v4" },
    ]);
    const res = await call(`${host}/api/v2/x`);
    expect(res.headers.get("weir-rule")).toBe("first");
    expect(await res.text()).toBe("Hello World v3");
  });

  it("the pin header overrides a rule's version but not a redirect or respond", async () => {
    const host = await service([
      { name: "maint", match: { path: { prefix: "/down" } }, respond: { status: 503, body: "down" } },
      { name: "beta", version: "v3" },
    ]);
    const pinned = await call(`${host}/`, { headers: { "weir-revision": "v0" } });
    expect(await pinned.text()).toBe("Hello World");
    expect(pinned.headers.get("weir-rule")).toBe("beta");
    const down = await call(`${host}/down`, { headers: { "weir-revision": "v0" } });
    expect([down.status, await down.text()]).toEqual([503, "down"]);
    const unknown = await call(`${host}/`, { headers: { "weir-revision": "v9" } });
    expect(await unknown.text()).toBe("Hello World v3");
  });

  it("per-version hosts skip rules", async () => {
    const host = await service([{ name: "all", respond: { status: 503, body: "down" } }]);
    const v3 = await call(host.replace("svc.", "svc-v3."));
    expect([v3.status, await v3.text()]).toEqual([200, "Hello World v3"]);
    expect(v3.headers.get("weir-rule")).toBe(null);
  });
});

describe("rewrites and header edits", () => {
  it("a prefix rewrite, the query kept; rewrite.host goes out as X-Forwarded-Host", async () => {
    const host = await service([{ name: "api", match: { path: { prefix: "/api/" } }, version: "v4", rewrite: { path: { prefix: "/v2/" }, host: "api.internal" } }]);
    const echo = await echoOf(await call(`${host}/api/users/7?x=1`));
    expect([echo.path, echo.query]).toEqual(["/v2/users/7", "?x=1"]);
    expect(echo.headers["x-forwarded-host"]).toBe("api.internal");
    expect(echo.headers.host).toBe(`127.0.0.1:${env.ORIGINS.echo}`);
  });

  it("a full rewrite replaces an exact match's whole path", async () => {
    const host = await service([{ name: "login", match: { path: { exact: "/login" } }, version: "v4", rewrite: { path: { full: "/auth/start" } } }]);
    expect((await echoOf(await call(`${host}/login?next=/x`))).path).toBe("/auth/start");
  });

  it("request and response header edits: set, add, remove", async () => {
    const host = await service([
      {
        name: "edits",
        version: "v4",
        requestHeaders: { set: { "x-env": "canary" }, add: { "x-added": "1" }, remove: ["x-debug"] },
        responseHeaders: { set: { "x-served-by": "weir" }, remove: ["content-type"] },
      },
    ]);
    const res = await call(`${host}/`, { headers: { "x-debug": "secret", "x-env": "prod" } });
    expect(res.headers.get("x-served-by")).toBe("weir");
    expect(res.headers.get("content-type")).toBe(null);
    const echo = await echoOf(res);
    expect(echo.headers["x-env"]).toBe("canary");
    expect(echo.headers["x-added"]).toBe("1");
    expect(echo.headers["x-debug"]).toBeUndefined();
  });
});

describe("timeouts and retries", () => {
  it("a rule's timeout overrides ORIGIN_TIMEOUT_MS (504)", async () => {
    const host = await service([{ name: "quick", timeout: "300ms" }], { v0: [origin("lab")] });
    const res = await call(`${host}/slow`);
    expect(res.status).toBe(504);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("origin_timeout");
  });

  it("a GET that gets 503 is retried on the revision's next origin; a POST is not", async () => {
    const host = await service([{ name: "retry", retries: { attempts: 1 } }], { v0: [origin("unavailable"), origin("echo")] });
    for (let i = 0; i < 4; i++) {
      const res = await call(`${host}/get-${i}`);
      expect(res.status, `GET ${i}`).toBe(200);
      await res.arrayBuffer();
    }
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await call(`${host}/post-${i}`, { method: "POST", body: "x" });
      statuses.push(res.status);
      await res.arrayBuffer();
    }
    expect(statuses).toContain(503);
    expect(statuses).toContain(200);
  });

  it("a refused connection moves on; without `connect-failure` in `on` it does not", async () => {
    const onConnect = await service([{ name: "r", retries: { attempts: 1 } }], { v0: [origin("dead"), origin("hello")] });
    for (let i = 0; i < 4; i++) expect((await call(`${onConnect}/`)).status).toBe(200);
    const statusOnly = await service([{ name: "r", retries: { attempts: 1, on: ["503"] } }], { v0: [origin("dead"), origin("hello")] });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await call(`${statusOnly}/`)).status);
    expect(statuses).toContain(502);
  });

  it("a single origin that fails once recovers on the retry", async () => {
    const host = await service([{ name: "r", retries: { attempts: 2, on: ["503"] } }], { v0: [origin("flaky")] });
    const res = await call(`${host}/`, { headers: { "x-flaky-id": unique("flaky") } });
    expect([res.status, await res.text()]).toEqual([200, "recovered"]);
    const none = await service([], { v0: [origin("flaky")] });
    expect((await call(`${none}/`, { headers: { "x-flaky-id": unique("flaky") } })).status).toBe(503);
  });

  it("a try that outlives perTryTimeout moves on to the next origin", async () => {
    const host = await service([{ name: "r", timeout: "5s", retries: { attempts: 1, perTryTimeout: "300ms" } }], { v0: [origin("lab"), origin("echo")] });
    for (let i = 0; i < 2; i++) {
      const res = await call(`${host}/slow`);
      expect(res.status).toBe(200);
      expect((await echoOf(res)).path).toBe("/slow");
    }
  });
});

describe("mirror", () => {
  it("copies GET to the mirror version with Via; a slow mirror never delays the client", async () => {
    const host = await service([{ name: "shadow", version: "v4", mirror: { version: "v3", percent: 100 } }], { v3: [origin("recorder")] });
    const tag = unique("mirror");
    const ctx = createExecutionContext();
    const res = await worker.fetch(new Request(`${host}/page?q=1`, { headers: { "x-test-tag": tag, "x-delay": "1500" } }), env as Env, ctx);
    let mirrorSettled = false;
    const settled = waitOnExecutionContext(ctx).then(() => (mirrorSettled = true));
    const echo = await echoOf(res);
    expect(echo.path).toBe("/page");
    // the client's whole response is in while the mirror's origin still sits on its answer
    expect(mirrorSettled).toBe(false);
    await settled;
    const seen = await seenBy(tag);
    expect(seen.map((s) => [s.method, s.path])).toEqual([["GET", "/page?q=1"]]);
    expect(seen[0].headers.via).toMatch(/1\.1 weir/);
  });

  it("a failing mirror is invisible; POST is never mirrored", async () => {
    const dead = await service([{ name: "shadow", version: "v4", mirror: { version: "v3" } }], { v3: [origin("dead")] });
    const res = await call(`${dead}/`);
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    const host = await service([{ name: "shadow", version: "v4", mirror: { version: "v3" } }], { v3: [origin("recorder")] });
    const tag = unique("post");
    const post = await call(`${host}/`, { method: "POST", body: "x", headers: { "x-test-tag": tag } });
    expect(post.status).toBe(200);
    await post.arrayBuffer();
    expect(await seenBy(tag)).toEqual([]);
  });
});

describe("fault injection", () => {
  it("aborts about the configured share of requests and never retries them", async () => {
    const host = await service([{ name: "chaos", retries: { attempts: 3 }, fault: { abort: { status: 503, percent: 30 } } }]);
    let aborted = 0;
    const N = 400;
    for (let i = 0; i < N; i++) {
      const res = await call(`${host}/`);
      const text = await res.text();
      if (res.status === 503) {
        aborted++;
        expect(text).toBe("fault injected by rule 'chaos'\n");
      } else expect(text).toBe("Hello World");
    }
    // binomial(400, 0.3): mean 120, σ ≈ 9.2; ±5σ
    expect(aborted).toBeGreaterThan(120 - 46);
    expect(aborted).toBeLessThan(120 + 46);
  });

  it("delays about the configured share of requests", async () => {
    const host = await service([{ name: "slow", fault: { delay: { ms: 250, percent: 50 } } }]);
    let delayed = 0;
    const N = 40;
    for (let i = 0; i < N; i++) {
      const started = Date.now();
      const res = await call(`${host}/`);
      expect(await res.text()).toBe("Hello World");
      if (Date.now() - started >= 250) delayed++;
    }
    // binomial(40, 0.5): mean 20, σ ≈ 3.2; ±5σ (an undelayed request to a local origin takes far less than 250 ms)
    expect(delayed).toBeGreaterThanOrEqual(20 - 16);
    expect(delayed).toBeLessThanOrEqual(20 + 16);
  });
});
