/**
 * @module bench/suites
 * Every benchmark suite, in the order `npm run bench` runs them. Add a suite here.
 */
import { controlPlane } from "./control-plane.ts";
import { overhead } from "./overhead.ts";
import { scale } from "./scale.ts";
import { selectionCost } from "./selection-cost.ts";
import { selectionQuality } from "./selection-quality.ts";
import { statsFlush } from "./stats-flush.ts";
import type { BenchSuite } from "./suite.ts";

export const SUITES: readonly BenchSuite[] = [selectionQuality, selectionCost, overhead, scale, controlPlane, statsFlush];
