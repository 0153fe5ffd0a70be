// The small parsers on the data plane's hot path: request URL split, Cookie, Via and
// Accept-Encoding. Each is hand-written to avoid allocating, so each is pinned here.
import { describe, expect, it } from "vitest";
import { readCookie } from "../../worker/affinity.ts";
import { acceptsCoding, responseBodyMode } from "../../worker/content-coding.ts";
import { viaListsWeir } from "../../worker/proxy.ts";
import { splitRequestUrl } from "../../worker/request-url.ts";

describe("splitRequestUrl", () => {
  it("splits host, path and scheme without a URL object", () => {
    expect(splitRequestUrl("https://Svc.Test.weir.localhost.:8443/a/b?c=d")).toEqual({
      rawHost: "Svc.Test.weir.localhost.:8443",
      host: "svc.test.weir.localhost",
      pathAndQuery: "/a/b?c=d",
      https: true,
    });
    expect(splitRequestUrl("http://h.example")).toEqual({ rawHost: "h.example", host: "h.example", pathAndQuery: "/", https: false });
    expect(splitRequestUrl("http://[::1]:8787/x").host).toBe("[::1]");
  });
});

describe("readCookie", () => {
  it("finds the named cookie among others, and only an exact name", () => {
    expect(readCookie("a=1; weir=abc.def; b=2", "weir")).toBe("abc.def");
    expect(readCookie("weir=first", "weir")).toBe("first");
    expect(readCookie("xweir=1; weirx=2", "weir")).toBeUndefined();
    expect(readCookie("a=1;weir=tight", "weir")).toBe("tight");
    expect(readCookie(null, "weir")).toBeUndefined();
    expect(readCookie("", "weir")).toBeUndefined();
  });
});

describe("viaListsWeir", () => {
  it("matches a `weir` received-by entry, not other proxies", () => {
    expect(viaListsWeir("1.1 weir")).toBe(true);
    expect(viaListsWeir("1.1 cdn, 1.1 WEIR")).toBe(true);
    expect(viaListsWeir("HTTP/1.1 weir (comment)")).toBe(true);
    expect(viaListsWeir("1.1 weird, 1.1 cdn.weir.example")).toBe(false);
    expect(viaListsWeir(null)).toBe(false);
  });
});

describe("acceptsCoding", () => {
  it("follows q-values and the wildcard", () => {
    expect(acceptsCoding("gzip, br", "gzip")).toBe(true);
    expect(acceptsCoding("GZIP;q=0.5", "gzip")).toBe(true);
    expect(acceptsCoding("gzip;q=0, br", "gzip")).toBe(false);
    expect(acceptsCoding("*", "br")).toBe(true);
    expect(acceptsCoding("*;q=0", "br")).toBe(false);
    expect(acceptsCoding("*, gzip;q=0", "gzip")).toBe(false);
    expect(acceptsCoding("", "gzip")).toBe(false);
    expect(acceptsCoding(null, "gzip")).toBe(false);
  });

  it("passes origin bytes untouched only to clients that take both gzip and br", () => {
    expect(responseBodyMode("gzip, deflate, br, zstd")).toBe("manual");
    expect(responseBodyMode("gzip")).toBe("automatic");
    expect(responseBodyMode("")).toBe("automatic");
  });
});
