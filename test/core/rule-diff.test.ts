// Rule diffs for `apply --dry-run` and history, and the stack-file round trip of rules.
import { describe, expect, it } from "vitest";
import { StackFile, type ServiceConfig } from "../../core/model.ts";
import { describeRuleChanges, sameRules } from "../../core/rule-diff.ts";
import { declaredService, describeChange, exportStackFile, sameRouting } from "../../core/stack-file.ts";

const service: ServiceConfig = {
  stack: "test",
  name: "svc",
  version: "v0",
  origins: ["http://127.0.0.1:9001"],
  affinity: "cookie",
  revisionHeader: true,
  createdAt: "2026-01-01T00:00:00Z",
  revisions: [{ version: "v3", origins: ["http://127.0.0.1:9003"], weight: 0, createdAt: "2026-01-01T00:00:00Z" }],
  rules: [
    { name: "beta", match: { headers: [{ name: "x-beta", exact: "1" }] }, version: "v3" },
    { name: "api", match: { path: { prefix: "/api/" } }, weights: { v3: 10, v0: 90 }, rewrite: { path: { prefix: "/v2/" } } },
  ],
};

describe("rule diffs", () => {
  it("key order does not matter, list order does", () => {
    const a = [{ name: "x", version: "v1", timeout: "1s" }];
    const b = [{ timeout: "1s", version: "v1", name: "x" }];
    expect(sameRules(a, b)).toBe(true);
    expect(sameRules(undefined, [])).toBe(true);
    expect(sameRules([{ name: "a" }, { name: "b" }], [{ name: "b" }, { name: "a" }])).toBe(false);
  });

  it("names additions, removals, changed fields and a new order", () => {
    const before = [{ name: "a", version: "v1" }, { name: "b" }, { name: "gone" }];
    const after = [{ name: "b", timeout: "2s" }, { name: "a", version: "v2" }, { name: "new", version: "v1" }];
    expect(describeRuleChanges(before, after)).toEqual([
      'rule b: timeout - → "2s"',
      'rule a: version "v1" → "v2"',
      'add rule new: {"name":"new","version":"v1"}',
      "remove rule gone",
      "rule order: a, b → b, a",
    ]);
  });
});

describe("stack file", () => {
  it("export then apply of rules is lossless", () => {
    const file = StackFile.parse(JSON.parse(JSON.stringify(exportStackFile("test", [service]))));
    expect(file.services.svc.rules).toEqual(service.rules);
    const declared = declaredService("test", "svc", file.services.svc, service, "2026-02-02T00:00:00Z");
    expect(sameRouting(declared, service)).toBe(true);
    expect(describeChange(service, declared)).toEqual([]);
  });

  it("a file without rules removes them; the diff says so", () => {
    const file = exportStackFile("test", [{ ...service, rules: undefined }]);
    expect("rules" in file.services.svc).toBe(false);
    const declared = declaredService("test", "svc", StackFile.parse(file).services.svc, service, "2026-02-02T00:00:00Z");
    expect(sameRouting(declared, service)).toBe(false);
    expect(describeChange(service, declared)).toEqual(["remove rule beta", "remove rule api"]);
  });
});
