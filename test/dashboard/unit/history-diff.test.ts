/** A history entry's before/after as lines of "what: before → after". */
import { describe, expect, it } from "vitest";
import { historyDiff, rollbackTarget, type HistoryState } from "../../../dashboard/client/history-diff.js";

const base: HistoryState = {
  version: "v0",
  origins: ["http://127.0.0.1:9001"],
  affinity: "cookie",
  revisionHeader: true,
  weight: 100,
  revisions: [],
  domains: [],
};

describe("historyDiff", () => {
  it("lists what a new service brought", () => {
    expect(historyDiff(null, base)).toEqual([
      { what: "service", before: "–", after: "exists" },
      { what: "primary v0", before: "–", after: "100% http://127.0.0.1:9001" },
    ]);
  });
  it("lists what a removed service had", () => {
    const staged = { ...base, weight: 70, revisions: [{ version: "v3", origins: ["http://127.0.0.1:9003"], weight: 30 }] };
    expect(historyDiff(staged, null)).toEqual([
      { what: "service", before: "exists", after: "–" },
      { what: "primary v0", before: "70% http://127.0.0.1:9001", after: "–" },
      { what: "revision v3", before: "30% http://127.0.0.1:9003", after: "–" },
    ]);
  });
  it("shows a stage and a weight change, and nothing that stayed", () => {
    const staged = { ...base, revisions: [{ version: "v3", origins: ["http://127.0.0.1:9003"], weight: 0 }] };
    expect(historyDiff(base, staged)).toEqual([{ what: "revision v3", before: "–", after: "0% http://127.0.0.1:9003" }]);
    const weighted = { ...staged, weight: 50, revisions: [{ ...staged.revisions[0], weight: 50 }] };
    expect(historyDiff(staged, weighted)).toEqual([
      { what: "weight of v0", before: "100%", after: "50%" },
      { what: "weight of v3", before: "0%", after: "50%" },
    ]);
    expect(historyDiff(weighted, weighted)).toEqual([]);
  });
  it("shows a promote: the primary changes, the old one goes, the promoted one leaves the staged list", () => {
    const before = { ...base, weight: 50, revisions: [{ version: "v3", origins: ["http://127.0.0.1:9003"], weight: 50 }] };
    const after = { ...base, version: "v3", origins: ["http://127.0.0.1:9003"], weight: 100 };
    expect(historyDiff(before, after)).toEqual([
      { what: "primary", before: "v0", after: "v3" },
      { what: "revision v0", before: "50% http://127.0.0.1:9001", after: "–" },
      { what: "weight of v3", before: "50%", after: "100%" },
    ]);
  });
  it("shows settings, domains, and fields it does not know (rules, health...) as JSON", () => {
    const after = {
      ...base,
      origins: ["http://127.0.0.1:9001", "http://127.0.0.1:9002"],
      affinity: "header:X-User",
      revisionHeader: false,
      domains: [{ host: "shop.example.com" }, { host: "beta.example.com", version: "v0" }],
      rules: [{ name: "beta", version: "v0" }],
    };
    expect(historyDiff(base, after)).toEqual([
      { what: "origins of v0", before: "http://127.0.0.1:9001", after: "http://127.0.0.1:9001, http://127.0.0.1:9002" },
      { what: "affinity", before: "cookie", after: "header:X-User" },
      { what: "revision header", before: "on", after: "off" },
      { what: "domains", before: "–", after: "shop.example.com, beta.example.com → v0" },
      { what: "rules", before: "–", after: '[{"name":"beta","version":"v0"}]' },
    ]);
  });
});

describe("rollbackTarget", () => {
  it("is the config version just before the entry, or none when the service did not exist before it", () => {
    expect(rollbackTarget({ configVersion: 7, before: base })).toBe(6);
    expect(rollbackTarget({ configVersion: 3, before: null })).toBeNull();
    expect(rollbackTarget({ configVersion: 1, before: base })).toBeNull();
  });
});
