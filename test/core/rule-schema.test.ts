// The rule schema of DESIGN §10: shapes that do not parse (400 in the API) apart from
// values that break a rule (422), every 422 naming the rule and the field.
import { describe, expect, it } from "vitest";
import { AddRuleBody, Rule, RuleList, RulesBody } from "../../core/rule-schema.ts";
import { ServiceConfig, StackFile } from "../../core/model.ts";

function issues(result: { success: boolean; error?: { issues: { code: string; message: string }[] } }) {
  return result.error?.issues ?? [];
}

/** The one 422-style message of a rule that breaks exactly one value rule. */
function refusal(rule: unknown): string {
  const result = Rule.safeParse(rule);
  expect(result.success, JSON.stringify(rule)).toBe(false);
  const list = issues(result);
  for (const i of list) expect(i.code).toBe("custom");
  return list.map((i) => i.message).join("; ");
}

const beta = { name: "beta", match: { headers: [{ name: "x-beta", exact: "1" }] }, version: "v3" };

describe("a valid rule", () => {
  it("parses every field of the DESIGN §10 example", () => {
    const rule = {
      name: "beta",
      match: {
        path: { prefix: "/api/" },
        methods: ["GET", "POST"],
        headers: [{ name: "x-beta", exact: "1" }],
        query: [{ name: "canary", present: true }],
        cookies: [{ name: "cohort", regex: "^b" }],
        countries: ["DE", "FR"],
      },
      version: "v3",
      rewrite: { path: { prefix: "/v2/" }, host: "api.internal" },
      requestHeaders: { set: { "x-env": "canary" }, add: {}, remove: ["x-debug"] },
      responseHeaders: { set: {}, add: {}, remove: ["server"] },
      timeout: "10s",
      retries: { attempts: 2, perTryTimeout: "2s", on: ["connect-failure", "502", "503", "504"] },
      mirror: { version: "v4", percent: 10 },
      fault: { delay: { ms: 500, percent: 5 }, abort: { status: 503, percent: 1 } },
    };
    expect(Rule.parse(rule)).toEqual(rule);
  });

  it("needs nothing but a name (no match block: always; no action: the service's weights)", () => {
    expect(Rule.safeParse({ name: "all" }).success).toBe(true);
  });

  it("is part of a service and of the stack file, optional in both", () => {
    const file = { stack: "test", services: { svc: { origins: ["http://127.0.0.1:9001"], rules: [beta] } } };
    expect(StackFile.parse(file).services.svc.rules).toEqual([beta]);
    expect(StackFile.parse({ stack: "test", services: { svc: { origins: ["http://127.0.0.1:9001"] } } }).services.svc.rules).toBeUndefined();
    expect(ServiceConfig.shape.rules.safeParse(undefined).success).toBe(true);
  });
});

describe("shape errors are not value errors", () => {
  it.each([
    [{ name: 1 }],
    [{ name: "a", match: { path: "/x" } }],
    [{ name: "a", unknown: true }],
    [{ name: "a", retries: { attempts: "2" } }],
    [{ name: "a", match: { headers: [{ name: "x", exact: 1 }] } }],
  ])("%j", (rule) => {
    const result = Rule.safeParse(rule);
    expect(result.success).toBe(false);
    expect(issues(result).every((i) => i.code !== "custom")).toBe(true);
  });
});

describe("every value rule, refused naming the rule and the field", () => {
  it.each([
    [{ name: "Beta" }, /rule 'Beta': name: must be a DNS label/],
    [{ name: "r", match: { path: {} } }, /rule 'r': match\.path: needs one of exact \| prefix \| regex/],
    [{ name: "r", match: { path: { exact: "/a", prefix: "/b" } } }, /rule 'r': match\.path: takes exactly one of exact \| prefix \| regex, not exact and prefix/],
    [{ name: "r", match: { path: { prefix: "api" } } }, /rule 'r': match\.path\.prefix: must start with '\/'/],
    [{ name: "r", match: { path: { regex: "(" } } }, /rule 'r': match\.path\.regex: does not compile/],
    [{ name: "r", match: { path: { regex: "a".repeat(257) } } }, /rule 'r': match\.path\.regex: is 257 characters long; at most 256/],
    [{ name: "r", match: { methods: ["get"] } }, /rule 'r': match\.methods\[0\]: 'get' is not an uppercase HTTP method/],
    [{ name: "r", match: { headers: [{ name: "x beta", exact: "1" }] } }, /rule 'r': match\.headers\[0\]\.name: 'x beta' is not a valid header name/],
    [{ name: "r", match: { headers: [{ name: "x", exact: "1", present: true }] } }, /rule 'r': match\.headers\[0\]: takes exactly one of exact \| prefix \| regex \| present/],
    [{ name: "r", match: { query: [{ name: "q" }] } }, /rule 'r': match\.query\[0\]: needs one of/],
    [{ name: "r", match: { cookies: [{ name: "c", regex: "[" }] } }, /rule 'r': match\.cookies\[0\]\.regex: does not compile/],
    [{ name: "r", match: { countries: ["de"] } }, /rule 'r': match\.countries\[0\]: 'de' is not an uppercase ISO 3166-1 alpha-2 code/],
    [{ name: "r", version: "v3", respond: { status: 503 } }, /rule 'r': respond: a rule takes at most one of version \| weights \| redirect \| respond, not version and respond/],
    [{ name: "r", weights: { v3: 90, v0: 5 } }, /rule 'r': weights: sum to 95%; a rule's split must sum to 100%/],
    [{ name: "r", weights: { v3: 99.999, v0: 0.001 } }, /rule 'r': weights\.v3: must have at most two decimals/],
    [{ name: "r", weights: {} }, /rule 'r': weights: names no version/],
    [{ name: "r", redirect: {} }, /rule 'r': redirect: needs at least one of scheme \| host \| path/],
    [{ name: "r", redirect: { scheme: "https", status: 200 } }, /rule 'r': redirect\.status: must be one of 301, 302, 303, 307, 308/],
    [{ name: "r", redirect: { host: "bad host" } }, /rule 'r': redirect\.host: 'bad host' is not a hostname/],
    [{ name: "r", respond: { status: 99 } }, /rule 'r': respond\.status: must be between 200 and 599/],
    [{ name: "r", respond: { status: 200, body: "x".repeat(16_385) } }, /rule 'r': respond\.body: longer than 16384 characters/],
    [{ name: "r", rewrite: { path: { prefix: "/v2/" } } }, /rule 'r': rewrite\.path\.prefix: replaces a matched path prefix: the rule needs match\.path\.prefix/],
    [{ name: "r", rewrite: { path: { prefix: "/a/", full: "/b" } }, match: { path: { prefix: "/" } } }, /rule 'r': rewrite\.path: takes exactly one of prefix \| full/],
    [{ name: "r", rewrite: { host: "a b" } }, /rule 'r': rewrite\.host: 'a b' is not a hostname/],
    [{ name: "r", requestHeaders: { set: { Host: "x" } } }, /rule 'r': requestHeaders\.set\.Host: 'Host' cannot be edited by a rule/],
    [{ name: "r", requestHeaders: { remove: ["Connection"] } }, /rule 'r': requestHeaders\.remove\[0\]: 'Connection' cannot be edited by a rule/],
    [{ name: "r", requestHeaders: { remove: ["via"] } }, /rule 'r': requestHeaders\.remove\[0\]: 'via' cannot be edited by a rule/],
    [{ name: "r", responseHeaders: { add: { "transfer-encoding": "chunked" } } }, /rule 'r': responseHeaders\.add\.transfer-encoding: 'transfer-encoding' cannot be edited/],
    [{ name: "r", responseHeaders: { set: { "x(y)": "1" } } }, /rule 'r': responseHeaders\.set\.x\(y\): 'x\(y\)' is not a valid header name/],
    [{ name: "r", requestHeaders: { set: { "x-a": "line\nbreak" } } }, /rule 'r': requestHeaders\.set\.x-a: the value must be a header value/],
    [{ name: "r", timeout: "10 seconds" }, /rule 'r': timeout: '10 seconds' is not a duration/],
    [{ name: "r", timeout: "2s", retries: { attempts: 2, perTryTimeout: "3s" } }, /rule 'r': retries\.perTryTimeout: 3s is longer than the rule's timeout 2s/],
    [{ name: "r", retries: { attempts: 0 } }, /rule 'r': retries\.attempts: must be between 1 and 10/],
    [{ name: "r", retries: { attempts: 1, on: ["timeout"] } }, /rule 'r': retries\.on\[0\]: 'timeout' is neither 'connect-failure' nor a 4xx\/5xx status/],
    [{ name: "r", mirror: { version: "v4", percent: 100.5 } }, /rule 'r': mirror\.percent: must be between 0 and 100/],
    [{ name: "r", mirror: { version: "v4", percent: 0.125 } }, /rule 'r': mirror\.percent: must have at most two decimals/],
    [{ name: "r", fault: {} }, /rule 'r': fault: needs delay or abort/],
    [{ name: "r", fault: { abort: { status: 503, percent: 1.005 } } }, /rule 'r': fault\.abort\.percent: must have at most two decimals/],
    [{ name: "r", fault: { delay: { ms: 0, percent: 5 } } }, /rule 'r': fault\.delay\.ms: must be between 1 and 60000/],
  ])("%j", (rule, message) => {
    expect(refusal(rule)).toMatch(message);
  });

  it("refuses __proto__ as a key instead of letting it vanish", () => {
    for (const rule of [JSON.parse('{"name":"r","weights":{"__proto__":50,"v0":50}}'), JSON.parse('{"name":"r","requestHeaders":{"set":{"__proto__":"x"}}}')]) {
      const result = Rule.safeParse(rule);
      expect(result.success).toBe(false);
      expect(issues(result).map((i) => i.message).join()).toContain("'__proto__' is not a name a rule can use");
    }
  });

  it("accepts percentages with two decimals", () => {
    expect(Rule.safeParse({ name: "r", weights: { v3: 12.25, v0: 87.75 } }).success).toBe(true);
    expect(Rule.safeParse({ name: "r", fault: { abort: { status: 503, percent: 0.01 } } }).success).toBe(true);
  });
});

describe("a rule list", () => {
  it("refuses duplicate names, naming the rule", () => {
    const result = RuleList.safeParse([beta, { ...beta, version: "v0" }]);
    expect(issues(result).map((i) => i.message)).toEqual(["rule 'beta': name: another rule of the service has this name"]);
  });

  it("holds at most 50 rules", () => {
    const rules = Array.from({ length: 51 }, (_, i) => ({ name: `r${i}` }));
    expect(issues(RuleList.safeParse(rules))[0].message).toMatch(/at most 50 rules/);
  });

  it("is the PUT body; POST takes one rule and `before`", () => {
    expect(RulesBody.parse({ rules: [beta] }).rules).toEqual([beta]);
    expect(AddRuleBody.parse({ ...beta, before: "other" })).toEqual({ ...beta, before: "other" });
    expect(issues(AddRuleBody.safeParse({ name: "x", weights: { v1: 50 } }))[0].message).toMatch(/rule 'x': weights: sum to 50%/);
  });
});
