/**
 * The dashboard's files on ADMIN_HOST (DESIGN §12), through the real Worker: the page and
 * every module it loads (crawled from the page, so a file missing from dashboard/assets.ts
 * fails here), their security and cache headers, refusals, and that a service hostname
 * never serves a dashboard file.
 */
import { describe, expect, it } from "vitest";
import { ADMIN, api, call, expectError, json, origin, run, uniqueStack } from "../../admin/helpers.ts";

async function page(): Promise<{ res: Response; html: string }> {
  const res = await call(`${ADMIN}/`);
  return { res, html: await res.text() };
}

/** `/assets/<version>/…` URLs the page names in src/href attributes. */
function assetUrls(html: string): string[] {
  return [...html.matchAll(/\s(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]);
}

/** Relative module specifiers of a script: `import … from "./x.js"`, `import "./x.js"`. */
function importsOf(js: string): string[] {
  return [...js.matchAll(/(?:^|[\s;])(?:import|export)\s[^"'`]*?["'](\.\/[^"']+)["']|import\s*["'](\.\/[^"']+)["']/g)].map((m) => m[1] ?? m[2]);
}

describe("GET / on the admin host", () => {
  it("serves the page without a token, with a strict CSP and no inline script or style", async () => {
    const { res, html } = await page();
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    const csp = res.headers.get("content-security-policy") ?? "";
    const directives = new Map(csp.split(";").map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v.join(" ")]));
    expect(directives.get("default-src")).toBe("'self'");
    expect(directives.get("script-src")).toBe("'self'");
    expect(directives.get("style-src")).toBe("'self'");
    expect(directives.get("frame-ancestors")).toBe("'none'");
    expect(directives.get("object-src")).toBe("'none'");
    expect(directives.get("base-uri")).toBe("'none'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("referrer-policy")).toBe("no-referrer");
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    expect(res.headers.get("cache-control")).toBe("no-cache");

    // every script is a file from this origin; no inline script, style or handler
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attrs, body] of scripts) {
      expect(attrs).toMatch(/\ssrc="\/assets\//);
      expect(body.trim()).toBe("");
    }
    expect(html).not.toMatch(/<style\b|\sstyle=|\son[a-z]+=/i);
    expect(html).not.toContain("{{");
  });

  it("answers HEAD like GET, without a body", async () => {
    const res = await call(`${ADMIN}/`, { method: "HEAD" });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-security-policy")).toContain("default-src 'self'");
    expect(await res.text()).toBe("");
  });

  it("serves every file the page loads, and every module those import, as immutable files of one version", async () => {
    const { html } = await page();
    const urls = assetUrls(html);
    const version = /^\/assets\/([0-9a-f]{16})\//.exec(urls[0] ?? "")?.[1];
    expect(version).toBeDefined();
    const seen = new Set<string>();
    const queue = [...urls];
    const types = new Map<string, string>();
    while (queue.length > 0) {
      const url = queue.shift() as string;
      if (seen.has(url)) continue;
      seen.add(url);
      expect(url.startsWith(`/assets/${version}/`), url).toBe(true);
      const res = await call(`${ADMIN}${url}`);
      const body = await res.text();
      expect(res.status, url).toBe(200);
      expect(res.headers.get("cache-control"), url).toBe("public, max-age=31536000, immutable");
      expect(res.headers.get("x-content-type-options"), url).toBe("nosniff");
      expect(res.headers.get("content-security-policy"), url).toContain("frame-ancestors 'none'");
      types.set(url.slice(url.lastIndexOf("/") + 1), res.headers.get("content-type") ?? "");
      if (url.endsWith(".js")) for (const spec of importsOf(body)) queue.push(new URL(spec, `http://x${url}`).pathname);
    }
    // the page, its modules, uPlot and its CSS, the stylesheet and the icon
    expect([...types.keys()]).toEqual(expect.arrayContaining(["app.js", "api.js", "service-page.js", "chart.js", "uPlot.esm.js", "uPlot.min.css", "style.css", "favicon.svg"]));
    expect(types.get("app.js")).toBe("text/javascript; charset=utf-8");
    expect(types.get("uPlot.esm.js")).toBe("text/javascript; charset=utf-8");
    expect(types.get("style.css")).toBe("text/css; charset=utf-8");
    expect(types.get("favicon.svg")).toBe("image/svg+xml");
  });

  it("refuses another version's files and unknown files with a 404 that is not cached", async () => {
    const { html } = await page();
    const appUrl = assetUrls(html).find((u) => u.endsWith("/app.js")) as string;
    for (const url of [appUrl.replace(/\/assets\/[0-9a-f]+\//, "/assets/0123456789abcdef/"), appUrl.replace("app.js", "nope.js"), appUrl.replace("app.js", "..%2F..%2Fwrangler.toml")]) {
      const res = await call(`${ADMIN}${url}`);
      expect(res.headers.get("cache-control"), url).toBe("no-store");
      // the same protections as a file: a refusal is a dashboard response too
      expect(res.headers.get("x-content-type-options"), url).toBe("nosniff");
      expect(res.headers.get("content-security-policy"), url).toContain("frame-ancestors 'none'");
      expect(res.headers.get("x-frame-options"), url).toBe("DENY");
      expect(res.headers.get("content-type"), url).toBe("application/json; charset=utf-8");
      expect(await expectError(res, 404, "not_found"), url).toMatch(/no dashboard file/);
    }
  });

  it("leaves the admin API behind its token", async () => {
    await expectError(await api("GET", "/v1/services", { token: null }), 401, "unauthorized");
    await expectError(await api("GET", "/v1/services", { token: "wrong" }), 401, "unauthorized");
    await expectError(await call(`${ADMIN}/`, { method: "POST", body: "x" }), 401, "unauthorized");
    await expectError(await call(`${ADMIN}/index.html`), 401, "unauthorized");
    // only the two dashboard routes are public (plainRoute): deeper paths are not theirs
    await expectError(await call(`${ADMIN}/assets/x/y/app.js`), 401, "unauthorized");
    await expectError(await api("GET", "/v1/whoami", { token: null }), 401, "unauthorized");
  });

  it("answers the page without the API's ETag (it is not a config version's)", async () => {
    const { res } = await page();
    expect(res.headers.get("etag")).toBeNull();
    expect((await api("GET", "/v1/whoami")).headers.get("etag")).toMatch(/^"\d+"$/);
  });
});

describe("a service hostname", () => {
  it("proxies / and the dashboard's paths to the service's origin, never serving a dashboard file", async () => {
    const stack = uniqueStack("dash");
    await run(stack, "svc", origin("echo"));
    const { html } = await page();
    const appUrl = assetUrls(html).find((u) => u.endsWith("/app.js")) as string;
    for (const path of ["/", appUrl, "/assets/x/style.css"]) {
      const res = await call(`http://svc.${stack}.weir.localhost${path}`, {}, { ROUTE_CACHE_MS: "0" });
      const body = await json(res);
      expect(body.path, path).toBe(path);
      expect(res.headers.get("content-security-policy"), path).toBeNull();
      expect(res.headers.get("weir-revision"), path).toBe("v0");
    }
  });

  it("of no service answers no_route for the dashboard's paths", async () => {
    const res = await call(`http://nothing.${uniqueStack("dash")}.weir.localhost/`);
    await expectError(res, 404, "no_route");
  });
});
