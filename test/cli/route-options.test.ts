// `weir route add` flags → a rule (DESIGN §10, Rio's syntax), and the `route ls` columns.
import { describe, expect, it } from "vitest";
import { actionText, detailText, matchText } from "../../cli/commands/route.ts";
import { parsePathSyntax, parseRedirect, ruleFromOptions } from "../../cli/route-options.ts";

describe("Rio's path syntax", () => {
  it.each([
    ["/login", { exact: "/login" }],
    ["/api/*", { prefix: "/api/" }],
    ["/static*", { prefix: "/static" }],
    ["regexp(^/v[0-9]+/)", { regex: "^/v[0-9]+/" }],
  ])("%s", (text, expected) => {
    expect(parsePathSyntax(text)).toEqual(expected);
  });
});

describe("--redirect", () => {
  it.each([
    ["https://new.example.com/x", { scheme: "https", host: "new.example.com", path: "/x" }],
    ["https://new.example.com", { scheme: "https", host: "new.example.com" }],
    ["https:", { scheme: "https" }],
    ["//other.example.com:8443", { host: "other.example.com:8443" }],
    ["/maintenance", { path: "/maintenance" }],
  ])("%s", (text, expected) => {
    expect(parseRedirect(text)).toEqual(expected);
  });

  it("refuses other schemes and garbage", () => {
    expect(() => parseRedirect("ftp://x")).toThrow(/scheme must be http or https/);
    expect(() => parseRedirect("not a url")).toThrow(/must be a URL/);
  });

  it("says why a URL with a query or fragment is refused (the probe saw only 'must be a URL')", () => {
    expect(() => parseRedirect("https://new.example.com:8443/x?y=1#frag")).toThrow(
      "--redirect 'https://new.example.com:8443/x?y=1#frag': cannot carry a query or fragment (the redirect keeps the request's query string)",
    );
    expect(() => parseRedirect("/x#top")).toThrow(/cannot carry a query or fragment/);
  });
});

describe("an unclosed regexp( path", () => {
  it("is refused naming the syntax, not sent as an exact path", () => {
    expect(() => parsePathSyntax("regexp(^/v[0-9]+/")).toThrow("--path 'regexp(^/v[0-9]+/': a regex is written regexp(PATTERN), with the closing ')'");
  });
});

describe("weir route add flags", () => {
  it("canary by header", () => {
    expect(ruleFromOptions("beta", { header: ["x-beta=1"], to: ["v3"] })).toEqual({
      name: "beta",
      match: { headers: [{ name: "x-beta", exact: "1" }] },
      version: "v3",
    });
  });

  it("every match kind", () => {
    const rule = ruleFromOptions("m", {
      path: "/api/*",
      method: ["get", "POST"],
      header: ["x-beta", "x-ua=regexp(^curl/)"],
      query: ["canary=1"],
      cookie: ["cohort=regexp(^b)"],
      country: ["de", "FR"],
    });
    expect(rule.match).toEqual({
      path: { prefix: "/api/" },
      methods: ["GET", "POST"],
      headers: [
        { name: "x-beta", present: true },
        { name: "x-ua", regex: "^curl/" },
      ],
      query: [{ name: "canary", exact: "1" }],
      cookies: [{ name: "cohort", regex: "^b" }],
      countries: ["DE", "FR"],
    });
  });

  it("a split, rewrites (prefix for a prefix match, full otherwise), edits, timeouts, retries, mirror, faults", () => {
    const rule = ruleFromOptions("all", {
      path: "/api/*",
      to: ["v3=90%", "v0=10"],
      rewritePath: "/v2/",
      rewriteHost: "api.internal",
      setHeader: ["x-env=canary"],
      addHeader: ["x-a=1"],
      removeHeader: ["x-debug"],
      setResponseHeader: ["x-served=weir"],
      timeout: "10s",
      retries: "2",
      perTryTimeout: "2s",
      retryOn: "connect-failure,503",
      mirror: "v4=10%",
      faultDelay: "500@5%",
      faultAbort: "503@0.5%",
    });
    expect(rule).toEqual({
      name: "all",
      match: { path: { prefix: "/api/" } },
      weights: { v3: 90, v0: 10 },
      rewrite: { path: { prefix: "/v2/" }, host: "api.internal" },
      requestHeaders: { set: { "x-env": "canary" }, add: { "x-a": "1" }, remove: ["x-debug"] },
      responseHeaders: { set: { "x-served": "weir" } },
      timeout: "10s",
      retries: { attempts: 2, perTryTimeout: "2s", on: ["connect-failure", "503"] },
      mirror: { version: "v4", percent: 10 },
      fault: { delay: { ms: 500, percent: 5 }, abort: { status: 503, percent: 0.5 } },
    });
    expect(ruleFromOptions("x", { path: "/login", rewritePath: "/auth" }).rewrite).toEqual({ path: { full: "/auth" } });
  });

  it("https redirect, maintenance response", () => {
    expect(ruleFromOptions("tls", { redirect: "https:", redirectStatus: "301" }).redirect).toEqual({ scheme: "https", status: 301 });
    expect(ruleFromOptions("maint", { respond: "503:down for maintenance: back soon" }).respond).toEqual({
      status: 503,
      body: "down for maintenance: back soon",
    });
  });

  it("refuses what the API would, before sending anything", () => {
    expect(() => ruleFromOptions("x", { to: ["v3"], respond: "503" })).toThrow(/one of --to, --redirect or --respond/);
    expect(() => ruleFromOptions("x", { to: ["v3=90%", "v0=5%"] })).toThrow(/rule 'x': weights: sum to 95%/);
    expect(() => ruleFromOptions("x", { setHeader: ["host=a"] })).toThrow(/'host' cannot be edited/);
    expect(() => ruleFromOptions("x", { timeout: "2s", retries: "1", perTryTimeout: "3s" })).toThrow(/perTryTimeout: 3s is longer/);
    expect(() => ruleFromOptions("x", { perTryTimeout: "1s" })).toThrow(/need --retries/);
    expect(() => ruleFromOptions("Bad", {})).toThrow(/name: must be a DNS label/);
    expect(() => ruleFromOptions("x", { faultAbort: "503" })).toThrow(/VALUE@P%/);
  });
});

describe("weir route ls columns", () => {
  it("gives the rule back in Rio's syntax", () => {
    const rule = ruleFromOptions("r", { path: "/api/*", header: ["x-beta=1"], method: ["GET"], to: ["v3=90%", "v0=10%"], timeout: "5s", mirror: "v4" });
    expect([matchText(rule), actionText(rule), detailText(rule)]).toEqual(["/api/* GET header x-beta=1", "to v3=90% v0=10%", "timeout=5s mirror=v4=100%"]);
    expect([matchText({ name: "a" }), actionText({ name: "a" })]).toEqual(["*", "weights"]);
  });
});
