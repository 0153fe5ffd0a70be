// The pure service operations the ConfigStore runs (core/operations.ts, core/stack-file.ts):
// slot tables change by the minimal diff, refusals leave the input untouched.
import { describe, expect, it } from "vitest";
import { WeirError } from "../../core/errors.ts";
import { newService, promote, reconcileService, removeRevision, setWeights, stageRevision, type ServiceState } from "../../core/operations.ts";
import { encodeSlotTable, SLOT_COUNT, slotCounts } from "../../core/slot-table.ts";
import { declaredService, describeChange, exportStackFile, sameRouting } from "../../core/stack-file.ts";

const NOW = "2026-01-01T00:00:00.000Z";
const base = () =>
  newService({ stack: "s", name: "svc", version: "v0", origins: ["http://127.0.0.1:1"], affinity: "cookie", revisionHeader: true }, NOW);

function moved(a: ServiceState, b: ServiceState): number {
  let n = 0;
  for (let i = 0; i < SLOT_COUNT; i++) if (a.table.labels[a.table.owner[i]] !== b.table.labels[b.table.owner[i]]) n++;
  return n;
}

describe("core operations", () => {
  it("weight changes move exactly the slots that must move", () => {
    const s1 = stageRevision(base(), { version: "v1", origins: ["http://127.0.0.1:2"], weight: 1000 }, NOW);
    const s2 = stageRevision(s1, { version: "v2", origins: ["http://127.0.0.1:3"], weight: 500 }, NOW);
    const s3 = setWeights(s2, { v1: 3000, v2: 0 });
    expect(Object.fromEntries(slotCounts(s3.table))).toEqual({ v0: 7000, v1: 3000, v2: 0 });
    // total variation: v1 +2000, v2 −500, v0 −1500 → 2000 slots move
    expect(moved(s2, s3)).toBe(2000);
    const back = setWeights(s3, { v1: 1000, v2: 500 });
    expect(moved(s2, back)).toBe(0);
  });

  it("refusals throw a WeirError and leave the input state as it was", () => {
    const s1 = stageRevision(base(), { version: "v1", origins: ["http://127.0.0.1:2"], weight: 6000 }, NOW);
    const snapshot = JSON.stringify({ ...s1, table: encodeSlotTable(s1.table) });
    const refusals: [() => unknown, string][] = [
      [() => setWeights(s1, { v1: 10_001 }), "invalid"],
      [() => stageRevision(s1, { version: "v2", origins: ["http://127.0.0.1:3"], weight: 5000 }, NOW), "invalid"],
      [() => stageRevision(s1, { version: "v1", origins: ["http://127.0.0.1:3"], weight: 0 }, NOW), "conflict"],
      [() => setWeights(s1, { v0: 10 }), "invalid"],
      [() => promote(s1, "v0"), "invalid"],
      [() => removeRevision(s1, "nope"), "not_found"],
    ];
    for (const [fn, code] of refusals) {
      expect(fn).toThrowError(WeirError);
      try {
        fn();
      } catch (e) {
        expect((e as WeirError).code).toBe(code);
      }
    }
    expect(JSON.stringify({ ...s1, table: encodeSlotTable(s1.table) })).toBe(snapshot);
  });

  it("a declared config that drops the primary for a staged revision merges like promote", () => {
    const s1 = stageRevision(base(), { version: "v1", origins: ["http://127.0.0.1:2"], weight: 3000 }, NOW);
    const declared = declaredService("s", "svc", { version: "v1", origins: ["http://127.0.0.1:2"], affinity: "cookie", revisions: {} }, s1.service, NOW);
    const applied = reconcileService(s1, declared);
    const promoted = promote(s1, "v1");
    expect(encodeSlotTable(applied.table)).toEqual(encodeSlotTable(promoted.table));
    expect(sameRouting(applied.service, promoted.service)).toBe(true);
    expect(describeChange(s1.service, declared)).toEqual([
      "primary version: v0 → v1",
      "primary origins: http://127.0.0.1:1 → http://127.0.0.1:2",
      "remove revision v1",
    ]);
  });

  it("export then declare gives back the same routing", () => {
    const s1 = stageRevision(base(), { version: "v3", origins: ["http://127.0.0.1:3"], weight: 1225 }, NOW);
    const file = exportStackFile("s", [s1.service]);
    expect(file.services.svc).toEqual({
      version: "v0",
      origins: ["http://127.0.0.1:1"],
      affinity: "cookie",
      revisions: { v3: { origins: ["http://127.0.0.1:3"], weight: 12.25 } },
    });
    const again = declaredService("s", "svc", { ...file.services.svc, revisions: file.services.svc.revisions ?? {} }, s1.service, NOW);
    expect(sameRouting(again, s1.service)).toBe(true);
    expect(again.createdAt).toBe(s1.service.createdAt);
  });

  it("an origin stored as typed before normalization equals its normalized form: no spurious diff (issue 9)", () => {
    const stored = stageRevision(
      newService({ stack: "s", name: "svc", version: "v0", origins: ["HTTP://127.0.0.1:80/"], affinity: "cookie", revisionHeader: true }, NOW),
      { version: "v3", origins: ["http://Example.COM/base"], weight: 1000 },
      NOW,
    );
    const file = { version: "v0", origins: ["http://127.0.0.1"], affinity: "cookie", revisions: { v3: { origins: ["http://example.com/base"], weight: 10 } } };
    const declared = declaredService("s", "svc", file, stored.service, NOW);
    expect(sameRouting(declared, stored.service)).toBe(true);
    expect(describeChange(stored.service, { ...declared, affinity: "ip" })).toEqual(["affinity: cookie → ip"]);
    // a real change still shows
    expect(describeChange(stored.service, { ...declared, origins: ["http://127.0.0.1:81"] })).toEqual(["primary origins: HTTP://127.0.0.1:80/ → http://127.0.0.1:81"]);
  });
});
