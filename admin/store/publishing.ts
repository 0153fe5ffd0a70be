/**
 * @module admin/store/publishing
 * From a service's change to KV (DESIGN §7): the route records a change gives
 * (`buildRouteRecords`) and the deletes for hostnames it no longer serves go into the
 * outbox inside the write transaction, together with the "outbox" timer; `flush` publishes
 * them after the commit and cancels the timer once the outbox is empty. If the flush fails,
 * or never runs because the object was evicted, the timer publishes from the alarm. Anything that changes what the
 * edge must see (config changes now; origin health later) publishes through here.
 */
import { hostnamesOf, type ServiceState } from "../../core/operations.ts";
import { buildRouteRecords, routeKey } from "../../core/route-record.ts";
import { Outbox, retryDelayMs } from "./outbox.ts";
import type { Timers } from "./timers.ts";

/** The named timer that retries publishing. */
export const OUTBOX_TIMER = "outbox";

/**
 * How long after a commit the alarm publishes if the write's own flush has not emptied the
 * outbox by then (the store was evicted, restarted or stuck on KV). A flush that finishes
 * first cancels it.
 */
export const PUBLISH_GRACE_MS = 2_000;

export class Publisher {
  private readonly outbox: Outbox;

  constructor(
    private readonly sql: SqlStorage,
    private readonly timers: Timers,
    /** read on every publish, so a test can swap the KV the store writes to */
    kv: () => KVNamespace,
    private readonly baseDomain: string,
  ) {
    this.outbox = new Outbox(
      sql,
      kv,
      async (attempts, error) => {
        console.warn(`route publish failed (attempt ${attempts}), retrying from the alarm:`, String(error));
        await this.timers.schedule(OUTBOX_TIMER, Date.now() + retryDelayMs(attempts));
      },
      async () => {
        if (this.sql.exec(`SELECT 1 FROM timers WHERE name = ?`, OUTBOX_TIMER).toArray().length > 0) await this.timers.cancel(OUTBOX_TIMER);
      },
    );
  }

  /**
   * Inside the write transaction: queues a put for every record `after` gives and a delete
   * for every hostname `before` served (or `after` binds) that no longer has a record.
   */
  enqueue(configVersion: number, before: ServiceState | null, after: ServiceState | null): void {
    const afterHosts = after ? hostnamesOf(after, this.baseDomain) : new Map<string, unknown>();
    const records = after ? buildRouteRecords(after.service, after.table, configVersion, this.baseDomain, after.domains, after.ruleTables) : new Map();
    for (const [host, record] of records) this.outbox.enqueue(configVersion, routeKey(host), record);
    const gone = new Set([...(before ? hostnamesOf(before, this.baseDomain).keys() : []), ...afterHosts.keys()]);
    for (const host of gone) if (!records.has(host)) this.outbox.enqueue(configVersion, routeKey(host), null);
    // In the same transaction as the rows: committed records are never left without a publisher.
    this.timers.ensureBy(OUTBOX_TIMER, Date.now() + PUBLISH_GRACE_MS);
  }

  /**
   * At start-up: records left in the outbox (by an instance evicted before it published,
   * or by an older Weir that set no timer with them) are published from the alarm at once.
   */
  drainSoon(): void {
    if (this.outbox.pending() > 0) this.timers.ensureBy(OUTBOX_TIMER, Date.now());
  }

  /** Publishes everything pending; true when the outbox is empty afterwards. */
  flush(): Promise<boolean> {
    return this.outbox.flush();
  }

  /** Route records waiting for KV. */
  pending(): number {
    return this.outbox.pending();
  }

  /** The handler of the "outbox" timer. */
  async onTimer(): Promise<void> {
    await this.outbox.flush();
  }
}
