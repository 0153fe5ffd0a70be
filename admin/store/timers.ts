/**
 * @module admin/store/timers
 * Named timers on the Durable Object's single alarm. The outbox retries through the timer
 * "outbox"; timed rollouts can add their own ("rollout:<stack>/<name>") and a handler,
 * without touching the others. The alarm is always set to the earliest due timer.
 */

/** Runs a due timer; `name` is the full timer name, its prefix before ':' picks the handler. */
export type TimerHandler = (name: string) => Promise<void>;

export class Timers {
  constructor(
    private readonly sql: SqlStorage,
    private readonly storage: DurableObjectStorage,
  ) {}

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
   */
  async run(handlers: Readonly<Record<string, TimerHandler>>, now = Date.now()): Promise<void> {
    const earliest = this.sql.exec<{ due: number | null }>(`SELECT MIN(due) AS due FROM timers`).one().due;
    for (const name of this.takeDue(Math.max(now, earliest ?? now))) {
      const handler = handlers[name.split(":")[0]];
      // One failing handler must not starve the others; it reschedules itself if it needs to.
      try {
        if (handler) await handler(name);
      } catch (error) {
        console.error(`timer ${name} failed:`, error);
      }
    }
    await this.arm();
  }
}
