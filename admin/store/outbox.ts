/**
 * @module admin/store/outbox
 * Publishing route records to KV (DESIGN §7). Each accepted change appends its records to
 * the outbox in the same transaction; `flush` writes them to KV strictly in outbox order
 * and deletes each row only once KV accepted it. On a KV failure it stops at that row, so
 * a later record never overtakes an earlier one and no record is ever overwritten by an
 * older config version; the alarm retries with backoff until KV accepts. The retry timer
 * is set with the rows, in the same transaction (admin/store/publishing.ts).
 */
import type { RouteRecord } from "../../core/route-record.ts";

const BATCH = 64;
const RETRY_BASE_MS = 500;
const RETRY_MAX_MS = 30_000;

interface OutboxRow extends Record<string, SqlStorageValue> {
  seq: number;
  key: string;
  record: string | null;
}

export class Outbox {
  private flushing: Promise<boolean> | undefined;
  private again = false;

  constructor(
    private readonly sql: SqlStorage,
    /** read on every publish, so a test can swap the KV the store writes to */
    private readonly kv: () => KVNamespace,
    /** called after a failed publish with the count of consecutive failures */
    private readonly onFailure: (attempts: number, error: unknown) => Promise<void>,
    private readonly onDrained: () => Promise<void>,
  ) {}

  /** Inside the write transaction: a record to put, or null to delete the key. */
  enqueue(configVersion: number, key: string, record: RouteRecord | null): void {
    this.sql.exec(
      `INSERT INTO outbox (config_version, key, record) VALUES (?, ?, ?)`,
      configVersion,
      key,
      record === null ? null : JSON.stringify(record),
    );
  }

  pending(): number {
    return this.sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM outbox`).one().n;
  }

  /**
   * Publishes everything pending; true when the outbox is empty afterwards. Concurrent
   * callers share one publisher (a second one could reorder writes): a call during a
   * flush makes that flush run once more and resolves with it.
   */
  flush(): Promise<boolean> {
    this.again = true;
    this.flushing ??= this.drain().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  private async drain(): Promise<boolean> {
    while (this.again) {
      this.again = false;
      for (;;) {
        const rows = this.sql
          .exec<OutboxRow>(`SELECT seq, key, record FROM outbox ORDER BY seq LIMIT ?`, BATCH)
          .toArray();
        if (rows.length === 0) break;
        for (const row of rows) {
          try {
            if (row.record === null) await this.kv().delete(row.key);
            else await this.kv().put(row.key, row.record);
          } catch (error) {
            const attempts = this.bumpAttempts();
            await this.onFailure(attempts, error);
            return false;
          }
          this.sql.exec(`DELETE FROM outbox WHERE seq = ?`, row.seq);
        }
      }
      // Empty: forget the failures and the retry timer. A write that commits while this
      // awaits asks for another pass (`again`), so its rows are not left to the timer.
      this.sql.exec(`DELETE FROM meta WHERE key = 'outbox_attempts'`);
      await this.onDrained();
    }
    return true;
  }

  private bumpAttempts(): number {
    return this.sql
      .exec<{ value: number }>(
        `INSERT INTO meta (key, value) VALUES ('outbox_attempts', 1)
         ON CONFLICT (key) DO UPDATE SET value = value + 1 RETURNING value`,
      )
      .one().value;
  }
}

/** Exponential backoff for the retry alarm. */
export function retryDelayMs(attempts: number): number {
  return Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** Math.min(attempts - 1, 16));
}
