// Matching of compiled rules (DESIGN §10): each match kind, first match wins, the 2,048
// character path limit, rewrites, and the record round trip (build → compile).
import { describe, expect, it } from "vitest";
import { buildRouteRecords, compileRouteRecord, RouteRecord } from "../../core/route-record.ts";
import { compileRules, firstMatch, rewrittenPathAndQuery, RuleRequest, splitRevision, type CompiledRule } from "../../core/rule-match.ts";
import type { Rule } from "../../core/rule-schema.ts";
import { reconcileRuleTables } from "../../core/rule-tables.ts";
import { createSlotTable } from "../../core/slot-table.ts";
import type { ServiceConfig } from "../../core/model.ts";

const VERSIONS = ["v0", "v3", "v4"];

function compile(...rules: Rule[]): CompiledRule[] {
  return compileRules(rules, VERSIONS, "test/svc");
}

function request(pathAndQuery: string, init: { method?: string; headers?: Record<string, string>; country?: string } = {}) {
  return new RuleRequest(init.method ?? "GET", pathAndQuery, new Headers(init.headers), () => init.country);
}

function matched(rules: CompiledRule[], req: RuleRequest): string | null {
  return firstMatch(rules, req)?.name ?? null;
}

describe("match kinds", () => {
  it("path exact, prefix and regex", () => {
    const rules = compile(
      { name: "exact", match: { path: { exact: "/login" } } },
      { name: "prefix", match: { path: { prefix: "/api/" } } },
      { name: "regex", match: { path: { regex: "^/v[0-9]+/" } } },
    );
    expect(matched(rules, request("/login"))).toBe("exact");
    expect(matched(rules, request("/login?next=/x"))).toBe("exact");
    expect(matched(rules, request("/login/"))).toBe(null);
    expect(matched(rules, request("/api/users"))).toBe("prefix");
    expect(matched(rules, request("/api"))).toBe(null);
    expect(matched(rules, request("/v12/x"))).toBe("regex");
    expect(matched(rules, request("/vx/"))).toBe(null);
  });

  it("the query string never takes part in a path match", () => {
    const rules = compile({ name: "r", match: { path: { regex: "canary" } } });
    expect(matched(rules, request("/?canary=1"))).toBe(null);
  });

  it("methods", () => {
    const rules = compile({ name: "writes", match: { methods: ["POST", "PUT"] } });
    expect(matched(rules, request("/", { method: "POST" }))).toBe("writes");
    expect(matched(rules, request("/", { method: "GET" }))).toBe(null);
  });

  it("headers: exact, prefix, regex, present; names case-insensitive", () => {
    for (const [cond, value, expected] of [
      [{ name: "X-Beta", exact: "1" }, "1", true],
      [{ name: "x-beta", exact: "1" }, "10", false],
      [{ name: "x-beta", prefix: "us-" }, "us-east", true],
      [{ name: "x-beta", regex: "^b[0-9]$" }, "b7", true],
      [{ name: "x-beta", regex: "^b[0-9]$" }, "b77", false],
      [{ name: "x-beta", present: true as const }, "", true],
    ] as const) {
      const rules = compile({ name: "r", match: { headers: [cond] } });
      expect(matched(rules, request("/", { headers: { "x-beta": value } })), JSON.stringify(cond)).toBe(expected ? "r" : null);
    }
    expect(matched(compile({ name: "r", match: { headers: [{ name: "x-beta", present: true }] } }), request("/"))).toBe(null);
  });

  it("query parameters, decoded, present with an empty value", () => {
    const rules = compile({ name: "r", match: { query: [{ name: "canary", present: true }, { name: "who", exact: "a b" }] } });
    expect(matched(rules, request("/?canary&who=a%20b"))).toBe("r");
    expect(matched(rules, request("/?canary=1&who=a+b"))).toBe("r");
    expect(matched(rules, request("/?who=a%20b"))).toBe(null);
  });

  it("cookies", () => {
    const rules = compile({ name: "r", match: { cookies: [{ name: "cohort", regex: "^b" }] } });
    expect(matched(rules, request("/", { headers: { cookie: "weir=abc; cohort=beta" } }))).toBe("r");
    expect(matched(rules, request("/", { headers: { cookie: "cohort=alpha" } }))).toBe(null);
    expect(matched(rules, request("/"))).toBe(null);
  });

  it("countries (request.cf.country); unknown country matches none", () => {
    const rules = compile({ name: "eu", match: { countries: ["DE", "FR"] } });
    expect(matched(rules, request("/", { country: "FR" }))).toBe("eu");
    expect(matched(rules, request("/", { country: "US" }))).toBe(null);
    expect(matched(rules, request("/"))).toBe(null);
  });

  it("every condition must hold; no match block always holds", () => {
    const rules = compile({ name: "both", match: { path: { prefix: "/api/" }, methods: ["GET"] } }, { name: "always" });
    expect(matched(rules, request("/api/x"))).toBe("both");
    expect(matched(rules, request("/api/x", { method: "POST" }))).toBe("always");
  });
});

describe("order", () => {
  it("the first matching rule wins", () => {
    const rules = compile(
      { name: "first", match: { path: { prefix: "/" } } },
      { name: "second", match: { path: { prefix: "/api/" } } },
    );
    expect(matched(rules, request("/api/x"))).toBe("first");
    expect(matched([rules[1], rules[0]], request("/api/x"))).toBe("second");
  });
});

describe("the 2,048-character path limit", () => {
  const long = `/a/${"x".repeat(5000)}`;

  it("a regex reads only the first 2,048 characters", () => {
    const rules = compile({ name: "end", match: { path: { regex: "z$" } } }, { name: "start", match: { path: { regex: "^/a/x" } } });
    expect(matched(rules, request(`${long}z`))).toBe("start");
    const req = request(long);
    expect(req.path.length).toBe(2048);
  });

  it("an exact match never holds on a longer path, a prefix still does", () => {
    const exact = long.slice(0, 2048);
    const rules = compile({ name: "exact", match: { path: { exact } } }, { name: "prefix", match: { path: { prefix: "/a/" } } });
    expect(matched(rules, request(long))).toBe("prefix");
    expect(matched(rules, request(exact))).toBe("exact");
  });
});

describe("rewrites", () => {
  it("a prefix rewrite replaces the matched prefix and keeps the query", () => {
    const [rule] = compile({ name: "r", match: { path: { prefix: "/api/" } }, rewrite: { path: { prefix: "/v2/" } } });
    expect(rewrittenPathAndQuery(rule, "/api/users/7?x=1")).toBe("/v2/users/7?x=1");
  });

  it("a full rewrite replaces the whole path and keeps the query", () => {
    const [rule] = compile({ name: "r", match: { path: { regex: "^/old" } }, rewrite: { path: { full: "/new" } } });
    expect(rewrittenPathAndQuery(rule, "/old/page?q=2")).toBe("/new?q=2");
  });

  it("no path rewrite leaves the path alone", () => {
    const [rule] = compile({ name: "r", rewrite: { host: "api.internal" } });
    expect(rewrittenPathAndQuery(rule, "/x?y")).toBe("/x?y");
  });
});

describe("record round trip", () => {
  const service: ServiceConfig = {
    stack: "test",
    name: "svc",
    version: "v0",
    origins: ["http://127.0.0.1:9001"],
    affinity: "cookie",
    revisionHeader: true,
    createdAt: "2026-01-01T00:00:00Z",
    revisions: [
      { version: "v3", origins: ["http://127.0.0.1:9003"], weight: 0, createdAt: "2026-01-01T00:00:00Z" },
      { version: "v4", origins: ["http://127.0.0.1:9004"], weight: 0, createdAt: "2026-01-01T00:00:00Z" },
    ],
  };

  it("a service without rules publishes exactly today's record (v 1, no rules)", () => {
    const records = buildRouteRecords(service, createSlotTable("v0"), 1, "weir.localhost");
    const weighted = records.get("svc.test.weir.localhost") as RouteRecord;
    expect(weighted.v).toBe(1);
    expect("rules" in weighted).toBe(false);
    expect(compileRouteRecord(weighted).rules).toBe(null);
  });

  it("rules ride on the weighted records only (v 2), versions resolved, the split's table decoded", () => {
    const rules: Rule[] = [
      { name: "beta", match: { headers: [{ name: "x-beta", exact: "1" }] }, version: "v3", mirror: { version: "v4", percent: 10 } },
      { name: "split", weights: { v3: 90, v0: 10 } },
    ];
    const withRules = { ...service, rules };
    const records = buildRouteRecords(withRules, createSlotTable("v0"), 7, "weir.localhost", [{ host: "shop.example" }], reconcileRuleTables(undefined, rules));
    const weighted = RouteRecord.parse(JSON.parse(JSON.stringify(records.get("svc.test.weir.localhost"))));
    expect(weighted.v).toBe(2);
    expect(records.get("shop.example")?.rules?.map((r) => r.name)).toEqual(["beta", "split"]);
    expect(records.get("svc-v3.test.weir.localhost")?.rules).toBeUndefined();
    const route = compileRouteRecord(weighted);
    const [b, s] = route.rules as CompiledRule[];
    expect(b.action).toEqual({ kind: "version", index: 1 });
    expect(b.mirror).toEqual({ index: 2, bp: 1000 });
    if (s.action.kind !== "split") throw new Error("expected a split");
    let v3 = 0;
    for (let i = 0; i < 10_000; i++) if (splitRevision(s.action, `key-${i}`) === 1) v3++;
    expect(Math.abs(v3 - 9000)).toBeLessThan(300);
  });

  it("a record whose rule names a version it does not hold does not compile", () => {
    expect(() => compileRules([{ name: "r", version: "v9" }], VERSIONS, "test/svc")).toThrow(RangeError);
  });
});
