// A rule's `weights` split has the selection properties of DESIGN §4 (§10: "the same
// minimal-move properties"), over a million keys of each sticky-key shape, with every key
// selected as the worker selects it: setRules → buildRouteRecords → compileRouteRecord →
// splitRevision. The harness is the service's (weight-scenarios.ts): same transitions,
// same bounds.
import { beforeAll, describe, expect, it } from "vitest";
import { murmur3 } from "../../core/hash.ts";
import { newService, setWeights, stageRevision, type ServiceState } from "../../core/operations.ts";
import { buildRouteRecords, compileRouteRecord } from "../../core/route-record.ts";
import { ruleSalt, splitRevision } from "../../core/rule-match.ts";
import { setRules } from "../../core/rule-operations.ts";
import { slotOf } from "../../core/slot-table.ts";
import { forEachKey, KEY_SHAPES } from "./key-shapes.ts";
import { transition, worstShareError, type StepResult, type Weights } from "./weight-scenarios.ts";

const KEYS = 1_000_000;
const CHECKED_KEYS = 20_000;
const VERSIONS = ["v0", "v1", "v2", "v3", "v4"];
const NOW = "2026-01-01T00:00:00Z";
const HOST = "svc.test.weir.localhost";

const SCENARIOS: Record<string, readonly Weights[]> = {
  "2 versions ramp": [{ v1: 10_000 }, { v1: 9000, v0: 1000 }, { v1: 8000, v0: 2000 }, { v1: 5000, v0: 5000 }, { v1: 0, v0: 10_000 }],
  "60/30/10 → 50/30/20 → back": [
    { v0: 6000, v1: 3000, v2: 1000 },
    { v0: 5000, v1: 3000, v2: 2000 },
    { v0: 6000, v1: 3000, v2: 1000 },
  ],
  "ramp and rollback beside a fixed share": [0, 100, 500, 1000, 2500, 5000, 2500, 1000, 0].map((c) => ({ v0: 7000 - c, v3: 3000, v4: c })),
  "add a version to the split, remove it": [
    { v0: 7000, v1: 3000 },
    { v0: 6000, v1: 2500, v2: 1500 },
    { v0: 7000, v1: 3000 },
  ],
};

function baseService(): ServiceState {
  let s = newService({ stack: "test", name: "svc", version: "v0", origins: ["http://127.0.0.1:9000"], affinity: "cookie", revisionHeader: true }, NOW);
  for (const v of VERSIONS.slice(1)) s = stageRevision(s, { version: v, origins: [`http://127.0.0.1:900${v[1]}`], weight: 0 }, NOW);
  return s;
}

const percentOf = (w: Weights) => Object.fromEntries(Object.entries(w).map(([v, bp]) => [v, bp / 100]));

/** Runs the split through `steps` as PUTs of the rule list would, selecting every key. */
function runSplitSteps(slotOfKey: Uint16Array, steps: readonly Weights[], between?: (s: ServiceState, i: number) => ServiceState) {
  const labels = [...VERSIONS];
  let state = baseService();
  const results: StepResult[] = [];
  steps.forEach((weights, i) => {
    state = setRules(state, [{ name: "other", match: { path: { prefix: "/x/" } }, version: "v1" }, { name: "split", weights: percentOf(weights) }]);
    if (between) state = between(state, i);
    const record = buildRouteRecords(state.service, state.table, i + 1, "weir.localhost", [], state.ruleTables).get(HOST);
    if (!record) throw new Error("no weighted record");
    const route = compileRouteRecord(record);
    const split = route.rules?.[1].action;
    if (split?.kind !== "split") throw new Error("expected a split");
    const positions = route.record.revisions.map((r) => labels.indexOf(r.version));
    const revisionOf = new Uint8Array(slotOfKey.length);
    const keys = new Uint32Array(256);
    for (let k = 0; k < slotOfKey.length; k++) {
      const v = positions[split.slots[slotOfKey[k]]];
      revisionOf[k] = v;
      keys[v]++;
    }
    results.push({ weights, route, revisionOf, keys });
  });
  return { labels, results };
}

/** See slot-table-properties.test.ts: 0.05 pp or 4σ of the key set's sampling noise. */
const tvTolerancePp = (tv: number, keys: number) => Math.max(0.05, 4 * Math.sqrt((tv * (1 - tv)) / keys) * 100);

describe.each(KEY_SHAPES)("a rule split over %s keys", (shape) => {
  const salt = ruleSalt("test/svc", "split");
  const slotOfKey = new Uint16Array(KEYS);
  const sample: string[] = [];

  beforeAll(() => {
    forEachKey(shape, KEYS, 1, (key, i) => {
      slotOfKey[i] = slotOf(murmur3(key, salt));
      if (i < CHECKED_KEYS) sample.push(key);
    });
  });

  it.each(Object.entries(SCENARIOS))("%s: minimal moves, balanced shares, every key back when weights return", (_name, steps) => {
    const { labels, results } = runSplitSteps(slotOfKey, steps);
    for (const step of results) {
      const split = step.route.rules?.[1].action;
      if (split?.kind !== "split") throw new Error("expected a split");
      let disagree = 0;
      for (let k = 0; k < CHECKED_KEYS; k++) {
        if (step.route.record.revisions[splitRevision(split, sample[k])].version !== labels[step.revisionOf[k]]) disagree++;
      }
      expect(disagree).toBe(0);
      expect(worstShareError(labels, step)).toBeLessThanOrEqual(0.3);
    }
    for (let i = 1; i < results.length; i++) {
      const t = transition(labels, results[i - 1], results[i]);
      const where = `step ${i} ${JSON.stringify(results[i].weights)}`;
      expect(t.moved, where).toBe(t.lowerBound);
      expect(t.movesAgainstWeights, where).toBe(0);
      expect(Math.abs((t.moved / KEYS - t.tv) * 100), where).toBeLessThanOrEqual(tvTolerancePp(t.tv, KEYS));
      const first = steps.findIndex((w) => JSON.stringify(w) === JSON.stringify(steps[i]));
      if (first < i) {
        let off = 0;
        for (let k = 0; k < KEYS; k++) if (results[i].revisionOf[k] !== results[first].revisionOf[k]) off++;
        expect(off, `${where} returns to step ${first}`).toBe(0);
      }
    }
  });

  it("a change of the service's own weights moves no key of the split", () => {
    const steps = [{ v0: 5000, v1: 5000 }, { v0: 5000, v1: 5000 }];
    const { results } = runSplitSteps(slotOfKey, steps, (s, i) => (i === 0 ? s : setWeights(s, { v2: 4000, v3: 1000 })));
    let off = 0;
    for (let k = 0; k < KEYS; k++) if (results[0].revisionOf[k] !== results[1].revisionOf[k]) off++;
    expect(off).toBe(0);
  });
});
