/**
 * @module core/regex-safety
 * Refuses regexes that can backtrack catastrophically (DESIGN §10), with the maintained
 * `redos-detector` library (pure JS, no Node APIs: it runs in workerd and in Node). It
 * walks every pair of ways a pattern could match the same input and scores the worst
 * case count of backtracks; above its default limit (200), or when the walk needs more
 * than MAX_STEPS steps to decide, the pattern is refused. Both exponential (`(a+)+$`,
 * `(a|a)*$`) and polynomial (`.*a.*b$`, `\d+\d+$`) blow-ups are caught; an anchored
 * pattern whose parts cannot overlap (`^/v[0-9]+/`) passes.
 *
 * Its `timeout` option reads Date.now(), which workerd freezes during synchronous code,
 * so the step budget is what bounds the check: ~0.3 s of CPU for the worst patterns we
 * tried, a few ms for ordinary ones. Verdicts are cached per isolate.
 */
import { isSafePattern } from "redos-detector";

/** Steps the detector may take before a pattern counts as too complex to prove safe. */
const MAX_STEPS = 2000;
const verdicts = new Map<string, string | null>();
const VERDICT_CACHE = 1024;

/** Why `source` may backtrack catastrophically, or undefined when it is safe. */
export function backtrackingProblem(source: string): string | undefined {
  let verdict = verdicts.get(source);
  if (verdict === undefined) {
    verdict = judge(source);
    if (verdicts.size >= VERDICT_CACHE) verdicts.clear();
    verdicts.set(source, verdict);
  }
  return verdict ?? undefined;
}

function judge(source: string): string | null {
  try {
    const result = isSafePattern(source, { maxSteps: MAX_STEPS });
    if (result.safe) return null;
    if (result.error === "hitMaxScore") {
      return "can backtrack catastrophically (some inputs can be matched in many ways); anchor it and avoid nested or overlapping repetition";
    }
    return "is too complex to prove free of catastrophic backtracking; simplify it";
  } catch (error) {
    return `cannot be checked for catastrophic backtracking: ${(error as Error).message}`;
  }
}
