// @ts-check
/**
 * @module dashboard/client/weights
 * The weights form: which staged revisions a submit changes, and what the primary would
 * keep. The API checks the rules (sum at most 100 %, two decimals) and its message is
 * shown as it is; here only what cannot be sent at all is caught. Pure, unit-tested.
 */

/**
 * The request body of `PUT …/weights` for what was typed, naming only the revisions whose
 * weight differs from now; `error` when a field is empty or not a number, `weights` empty
 * when nothing changes.
 * @param {{ version: string, weight: number }[]} staged current weights, percent
 * @param {Record<string, string>} typed field text by version
 * @returns {{ weights: Record<string, number> } | { error: string }}
 */
export function weightChanges(staged, typed) {
  /** @type {Record<string, number>} */
  const weights = {};
  for (const r of staged) {
    const text = (typed[r.version] ?? "").trim();
    if (text === "") return { error: `Weight of ${r.version} is empty: enter a percent from 0 to 100` };
    const value = Number(text);
    if (!Number.isFinite(value)) return { error: `Weight of ${r.version} is not a number: '${text}'` };
    if (value !== r.weight) weights[r.version] = value;
  }
  return { weights };
}

/**
 * The primary's share after the typed weights (100 − their sum), to two decimals; null
 * when a field does not hold a number.
 * @param {{ version: string }[]} staged
 * @param {Record<string, string>} typed
 */
export function primaryShare(staged, typed) {
  let sum = 0;
  for (const r of staged) {
    const text = (typed[r.version] ?? "").trim();
    const value = Number(text);
    if (text === "" || !Number.isFinite(value)) return null;
    sum += Math.round(value * 100);
  }
  return (10_000 - sum) / 100;
}
