// @ts-check
/**
 * @module dashboard/client/history-diff
 * What a history entry changed: its `before` and `after` states as lines of "what: before →
 * after". Known fields read like `weir ps`; fields added later (rules, health...) are
 * compared as JSON, so a new field shows up without a change here. Pure, unit-tested.
 */
import { formatPercent } from "./format.js";

/**
 * @typedef {object} StateRevision
 * @property {string} version
 * @property {string[]} origins
 * @property {number} weight percent
 */

/**
 * A service's state in a history entry (admin/views.ts HistoryStateView), open to fields
 * that later issues add.
 * @typedef {{ version: string, origins: string[], affinity: string, revisionHeader: boolean, weight: number,
 *   revisions: StateRevision[], domains: { host: string, version?: string }[], [field: string]: unknown }} HistoryState
 */

/**
 * @typedef {object} DiffLine
 * @property {string} what e.g. "weight of v3"
 * @property {string} before "–" when it did not exist
 * @property {string} after "–" when it is gone
 */

const NONE = "–";
const KNOWN = new Set(["version", "origins", "affinity", "revisionHeader", "weight", "revisions", "domains"]);

/** @param {string[]} origins */
const originsText = (origins) => origins.join(", ");

/** @param {{ host: string, version?: string }} d */
const domainText = (d) => (d.version === undefined ? d.host : `${d.host} → ${d.version}`);

/**
 * Every revision of a state by version, the primary first (its weight is the remainder).
 * @param {HistoryState} s
 * @returns {Map<string, { origins: string[], weight: number, primary: boolean }>}
 */
function revisionsOf(s) {
  const out = new Map([[s.version, { origins: s.origins, weight: s.weight, primary: true }]]);
  for (const r of s.revisions) out.set(r.version, { origins: r.origins, weight: r.weight, primary: false });
  return out;
}

/** @param {unknown} value */
function valueText(value) {
  if (value === undefined || value === null) return NONE;
  if (typeof value === "string") return value;
  return JSON.stringify(value);
}

/**
 * The lines that differ between two states; `null` is "did not exist".
 * @param {HistoryState | null} before
 * @param {HistoryState | null} after
 * @returns {DiffLine[]}
 */
export function historyDiff(before, after) {
  if (before === null && after === null) return [];
  /** @type {DiffLine[]} */
  const lines = [];
  /** @type {(what: string, b: string, a: string) => void} */
  const push = (what, b, a) => {
    if (b !== a) lines.push({ what, before: b, after: a });
  };

  if (before === null || after === null) {
    const s = /** @type {HistoryState} */ (before ?? after);
    const existed = (/** @type {string} */ text) => (before === null ? [NONE, text] : [text, NONE]);
    const [b, a] = existed("exists");
    lines.push({ what: "service", before: b, after: a });
    for (const [version, r] of revisionsOf(s)) {
      const [rb, ra] = existed(`${formatPercent(r.weight)} ${originsText(r.origins)}`);
      lines.push({ what: `${r.primary ? "primary " : "revision "}${version}`, before: rb, after: ra });
    }
    return lines;
  }

  push("primary", before.version, after.version);
  const b = revisionsOf(before);
  const a = revisionsOf(after);
  for (const version of new Set([...b.keys(), ...a.keys()])) {
    const rb = b.get(version);
    const ra = a.get(version);
    if (!rb || !ra) {
      const r = /** @type {{ origins: string[], weight: number }} */ (rb ?? ra);
      const text = `${formatPercent(r.weight)} ${originsText(r.origins)}`;
      push(`revision ${version}`, rb ? text : NONE, ra ? text : NONE);
      continue;
    }
    push(`weight of ${version}`, formatPercent(rb.weight), formatPercent(ra.weight));
    push(`origins of ${version}`, originsText(rb.origins), originsText(ra.origins));
  }
  push("affinity", before.affinity, after.affinity);
  push("revision header", before.revisionHeader ? "on" : "off", after.revisionHeader ? "on" : "off");
  push("domains", before.domains.map(domainText).join(", ") || NONE, after.domains.map(domainText).join(", ") || NONE);
  for (const field of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (KNOWN.has(field)) continue;
    push(field, valueText(before[field]), valueText(after[field]));
  }
  return lines;
}

/**
 * The config version to roll back to in order to undo an entry (the state just before
 * it), or null when the service did not exist before it.
 * @param {{ configVersion: number, before: HistoryState | null }} entry
 */
export function rollbackTarget(entry) {
  return entry.before === null || entry.configVersion <= 1 ? null : entry.configVersion - 1;
}
