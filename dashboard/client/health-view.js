// @ts-check
/**
 * @module dashboard/client/health-view
 * Origin health (DESIGN §13) from `GET /v1/services/{stack}/{name}/health`, as rows of a
 * table: one per origin, with its revision, state, last check, last error and whatever
 * counters the API reports. Written against the contract's words rather than a fixed
 * shape: it takes `revisions[].origins[]` or a flat `origins[]`, an origin's URL as
 * `origin` or `url`, and shows other numeric fields (e.g. consecutive counts) as they come.
 * Pure, unit-tested.
 */

/**
 * @typedef {object} HealthRow
 * @property {string} version "" when the API does not say
 * @property {string} origin
 * @property {string} state "up", "down", "unknown", ...
 * @property {string | null} lastCheck ISO time
 * @property {string | null} lastError
 * @property {[string, number][]} counters e.g. [["consecutiveFailures", 3]]
 */

const SKIP = new Set(["version", "origin", "url", "state", "healthy", "lastCheck", "lastCheckAt", "checkedAt", "lastError", "error"]);

/**
 * @param {Record<string, any>} o
 * @param {string} version
 * @returns {HealthRow}
 */
function row(o, version) {
  const state = typeof o.state === "string" ? o.state : o.healthy === true ? "up" : o.healthy === false ? "down" : "unknown";
  const lastCheck = o.lastCheck ?? o.lastCheckAt ?? o.checkedAt ?? null;
  const lastError = o.lastError ?? o.error ?? null;
  /** @type {[string, number][]} */
  const counters = [];
  for (const [k, v] of Object.entries(o)) {
    if (!SKIP.has(k) && typeof v === "number") counters.push([k, v]);
    else if (!SKIP.has(k) && v && typeof v === "object" && !Array.isArray(v)) {
      for (const [k2, v2] of Object.entries(v)) if (typeof v2 === "number") counters.push([`${k}.${k2}`, v2]);
    }
  }
  return {
    version: typeof o.version === "string" ? o.version : version,
    origin: String(o.origin ?? o.url ?? ""),
    state,
    lastCheck: typeof lastCheck === "string" ? lastCheck : typeof lastCheck === "number" ? new Date(lastCheck).toISOString() : null,
    lastError: lastError === null || lastError === undefined ? null : String(lastError),
    counters,
  };
}

/**
 * @param {unknown} body
 * @returns {HealthRow[]}
 */
export function healthRows(body) {
  const b = /** @type {Record<string, any> | null} */ (body);
  if (!b || typeof b !== "object") return [];
  /** @type {HealthRow[]} */
  const rows = [];
  if (Array.isArray(b.revisions)) {
    for (const r of b.revisions) {
      if (r && Array.isArray(r.origins)) for (const o of r.origins) if (o && typeof o === "object") rows.push(row(o, String(r.version ?? "")));
    }
  }
  if (Array.isArray(b.origins)) for (const o of b.origins) if (o && typeof o === "object") rows.push(row(o, ""));
  return rows;
}

/**
 * "healthy 2/3" when some of a revision's origins are down, "unhealthy" when all are,
 * nothing when all are up or unknown (DESIGN §13's DETAIL).
 * @param {HealthRow[]} rows
 * @param {string} version
 */
export function revisionHealth(rows, version) {
  const mine = rows.filter((r) => r.version === version);
  const down = mine.filter((r) => r.state === "down" || r.state === "unhealthy").length;
  if (mine.length === 0 || down === 0) return "";
  if (down === mine.length) return "unhealthy";
  return `healthy ${mine.length - down}/${mine.length}`;
}
