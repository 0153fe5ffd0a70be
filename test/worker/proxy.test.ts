// Proxy rules of DESIGN §5 against real origins: what the origin receives (method, path,
// query, body, X-Forwarded-*, Via, no hop-by-hop headers) and what the client gets back
// (no hop-by-hop headers, no Content-Encoding it did not accept, redirects untouched), and
// origin statuses that cannot be passed on (1xx, garbage) answered as 502.
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { call, origin, origins, resetRoutes, seed } from "./helpers.ts";

interface Echo {
  method: string;
  path: string;
  query: string;
  headers: Record<string, string>;
  bodyLength: number;
  bodySha256: string;
}

async function sha256Hex(data: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(data));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

async function echo(url: string, init: RequestInit = {}): Promise<Echo> {
  const response = await call(url, init);
  expect(response.status).toBe(200);
  return response.json();
}

beforeEach(resetRoutes);
beforeAll(async () => {
  await seed({ stack: "proxy", name: "echo", origins: [origin("echo")] });
  await seed({ stack: "proxy", name: "prefixed", origins: [origin("echo", "/base/")] });
  await seed({ stack: "proxy", name: "lab", origins: [origin("lab")] });
});

describe("what the origin receives", () => {
  it("the method, path, query and body", async () => {
    for (const method of ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]) {
      const body = method === "GET" ? undefined : `payload of ${method} ✓`;
      const got = await echo("http://echo.proxy.weir.localhost/a/b%20c/?x=1&y=%2F&x=2", { method, body });
      expect(got.method).toBe(method);
      expect(got.path).toBe("/a/b%20c/");
      expect(got.query).toBe("?x=1&y=%2F&x=2");
      expect(got.bodySha256).toBe(await sha256Hex(body ?? ""));
    }
    const head = await call("http://echo.proxy.weir.localhost/h", { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe("");
  });

  it("prefixes the path with the origin URL's own path", async () => {
    expect((await echo("http://prefixed.proxy.weir.localhost/a?q=1")).path).toBe("/base/a");
    expect((await echo("http://prefixed.proxy.weir.localhost/")).path).toBe("/base/");
  });

  it("X-Forwarded-For, -Proto, -Host and a Via entry", async () => {
    const got = await echo("https://echo.proxy.weir.localhost:8443/", {
      headers: { "cf-connecting-ip": "203.0.113.9", "x-forwarded-for": "198.51.100.1", via: "1.1 cdn" },
    });
    expect(got.headers["x-forwarded-for"]).toBe("198.51.100.1, 203.0.113.9");
    expect(got.headers["x-forwarded-proto"]).toBe("https");
    expect(got.headers["x-forwarded-host"]).toBe("echo.proxy.weir.localhost:8443");
    expect(got.headers.via).toBe("1.1 cdn, 1.1 weir");
    const plain = await echo("http://echo.proxy.weir.localhost/", { headers: { "cf-connecting-ip": "203.0.113.9" } });
    expect(plain.headers["x-forwarded-for"]).toBe("203.0.113.9");
    expect(plain.headers["x-forwarded-proto"]).toBe("http");
    const listed = await echo("http://echo.proxy.weir.localhost/", { headers: { "cf-connecting-ip": "2.3.4", "x-forwarded-for": "10.1.2.3, 2.3.4" } });
    expect(listed.headers["x-forwarded-for"]).toBe("10.1.2.3, 2.3.4");
    const suffix = await echo("http://echo.proxy.weir.localhost/", { headers: { "cf-connecting-ip": "2.3.4", "x-forwarded-for": "10.1.2.3.4" } });
    expect(suffix.headers["x-forwarded-for"]).toBe("10.1.2.3.4, 2.3.4");
    expect(plain.headers.host).toBe(`127.0.0.1:${new URL(origin("echo")).port}`);
  });

  // Headers a request's Connection header names cannot be stripped: workerd removes that
  // header before the Worker runs. test/e2e/proxy-real-server.test.ts shows what reaches an
  // origin through a real server; a Request built here would keep it and prove nothing.
  it("no hop-by-hop headers of the fixed list", async () => {
    const got = await echo("http://echo.proxy.weir.localhost/", {
      headers: {
        "keep-alive": "timeout=5",
        "proxy-authorization": "Basic c2VjcmV0",
        "proxy-connection": "keep-alive",
        te: "trailers",
        trailer: "x-t",
        "x-end-to-end": "kept",
      },
    });
    for (const name of ["keep-alive", "proxy-authorization", "proxy-connection", "te", "trailer"]) {
      expect(got.headers).not.toHaveProperty(name);
    }
    expect(got.headers["x-end-to-end"]).toBe("kept");
  });

  it("no Expect: a 2 MiB upload sent with Expect: 100-continue arrives whole (issue 9)", async () => {
    const body = new Uint8Array(2 * 1024 * 1024).map((_, i) => i & 255);
    const response = await call("http://lab.proxy.weir.localhost/upload", { method: "POST", body, headers: { expect: "100-continue" } });
    expect(response.status).toBe(200);
    const digest = await crypto.subtle.digest("SHA-256", body);
    const hex = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
    expect(await response.json()).toEqual({ bodyLength: body.length, bodySha256: hex });
    const got = await echo("http://echo.proxy.weir.localhost/", { method: "POST", body: "x", headers: { expect: "100-continue" } });
    expect(got.headers).not.toHaveProperty("expect");
  });
});

describe("origin statuses Weir cannot pass on (issue 9)", () => {
  async function expectUnreachable(response: Response): Promise<string> {
    expect(response.status).toBe(502);
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("origin_unreachable");
    return body.error.message;
  }

  it("103 Early Hints is a 502 that names it, never a crash", async () => {
    const message = await expectUnreachable(await call("http://lab.proxy.weir.localhost/early-hints"));
    expect(message).toContain("informational status 103 Early Hints");
    // the origin's connection and Weir are fine afterwards
    expect(await (await call("http://lab.proxy.weir.localhost/hop")).text()).toBe("hop");
  });

  it("a status line outside 200–599 is a 502 that names the status", async () => {
    const raw = `http://127.0.0.1:${origins.rawStatus}`;
    await seed({ stack: "proxy", name: "raw", origins: [raw] });
    for (const [line, says] of [
      ["100 Continue", "informational status 100 Continue"],
      ["101 Switching Protocols", "informational status 101"],
      ["199 Whatever", "informational status 199"],
      ["600 Beyond", "status 600 Beyond, which is not a valid HTTP status"],
      ["999 Bogus", "status 999 Bogus"],
      ["042 Short", "status 42 Short"],
      ["1000 Long", "status 1000 Long"],
    ]) {
      const message = await expectUnreachable(await call(`http://raw.proxy.weir.localhost/${encodeURIComponent(line)}`));
      expect(message, line).toContain(says);
    }
    // ("000", "abc" or "-1" make workerd's fetch throw: a connection failure, 502 already)
    expect((await call(`http://raw.proxy.weir.localhost/${encodeURIComponent("201 Created")}`)).status).toBe(201);
  });
});

describe("what the client gets back", () => {
  it("no hop-by-hop response headers", async () => {
    const response = await call("http://lab.proxy.weir.localhost/hop");
    expect(await response.text()).toBe("hop");
    for (const name of ["connection", "x-secret-hop", "keep-alive", "proxy-authenticate", "proxy-connection", "transfer-encoding"]) {
      expect(response.headers.has(name)).toBe(false);
    }
    expect(response.headers.get("x-kept")).toBe("yes");
  });

  it("redirects passed back untouched, not followed", async () => {
    const response = await call("http://lab.proxy.weir.localhost/redirect");
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe("/elsewhere?from=redirect");
    expect(response.headers.get("set-cookie")).toContain("r=1; Path=/");
    expect(await response.text()).toBe("moved");
  });

  it("never a Content-Encoding the client did not accept", async () => {
    // The gzip origin compresses whatever the request says.
    for (const acceptEncoding of [undefined, "identity", "br", "gzip;q=0, br", "deflate"]) {
      const headers: Record<string, string> = acceptEncoding === undefined ? {} : { "accept-encoding": acceptEncoding };
      const response = await call("http://lab.proxy.weir.localhost/gzip", { headers });
      expect(response.headers.has("content-encoding"), String(acceptEncoding)).toBe(false);
      expect(await response.text()).toBe("Hello gzip");
    }
    // A gzip-only client keeps the coding (workerd encodes the decoded body again on the wire).
    const gzipOnly = await call("http://lab.proxy.weir.localhost/gzip", { headers: { "accept-encoding": "gzip" } });
    expect(gzipOnly.headers.get("content-encoding")).toBe("gzip");
    expect(await gzipOnly.text()).toBe("Hello gzip");
    // A browser-like client gets the origin's bytes as they are.
    const browser = await call("http://lab.proxy.weir.localhost/gzip", { headers: { "accept-encoding": "gzip, deflate, br, zstd" } });
    expect(browser.headers.get("content-encoding")).toBe("gzip");
    const raw = new Uint8Array(await browser.arrayBuffer());
    expect([raw[0], raw[1]]).toEqual([0x1f, 0x8b]);
    const inflated = await new Response(new Blob([raw]).stream().pipeThrough(new DecompressionStream("gzip"))).text();
    expect(inflated).toBe("Hello gzip");
  });

  it("judges by the client's own Accept-Encoding (cf.clientAcceptEncoding), not the br, gzip workerd puts in its place", async () => {
    // As the front line hands requests to the Worker: header replaced, client value in cf.
    const asDelivered = (clientAcceptEncoding: string) =>
      ({ headers: { "accept-encoding": "br, gzip" }, cf: { clientAcceptEncoding } }) as RequestInit;
    for (const client of ["", "identity", "br", "deflate"]) {
      const response = await call("http://lab.proxy.weir.localhost/gzip", asDelivered(client));
      expect(response.headers.has("content-encoding"), client).toBe(false);
      expect(await response.text()).toBe("Hello gzip");
    }
    const gzip = await call("http://lab.proxy.weir.localhost/gzip", asDelivered("gzip"));
    expect(gzip.headers.get("content-encoding")).toBe("gzip");
    expect(await gzip.text()).toBe("Hello gzip");
    const browser = await call("http://lab.proxy.weir.localhost/gzip", asDelivered("gzip, deflate, br"));
    expect(browser.headers.get("content-encoding")).toBe("gzip");
    expect(new Uint8Array(await browser.arrayBuffer())[0]).toBe(0x1f);
  });
});
