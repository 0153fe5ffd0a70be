/**
 * @module cli/relative-time
 * "10 seconds ago", "1 minute ago": the CREATED column of `weir ps`; "in 89 days": when a
 * token expires (`weir token ls`).
 */

const UNITS: readonly (readonly [string, number])[] = [
  ["year", 365 * 86_400_000],
  ["month", 30 * 86_400_000],
  ["week", 7 * 86_400_000],
  ["day", 86_400_000],
  ["hour", 3_600_000],
  ["minute", 60_000],
  ["second", 1_000],
];

/** How long before `now` the time `then` was, in the largest whole unit. */
export function relativeTime(then: Date, now: Date): string {
  const ms = now.getTime() - then.getTime();
  if (!Number.isFinite(ms)) return "unknown";
  // A clock a little ahead of this machine's must not print "-2 seconds ago".
  if (ms < 1_000) return "just now";
  for (const [unit, size] of UNITS) {
    const n = Math.floor(ms / size);
    if (n >= 1) return `${n} ${unit}${n === 1 ? "" : "s"} ago`;
  }
  return "just now";
}

/** How long after `now` the time `then` is ("in 3 days"); a past time reads as ago. */
export function timeUntil(then: Date, now: Date): string {
  const ms = then.getTime() - now.getTime();
  if (!Number.isFinite(ms)) return "unknown";
  if (ms < 1_000) return relativeTime(then, now);
  for (const [unit, size] of UNITS) {
    const n = Math.floor(ms / size);
    if (n >= 1) return `in ${n} ${unit}${n === 1 ? "" : "s"}`;
  }
  return "now";
}
