/** Traffic rules (DESIGN §10) as the dashboard lists them: what each matches and does. */
import { describe, expect, it } from "vitest";
import { ruleActionSummary, ruleMatchSummary, rulesOf } from "../../../dashboard/client/rules-view.js";

// the example rule of DESIGN §10
const beta = {
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
  retries: { attempts: 2, perTryTimeout: "2s", on: ["connect-failure", "502"] },
  mirror: { version: "v4", percent: 10 },
  fault: { delay: { ms: 500, percent: 5 }, abort: { status: 503, percent: 1 } },
};

describe("rule summaries", () => {
  it("say every condition of the match, in the order of the stack file", () => {
    expect(ruleMatchSummary(beta)).toBe(
      "path prefix /api/ · GET, POST · header x-beta exact 1 · query canary present · cookie cohort regex ^b · country DE, FR",
    );
    expect(ruleMatchSummary({ name: "all" })).toBe("every request");
    expect(ruleMatchSummary({ name: "x", match: { path: { exact: "/login" } } })).toBe("path exact /login");
  });
  it("say the action, then what else the rule does", () => {
    expect(ruleActionSummary(beta)).toBe(
      "→ v3 · rewrite path /v2/ host api.internal · edits request and response headers · timeout 10s · retries 2 · mirror v4 10% · fault injection",
    );
    expect(ruleActionSummary({ weights: { v3: 90, v0: 10 } })).toBe("split v3 90%, v0 10%");
    expect(ruleActionSummary({ redirect: { scheme: "https", host: "new.example.com", path: "/x", status: 301 } })).toBe("redirect 301 https://new.example.com/x");
    expect(ruleActionSummary({ respond: { status: 503, body: "down" } })).toBe("respond 503");
    expect(ruleActionSummary({ name: "hdr", requestHeaders: { set: { a: "b" } } })).toBe("service weights · edits request headers");
    expect(ruleActionSummary({ name: "old", version: "v0", rewrite: { path: { full: "/legacy" } } })).toBe("→ v0 · rewrite path /legacy");
  });
});

it("reads the rules of a service view in order, and none when the API has no rules field", () => {
  expect(rulesOf({ rules: [beta, { name: "b" }] }).map((r) => r.name)).toEqual(["beta", "b"]);
  expect(rulesOf({})).toEqual([]);
  expect(rulesOf({ rules: "nonsense" })).toEqual([]);
});
