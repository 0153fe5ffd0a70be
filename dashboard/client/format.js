// @ts-check
/**
 * @module dashboard/client/format
 * How the dashboard writes times, percentages and rates: the same words as `weir ps`.
 * Pure (no DOM), so it is unit-tested in Node.
 */

/** @type {readonly (readonly [string, number])[]} */
const UNITS = [
  ["year", 365 * 86_400_000],
  ["month", 30 * 86_400_000],
  ["week", 7 * 86_400_000],
  ["day", 86_400_000],
  ["hour", 3_600_000],
  ["minute", 60_000],
  ["second", 1_000],
];

/**
 * "10 seconds ago", "1 minute ago" (the CREATED column of `weir ps`).
 * @param {string | Date} then
 * @param {Date} now
 */
export function relativeTime(then, now) {
  const ms = now.getTime() - new Date(then).getTime();
  if (!Number.isFinite(ms)) return "unknown";
  // a server clock a little ahead of the browser's must not read "-2 seconds ago"
  if (ms < 1_000) return "just now";
  for (const [unit, size] of UNITS) {
    const n = Math.floor(ms / size);
    if (n >= 1) return `${n} ${unit}${n === 1 ? "" : "s"} ago`;
  }
  return "just now";
}

/** @param {number} n */
const pad = (n) => String(n).padStart(2, "0");

/**
 * A local date and time, to the second: "2026-04-20 14:03:07".
 * @param {string | Date} when
 */
export function localTime(when) {
  const d = new Date(when);
  if (Number.isNaN(d.getTime())) return String(when);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/**
 * Percent with at most two decimals, as the API and `weir ps` write weights: 50 → "50%".
 * @param {number} percent
 */
export function formatPercent(percent) {
  return `${Math.round(percent * 100) / 100}%`;
}

/**
 * An error rate, or "–" when there were no responses to judge.
 * @param {number | null | undefined} percent
 */
export function formatRate(percent) {
  return percent === null || percent === undefined ? "–" : formatPercent(percent);
}

/**
 * Requests per second with sensible precision: 0, 0.03, 1.2, 15.
 * @param {number} perSecond
 */
export function formatPerSecond(perSecond) {
  if (perSecond === 0) return "0/s";
  if (perSecond < 0.1) return `${Math.round(perSecond * 1000) / 1000}/s`;
  if (perSecond < 10) return `${Math.round(perSecond * 10) / 10}/s`;
  return `${Math.round(perSecond)}/s`;
}

/**
 * Milliseconds of a duration as the API writes them ("30s", "15m", "1h30m"), or undefined.
 * @param {string} text
 */
export function parseDuration(text) {
  const t = text.trim();
  if (!/^(?:\d+(?:ms|s|m|h|d))+$/.test(t)) return undefined;
  /** @type {Record<string, number>} */
  const unit = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
  let ms = 0;
  for (const m of t.matchAll(/(\d+)(ms|s|m|h|d)/g)) ms += Number(m[1]) * unit[m[2]];
  return ms;
}
