// Rule changes on a service's state (DESIGN §10): versions must exist (422 naming the rule
// and field), catastrophic-backtracking regexes are refused at write time, a version a
// rule names cannot be removed or promoted away (409 naming the rule), and rule split
// tables follow the rules.
import { describe, expect, it } from "vitest";
import { WeirError } from "../../core/errors.ts";
import { newService, promote, reconcileService, removeRevision, stageRevision, type ServiceState } from "../../core/operations.ts";
import { backtrackingProblem } from "../../core/regex-safety.ts";
import { addRule, removeRule, setRules } from "../../core/rule-operations.ts";
import { encodeSlotTable, slotCounts } from "../../core/slot-table.ts";

const NOW = "2026-01-01T00:00:00Z";

function service(): ServiceState {
  let s = newService({ stack: "test", name: "svc", version: "v0", origins: ["http://127.0.0.1:9001"], affinity: "cookie", revisionHeader: true }, NOW);
  s = stageRevision(s, { version: "v3", origins: ["http://127.0.0.1:9003"], weight: 0 }, NOW);
  return stageRevision(s, { version: "v4", origins: ["http://127.0.0.1:9004"], weight: 0 }, NOW);
}

function refusal(fn: () => unknown): WeirError {
  try {
    fn();
  } catch (error) {
    if (error instanceof WeirError) return error;
    throw error;
  }
  throw new Error("expected a refusal");
}

describe("write-time checks", () => {
  it.each([
    [{ name: "r", version: "v9" }, "rule 'r': version: 'v9' is not a revision of test/svc"],
    [{ name: "r", weights: { v3: 50, v8: 50 } }, "rule 'r': weights.v8: 'v8' is not a revision of test/svc"],
    [{ name: "r", mirror: { version: "v7" } }, "rule 'r': mirror.version: 'v7' is not a revision of test/svc"],
  ])("unknown versions: %j", (rule, message) => {
    const e = refusal(() => setRules(service(), [rule]));
    expect([e.code, e.message]).toEqual(["invalid", message]);
  });

  it("refuses (a+)+$ and other catastrophic regexes in any field, naming it", () => {
    const e = refusal(() => setRules(service(), [{ name: "evil", match: { path: { regex: "(a+)+$" } } }]));
    expect(e.code).toBe("invalid");
    expect(e.message).toMatch(/^rule 'evil': match\.path\.regex: \/\(a\+\)\+\$\/ can backtrack catastrophically/);
    const h = refusal(() => setRules(service(), [{ name: "h", match: { headers: [{ name: "x", regex: "(a|a)*$" }] } }]));
    expect(h.message).toMatch(/^rule 'h': match\.headers\[0\]\.regex: /);
    const c = refusal(() => setRules(service(), [{ name: "c", match: { cookies: [{ name: "x", regex: "^(\\w+\\s?)*$" }] } }]));
    expect(c.message).toMatch(/^rule 'c': match\.cookies\[0\]\.regex: .*backtrack/);
  });

  it.each(["(a+)+$", "(a|a)*$", "\\d+\\d+$", "^(.*)*$", "(x+x+)+y", "^(\\w+\\s?)*$"])("%s is unsafe", (source) => {
    expect(backtrackingProblem(source)).toBeDefined();
  });

  it.each(["^/api/", "^/v[0-9]+/", "^/users/[^/]+/posts/[0-9]+$", "^b", "^/(en|de|fr)/", "iphone|ipad|android", "^[a-z0-9-]+\\.example\\.com$"])(
    "%s is safe",
    (source) => {
      expect(backtrackingProblem(source)).toBeUndefined();
    },
  );
});

describe("list changes", () => {
  it("appends, inserts before a name, removes; errors name what is missing", () => {
    let s = addRule(service(), { name: "a", version: "v3" });
    s = addRule(s, { name: "b", version: "v4" });
    s = addRule(s, { name: "c" }, "b");
    expect(s.service.rules?.map((r) => r.name)).toEqual(["a", "c", "b"]);
    expect(refusal(() => addRule(s, { name: "a" })).code).toBe("conflict");
    const before = refusal(() => addRule(s, { name: "d" }, "zz"));
    expect([before.code, before.message]).toEqual(["invalid", "before: test/svc has no rule 'zz'"]);
    s = removeRule(s, "c");
    expect(s.service.rules?.map((r) => r.name)).toEqual(["a", "b"]);
    expect(refusal(() => removeRule(s, "c")).code).toBe("not_found");
    s = removeRule(removeRule(s, "a"), "b");
    expect("rules" in s.service).toBe(false);
  });

  it("never touches its input", () => {
    const s = service();
    const copy = structuredClone(s.service);
    setRules(s, [{ name: "a", weights: { v3: 50, v0: 50 } }]);
    expect(s.service).toEqual(copy);
    expect(s.ruleTables?.size ?? 0).toBe(0);
  });
});

describe("versions a rule names", () => {
  it("removing one is a 409 naming the rule", () => {
    const s = setRules(service(), [{ name: "beta", version: "v3" }, { name: "shadow", mirror: { version: "v3", percent: 5 } }]);
    const e = refusal(() => removeRevision(s, "v3"));
    expect(e.code).toBe("conflict");
    expect(e.message).toBe("removing test/svc:v3 is refused: rules 'beta', 'shadow' name it; change or remove them first");
    expect(removeRevision(s, "v4").service.revisions.map((r) => r.version)).toEqual(["v3"]);
  });

  it("promoting the primary away is a 409 naming the rule; promoting a named revision is fine", () => {
    const s = setRules(service(), [{ name: "old", weights: { v0: 50, v4: 50 } }]);
    const e = refusal(() => promote(s, "v3"));
    expect(e.code).toBe("conflict");
    expect(e.message).toBe("promoting away the primary test/svc:v0 is refused: rule 'old' names it; change or remove it first");
    const t = setRules(service(), [{ name: "new", version: "v3" }]);
    expect(promote(t, "v3").service.version).toBe("v3");
  });

  it("apply checks the file's rules against the file's revisions", () => {
    const desired = { ...service().service, revisions: [], rules: [{ name: "beta", version: "v3" }] };
    expect(refusal(() => reconcileService(service(), desired)).message).toBe("rule 'beta': version: 'v3' is not a revision of test/svc");
  });
});

describe("rule split tables", () => {
  it("a split gets its own table; changing it moves the fewest slots; going back restores it byte for byte", () => {
    const s1 = setRules(service(), [{ name: "split", weights: { v3: 90, v0: 10 } }]);
    const t1 = s1.ruleTables?.get("split");
    if (!t1) throw new Error("no table");
    expect(Object.fromEntries(slotCounts(t1))).toEqual({ v3: 9000, v0: 1000 });
    const s2 = setRules(s1, [{ name: "split", weights: { v3: 50, v0: 50 } }]);
    const t2 = s2.ruleTables?.get("split");
    if (!t2) throw new Error("no table");
    let moved = 0;
    for (let i = 0; i < 10_000; i++) if (t1.owner[i] !== t2.owner[i]) moved++;
    expect(moved).toBe(4000);
    const s3 = setRules(s2, [{ name: "split", weights: { v3: 90, v0: 10 } }]);
    expect(Array.from(s3.ruleTables?.get("split")?.owner ?? [])).toEqual(Array.from(t1.owner));
  });

  it("an unchanged split keeps its table untouched; a rule that stops splitting loses it", () => {
    const s1 = setRules(service(), [{ name: "split", weights: { v3: 30, v0: 70 } }]);
    const s2 = addRule(s1, { name: "other", version: "v4" });
    expect(encodeSlotTable(s2.ruleTables?.get("split") as never)).toEqual(encodeSlotTable(s1.ruleTables?.get("split") as never));
    const s3 = setRules(s2, [{ name: "split", version: "v3" }]);
    expect(s3.ruleTables?.size).toBe(0);
  });
});

describe("the size of a service's rules (MAX_RULES_BYTES)", () => {
  const big = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `r${i}`, match: { path: { exact: `/r${i}` } }, respond: { status: 200, body: "☃".repeat(16_384) } }));

  it("refuses a list that grows past it, in each write", () => {
    expect(refusal(() => setRules(service(), big(11))).message).toContain("a service's rules take at most 512 KiB");
    let s = setRules(service(), big(10));
    expect(refusal(() => addRule(s, big(11)[10])).code).toBe("invalid");
    s = { ...s, service: { ...s.service, rules: big(10) } };
    expect(() => removeRule(s, "r0")).not.toThrow();
  });

  it("lets a list stored before the limit existed shrink, one rule at a time", () => {
    const s = service();
    const over: ServiceState = { ...s, service: { ...s.service, rules: big(20) } };
    expect(() => removeRule(over, "r19")).not.toThrow();
    expect(refusal(() => addRule(over, { name: "x", respond: { status: 200 } })).code).toBe("invalid");
  });
});
