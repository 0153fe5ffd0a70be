/**
 * @module admin/store/health
 * Origin health inside the ConfigStore (DESIGN §13), both ways between the store and the
 * HealthChecker of each service:
 *
 * - **Specs out.** A write that changes which origins are checked, or how, records the
 *   service's new spec in `health_sync` in its own transaction, with the "health" timer;
 *   once the write's records are published the spec is delivered (one delivery at a time,
 *   in order, each bounded by DELIVERY_TIMEOUT_MS) and the row deleted. If the store is
 *   evicted first, or the checker cannot be reached, the timer delivers it from the alarm
 *   with backoff, so a checker is never left running for a removed service nor missing
 *   for a new one.
 * - **Down origins in.** A checker reports which origins it finds down when that changes.
 *   The list is kept in `origin_health` and the service's route records are queued again
 *   through the outbox with the same config version and a `down` mark per origin: no
 *   history entry, no new config version, no extra KV read for the data plane.
 */
import {
  healthSpecOf,
  sameDown,
  sameHealth,
  sameSpec,
  unhealthyVersions,
  usableDown,
  type DownOrigin,
  type HealthSpec,
} from "../../core/health.ts";
import { healthCheckerOf, type HealthReport, type ReportAnswer } from "./health-checker.ts";
import { retryDelayMs } from "./outbox.ts";
import type { Publisher } from "./publishing.ts";
import type { ServiceTable } from "./service-table.ts";
import type { Timers } from "./timers.ts";
import type { Change } from "./write-path.ts";

/** The named timer that delivers specs to checkers. */
export const HEALTH_TIMER = "health";
/** How long after a commit the alarm delivers if the write's own delivery has not. */
const DELIVERY_GRACE_MS = 2_000;
/** A checker that has not taken its spec by then counts as unreachable (and is retried), so one cannot stall every other. */
export const DELIVERY_TIMEOUT_MS = 5_000;

interface SyncRow extends Record<string, SqlStorageValue> {
  service: string;
  generation: number;
  spec: string | null;
}

export interface HealthParts {
  sql: SqlStorage;
  storage: DurableObjectStorage;
  timers: Timers;
  services: ServiceTable;
  publisher: Publisher;
  /** read at each delivery, so a test can swap the namespace to inject failures */
  checkers: () => DurableObjectNamespace;
  /** how long one delivery may take (DELIVERY_TIMEOUT_MS; tests shorten it) */
  deliveryTimeoutMs: () => number;
}

/** `promise`, or a rejection after `ms`. */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: number | null = null;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

export class OriginHealth {
  private delivering: Promise<boolean> | undefined;
  private again = false;
  private attempts = 0;

  constructor(private readonly parts: HealthParts) {}

  /** The down list of a service (as stored; filter with usableDown for its current config). */
  down(id: string): DownOrigin[] {
    const row = this.parts.sql.exec<{ down: string }>(`SELECT down FROM origin_health WHERE service = ?`, id).toArray()[0];
    return row ? (JSON.parse(row.down) as DownOrigin[]) : [];
  }

  /** Versions of a service whose every origin is down now (a rollout does not grow them). */
  unhealthy(id: string): string[] {
    const state = this.parts.services.load(id);
    return state ? unhealthyVersions(state.service, this.down(id)) : [];
  }

  /**
   * Inside the write transaction, for each change: when the checks of the service change,
   * its new spec (null: stop) is queued for its checker with the "health" timer, and down
   * marks of origins no longer checked the same way are dropped, so the records this write
   * publishes do not carry them.
   */
  onChange(change: Pick<Change, "id" | "before" | "after">): void {
    const before = healthSpecOf(change.before?.service ?? null);
    const after = healthSpecOf(change.after?.service ?? null);
    if (sameSpec(before, after)) return;
    const generation = this.parts.services.version();
    this.parts.sql.exec(
      `INSERT INTO health_sync (service, generation, spec) VALUES (?, ?, ?)
       ON CONFLICT (service) DO UPDATE SET generation = excluded.generation, spec = excluded.spec`,
      change.id,
      generation,
      after === null ? null : JSON.stringify(after),
    );
    this.parts.timers.ensureBy(HEALTH_TIMER, Date.now() + DELIVERY_GRACE_MS);
    if (after === null) {
      this.parts.sql.exec(`DELETE FROM origin_health WHERE service = ?`, change.id);
      return;
    }
    const kept = this.down(change.id).filter((d) => {
      const was = before?.revisions.find((r) => r.version === d.version);
      const now = after.revisions.find((r) => r.version === d.version);
      return was !== undefined && now !== undefined && now.origins.includes(d.origin) && sameHealth(was.health, now.health);
    });
    this.parts.sql.exec(
      `INSERT INTO origin_health (service, generation, reported_generation, reported_seq, down) VALUES (?, ?, 0, 0, ?)
       ON CONFLICT (service) DO UPDATE SET generation = excluded.generation, down = excluded.down`,
      change.id,
      generation,
      JSON.stringify(kept),
    );
  }

  /** Specs waiting for their checkers (tests and operators). */
  pendingDeliveries(): number {
    return this.parts.sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM health_sync`).one().n;
  }

  /**
   * Delivers every queued spec, oldest generation first; true when none is left. One
   * delivery runs at a time (a second could reorder a service's specs): a call meanwhile
   * makes the running one look again.
   */
  deliver(): Promise<boolean> {
    this.again = true;
    this.delivering ??= this.drain().finally(() => {
      this.delivering = undefined;
    });
    return this.delivering;
  }

  private async drain(): Promise<boolean> {
    while (this.again) {
      this.again = false;
      const rows = this.parts.sql.exec<SyncRow>(`SELECT service, generation, spec FROM health_sync ORDER BY generation, service`).toArray();
      for (const row of rows) {
        try {
          const spec = row.spec === null ? null : (JSON.parse(row.spec) as HealthSpec);
          const stub = healthCheckerOf(this.parts.checkers(), row.service);
          await within(Promise.resolve(stub.configure(spec, row.generation)), this.parts.deliveryTimeoutMs(), `the checker of ${row.service}`);
        } catch (error) {
          this.attempts += 1;
          console.warn(`health checks of ${row.service} not delivered (attempt ${this.attempts}), retrying from the alarm:`, String(error));
          await this.parts.timers.schedule(HEALTH_TIMER, Date.now() + retryDelayMs(this.attempts));
          return false;
        }
        // A newer spec queued meanwhile stays for the next pass.
        this.parts.sql.exec(`DELETE FROM health_sync WHERE service = ? AND generation = ?`, row.service, row.generation);
      }
    }
    this.attempts = 0;
    if (this.pendingDeliveries() === 0 && this.parts.sql.exec(`SELECT 1 FROM timers WHERE name = ?`, HEALTH_TIMER).toArray().length > 0) {
      await this.parts.timers.cancel(HEALTH_TIMER);
    }
    return this.pendingDeliveries() === 0;
  }

  /** The handler of the "health" timer. */
  async onTimer(): Promise<void> {
    await this.deliver();
  }

  /**
   * A checker's report. Refused quietly when it is older than the spec the store has
   * queued since (that checker will report again on the new one) or than a report already
   * taken; `stop` when the service or its health settings are gone. A changed down list
   * queues the service's records again (same config version). Returns whether records
   * were queued, for the caller to publish them.
   */
  report(r: HealthReport): ReportAnswer & { queued: boolean } {
    return this.parts.storage.transactionSync(() => {
      const state = this.parts.services.load(r.service);
      const row = this.parts.sql
        .exec<{ generation: number; reported_generation: number; reported_seq: number; down: string }>(
          `SELECT generation, reported_generation, reported_seq, down FROM origin_health WHERE service = ?`,
          r.service,
        )
        .toArray()[0];
      if (state === null || row === undefined || healthSpecOf(state.service) === null) return { stop: true, queued: false };
      if (r.generation < row.generation) return { stop: false, queued: false };
      if (r.generation < row.reported_generation || (r.generation === row.reported_generation && r.seq <= row.reported_seq)) {
        return { stop: false, queued: false };
      }
      const down = usableDown(state.service, r.down);
      this.parts.sql.exec(
        `UPDATE origin_health SET reported_generation = ?, reported_seq = ?, down = ? WHERE service = ?`,
        r.generation,
        r.seq,
        JSON.stringify(down),
        r.service,
      );
      if (sameDown(down, JSON.parse(row.down) as DownOrigin[])) return { stop: false, queued: false };
      const stored = this.parts.services.stored(r.service);
      this.parts.publisher.republish(stored?.configVersion ?? this.parts.services.version(), state, down);
      return { stop: false, queued: true };
    });
  }
}
