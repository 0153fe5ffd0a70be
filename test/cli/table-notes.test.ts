// Notes under CLI tables (issue 9): `weir history` under HISTORY_KEEP says how many older
// changes the store no longer keeps and from which version rollback works (item 10);
// `weir stats` of a removed service says it was removed and why it still answers (item 11).
import { describe, expect, it } from "vitest";
import { prunedNote } from "../../cli/commands/history.ts";
import { removedNote } from "../../cli/commands/stats.ts";

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
