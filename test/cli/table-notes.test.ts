// Notes under CLI tables (issue 9): `weir history` under HISTORY_KEEP says how many older
// changes the store no longer keeps and from which version rollback works (item 10);
// `weir stats` of a removed service says it was removed and why it still answers (item 11);
// under its table, what traffic rules answered themselves (DESIGN §10).
import { describe, expect, it } from "vitest";
import { prunedNote } from "../../cli/commands/history.ts";
import { removedNote, ruleStatsTable } from "../../cli/commands/stats.ts";

describe("weir history pruned note", () => {
  const pruned = {
    entries: 7,
    services: [
      { service: "test/svc", entries: 6, lastConfigVersion: 41 },
      { service: "test/other", entries: 1, lastConfigVersion: 3 },
    ],
  };

  it("says nothing when nothing was pruned (or an older API sent no field)", () => {
    expect(prunedNote(undefined)).toBe("");
    expect(prunedNote({ entries: 0, services: [] }, "test/svc")).toBe("");
  });

  it("counts what was pruned, and for one service names the oldest version rollback still takes", () => {
    expect(prunedNote(pruned)).toBe("7 older changes no longer kept (HISTORY_KEEP)\n");
    expect(prunedNote({ entries: 6, services: [pruned.services[0]] }, "test/svc")).toBe(
      "6 older changes of test/svc no longer kept (HISTORY_KEEP); rollback --to takes config version 41 or later\n",
    );
    expect(prunedNote({ entries: 1, services: [pruned.services[1]] })).toBe("1 older change no longer kept (HISTORY_KEEP)\n");
  });
});

describe("weir stats removed note", () => {
  it("says nothing for a live service, and names the removing version for a removed one", () => {
    expect(removedNote({ service: "test/svc" })).toBe("");
    expect(removedNote({ service: "test/svc", removed: { configVersion: 12, at: "2026-11-26T10:00:00Z" } })).toBe(
      "test/svc was removed (config version 12); its statistics are kept until a new service takes the name\n",
    );
  });
});

describe("weir stats rules table", () => {
  it("lists what rules answered themselves, and nothing when none did (or an older API sent no field)", () => {
    expect(ruleStatsTable({ rules: [] })).toBe("");
    expect(ruleStatsTable({} as never)).toBe("");
    const table = ruleStatsTable({
      rules: [
        { name: "maintenance", requests: 12, status: { "1xx": 0, "2xx": 0, "3xx": 0, "4xx": 0, "5xx": 12 } },
        { name: "moved", requests: 3, status: { "1xx": 0, "2xx": 0, "3xx": 3, "4xx": 0, "5xx": 0 } },
      ],
    });
    const lines = table.split("\n");
    expect(lines[0]).toBe("");
    expect(lines[1]).toMatch(/^RULE +ANSWERED +2XX +3XX +4XX +5XX$/);
    expect(lines[2]).toMatch(/^maintenance +12 +0 +0 +0 +12$/);
    expect(lines[3]).toMatch(/^moved +3 +0 +3 +0 +0$/);
  });
});
