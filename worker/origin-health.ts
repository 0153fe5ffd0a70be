/**
 * @module worker/origin-health
 * Which of a revision's origins a request may use (DESIGN §13). Active health checks come
 * with the route record (origins marked down, decided by the HealthChecker and compiled
 * once per cache fill); passive ejection is decided here, per isolate, with or without
 * any health settings: an origin whose last 5 attempts in a row failed (no connection,
 * no answer in time, or a 5xx) is skipped for 30 s while its revision has another origin
 * to use. Its failure count only resets on a good answer, so after the 30 s one more
 * failure skips it again.
 *
 * The healthy path costs two Map size checks: nothing is looked up while no origin of this
 * isolate has failed.
 */

/** Failures in a row that eject an origin. */
export const EJECT_AFTER_FAILURES = 5;
/** How long an ejected origin is skipped. */
export const EJECT_MS = 30_000;
/** Origins tracked per isolate; the oldest entry is dropped beyond it. */
const MAX_TRACKED = 10_000;

/** origin URL → failures in a row */
const failures = new Map<string, number>();
/** origin URL → Date.now() until which it is skipped */
const ejected = new Map<string, number>();

/**
 * `origins` without those ejected now; all of them when that would leave none (a revision
 * is never left without an origin to try). Returns the same array when nothing is ejected.
 */
export function withoutEjected(origins: readonly string[]): readonly string[] {
  if (ejected.size === 0 || origins.length === 1) return origins;
  const now = Date.now();
  let kept: string[] | null = null;
  for (let i = 0; i < origins.length; i++) {
    const until = ejected.get(origins[i]);
    if (until !== undefined && until > now) {
      kept ??= origins.slice(0, i);
      continue;
    }
    if (until !== undefined) ejected.delete(origins[i]);
    kept?.push(origins[i]);
  }
  return kept === null || kept.length === 0 ? origins : kept;
}

/** Called for every attempt at an origin: `failed` when it could not be reached, timed out or answered 5xx. */
export function noteOriginResult(origin: string, failed: boolean): void {
  if (!failed) {
    if (failures.size !== 0) failures.delete(origin);
    return;
  }
  const count = (failures.get(origin) ?? 0) + 1;
  remember(failures, origin, count);
  if (count >= EJECT_AFTER_FAILURES) remember(ejected, origin, Date.now() + EJECT_MS);
}

function remember(map: Map<string, number>, origin: string, value: number): void {
  map.delete(origin);
  if (map.size >= MAX_TRACKED) map.delete(map.keys().next().value as string);
  map.set(origin, value);
}

/** Origins ejected now (tests and diagnostics). */
export function ejectedOrigins(): string[] {
  const now = Date.now();
  return [...ejected].filter(([, until]) => until > now).map(([origin]) => origin);
}

/** Tests only: forget every failure and ejection. */
export function clearOriginHealth(): void {
  failures.clear();
  ejected.clear();
}

/** Tests only: let the current ejections run out now, as if 30 s had passed. */
export function expireEjections(): void {
  for (const origin of ejected.keys()) ejected.set(origin, 0);
}
