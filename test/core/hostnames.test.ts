import { describe, expect, it } from "vitest";
import {
  customHostProblem,
  defaultAdminHost,
  endpointUrl,
  isUnderDomain,
  normalizeHost,
  serviceHost,
  versionHost,
  withinDnsLimits,
} from "../../core/hostnames.ts";

describe("normalizeHost", () => {
  it.each([
    ["svc.test.weir.localhost", "svc.test.weir.localhost"],
    ["Svc.TEST.Weir.LocalHost", "svc.test.weir.localhost"],
    ["svc.test.weir.localhost:8787", "svc.test.weir.localhost"],
    ["svc.test.weir.localhost.", "svc.test.weir.localhost"],
    ["SVC.test.weir.localhost.:8787", "svc.test.weir.localhost"],
    ["  svc.test.weir.localhost  ", "svc.test.weir.localhost"],
    ["127.0.0.1:8787", "127.0.0.1"],
    ["[::1]:8787", "[::1]"],
    ["[2001:DB8::1]", "[2001:db8::1]"],
  ])("%j → %j", (input, expected) => {
    expect(normalizeHost(input)).toBe(expected);
  });
});

describe("service, version and admin hosts", () => {
  it("builds the weighted service host under the normalized base domain", () => {
    expect(serviceHost("test", "svc", "weir.localhost")).toBe("svc.test.weir.localhost");
    expect(serviceHost("test", "svc", "Weir.Localhost.")).toBe("svc.test.weir.localhost");
  });

  it("builds the per-version host", () => {
    expect(versionHost("test", "svc", "v3", "weir.localhost")).toBe("svc-v3.test.weir.localhost");
    expect(versionHost("prod", "api", "v0", "example.com:443")).toBe("api-v0.prod.example.com");
  });

  it("puts the admin host one label under the base, where no service host can be", () => {
    expect(defaultAdminHost("weir.localhost")).toBe("admin.weir.localhost");
    expect(serviceHost("s", "n", "weir.localhost").split(".").length).toBe(4);
  });

  it("tells whether a host lies under a domain", () => {
    expect(isUnderDomain("svc.test.weir.localhost", "weir.localhost")).toBe(true);
    expect(isUnderDomain("Weir.Localhost.", "weir.localhost")).toBe(true);
    expect(isUnderDomain("svc.test.weir.localhost:8787", "WEIR.localhost")).toBe(true);
    expect(isUnderDomain("notweir.localhost", "weir.localhost")).toBe(false);
    expect(isUnderDomain("example.com", "weir.localhost")).toBe(false);
  });
});

describe("customHostProblem", () => {
  it.each(["shop.example.com", "Shop.Example.COM", "shop.example.com.", "a-b.c0.example", "xn--bcher-kva.example"])(
    "accepts %j",
    (host) => {
      expect(customHostProblem(host)).toBeUndefined();
    },
  );

  it.each([
    ["shop.example.com:8080", /without port/],
    ["localhost", /at least two labels/],
    ["*.example.com", /not a valid hostname/],
    ["-shop.example.com", /not a valid hostname/],
    ["shop-.example.com", /not a valid hostname/],
    ["shop..example.com", /not a valid hostname/],
    ["shop_1.example.com", /not a valid hostname/],
    ["https://shop.example.com", /./],
    [`${"a".repeat(64)}.example.com`, /not a valid hostname/],
    [`${"abcdefghi.".repeat(25)}example.com`, /longer than 253/],
  ])("refuses %j", (host, message) => {
    expect(customHostProblem(host)).toMatch(message);
  });

  // issue 9 item 8: an IP literal is not a domain one can bind (URL parsers read a host
  // whose last label is a number as IPv4, so those are refused too)
  it.each(["10.0.0.1", "192.168.1.1.", "1.2.3", "0x7f.0.0.1", "shop.example.123", "[::1]", "::1", "[2001:db8::1]", "2001:db8::1", "[::ffff:10.0.0.1]"])(
    "refuses the IP literal %j, saying so",
    (host) => {
      expect(customHostProblem(host)).toMatch(/IP address/);
    },
  );

  it.each(["1shop.example.com", "shop.123.example.com", "shop.example.c0m"])("accepts %j: only a numeric last label reads as IPv4", (host) => {
    expect(customHostProblem(host)).toBeUndefined();
  });
});

describe("endpointUrl", () => {
  it("keeps the admin request's scheme and a non-default port", () => {
    expect(endpointUrl("svc.test.weir.localhost", "http", "8787")).toBe("http://svc.test.weir.localhost:8787");
    expect(endpointUrl("svc.prod.example.com", "https", "443")).toBe("https://svc.prod.example.com");
    expect(endpointUrl("svc.prod.example.com", "http", "80")).toBe("http://svc.prod.example.com");
    expect(endpointUrl("svc.prod.example.com", "https", "")).toBe("https://svc.prod.example.com");
    expect(endpointUrl("svc.prod.example.com", "https", "8443")).toBe("https://svc.prod.example.com:8443");
  });
});

describe("withinDnsLimits", () => {
  it("holds names up to 253 characters with labels up to 63", () => {
    const l63 = "a".repeat(63);
    for (const host of ["localhost", "svc.test.weir.localhost", "[::1]", `${l63}.x`, `${l63}.${l63}.${l63}.${"b".repeat(61)}`]) {
      expect(withinDnsLimits(host), host).toBe(true);
    }
    for (const host of ["a".repeat(64), `x.${"a".repeat(64)}`, `${"a".repeat(64)}.x`, `${l63}.${l63}.${l63}.${"b".repeat(62)}`, "a.".repeat(127)]) {
      expect(withinDnsLimits(host), host).toBe(false);
    }
  });
});
