/**
 * @module admin/store/timers
 * Named timers on the Durable Object's single alarm. The outbox retries through the timer
 * "outbox"; timed rollouts add their own ("rollout:<stack>/<name>") and a handler, without
 * touching the others. The alarm is always set to the earliest due timer. A due timer is
 * taken off its table before its handler runs (the handler sets it again if it needs to,
 * and a write may set it anew meanwhile); a handler that throws puts it back, due after a
 * backoff that grows with its failures in a row (issue 9: one throw used to end a
 * rollout's clock for good).
 */
import { own } from "../../core/own-property.ts";

/** Runs a due timer; `name` is the full timer name, its prefix before ':' picks the handler. */
export type TimerHandler = (name: string) => Promise<void>;

/** First retry of a failed handler after this long, doubling per failure in a row up to TIMER_RETRY_MAX_MS. */
export const TIMER_RETRY_BASE_MS = 1_000;
export const TIMER_RETRY_MAX_MS = 5 * 60_000;

/** How long after its `failures`-th failure in a row a timer runs again. */
export function timerRetryDelayMs(failures: number): number {
  return Math.min(TIMER_RETRY_MAX_MS, TIMER_RETRY_BASE_MS * 2 ** Math.min(Math.max(failures, 1) - 1, 20));
}

export class Timers {
  constructor(
    private readonly sql: SqlStorage,
    private readonly storage: DurableObjectStorage,
    private readonly clock: () => number = Date.now,
  ) {
    // failures in a row of a timer's handler, for its backoff (apart from `timers`, whose
    // rows the store's schema owns)
    sql.exec(`CREATE TABLE IF NOT EXISTS timer_failures (name TEXT PRIMARY KEY, failures INTEGER NOT NULL)`);
  }

  /** Sets (or moves) a timer and re-arms the alarm. */
  async schedule(name: string, due: number): Promise<void> {
    this.sql.exec(`INSERT INTO timers (name, due) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET due = excluded.due`, name, due);
    await this.arm();
  }

  /**
   * Inside a write transaction: makes `name` due at `due` at the latest (an earlier due
   * stays) and arms the alarm. On SQLite storage `setAlarm` writes the alarm time into the
   * same database, synchronously, so it commits or rolls back with the transaction: the
   * rows a timer stands for can never be committed without it.
   */
  ensureBy(name: string, due: number): void {
    this.sql.exec(`INSERT INTO timers (name, due) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET due = MIN(due, excluded.due)`, name, due);
    const earliest = this.sql.exec<{ due: number }>(`SELECT MIN(due) AS due FROM timers`).one().due;
    this.storage.setAlarm(earliest).catch((error: unknown) => console.error(`arming the alarm for ${name} failed:`, error));
  }

  async cancel(name: string): Promise<void> {
    this.sql.exec(`DELETE FROM timers WHERE name = ?`, name);
    await this.arm();
  }

  /** Failures in a row of the timer's handler (0 once it succeeds). */
  failures(name: string): number {
    return this.sql.exec<{ failures: number }>(`SELECT failures FROM timer_failures WHERE name = ?`, name).toArray()[0]?.failures ?? 0;
  }

  /** Timers due at `now`, earliest first; they are removed (a handler reschedules if needed). */
  takeDue(now: number): string[] {
    const names = this.sql
      .exec<{ name: string }>(`SELECT name FROM timers WHERE due <= ? ORDER BY due, name`, now)
      .toArray()
      .map((r) => r.name);
    for (const name of names) this.sql.exec(`DELETE FROM timers WHERE name = ?`, name);
    return names;
  }

  /** Points the alarm at the earliest timer, or clears it when none is left. */
  async arm(): Promise<void> {
    const row = this.sql.exec<{ due: number | null }>(`SELECT MIN(due) AS due FROM timers`).one();
    if (row.due === null) await this.storage.deleteAlarm();
    else await this.storage.setAlarm(row.due);
  }

  /**
   * Runs every due timer with its handler, then re-arms. The alarm fired for the earliest
   * timer, so that one counts as due even if the alarm came early (or was run by hand).
   * A handler that throws gets its timer back, due after the backoff (or at the later time
   * the handler had set itself); one that returns starts its count of failures afresh.
   */
  async run(handlers: Readonly<Record<string, TimerHandler>>, now = this.clock()): Promise<void> {
    const earliest = this.sql.exec<{ due: number | null }>(`SELECT MIN(due) AS due FROM timers`).one().due;
    for (const name of this.takeDue(Math.max(now, earliest ?? now))) {
      const handler = own(handlers, name.split(":")[0]);
      // One failing handler must not starve the others.
      try {
        if (handler) await handler(name);
        this.sql.exec(`DELETE FROM timer_failures WHERE name = ?`, name);
      } catch (error) {
        const failures = this.failures(name) + 1;
        const retryAt = this.clock() + timerRetryDelayMs(failures);
        console.error(`timer ${name} failed (${failures} in a row), retrying at ${new Date(retryAt).toISOString()}:`, error);
        this.sql.exec(
          `INSERT INTO timer_failures (name, failures) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET failures = excluded.failures`,
          name,
          failures,
        );
        this.sql.exec(
          `INSERT INTO timers (name, due) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET due = MAX(timers.due, excluded.due)`,
          name,
          retryAt,
        );
      }
    }
    await this.arm();
  }
}
