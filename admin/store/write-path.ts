/**
 * @module admin/store/write-path
 * How every config change is written (DESIGN §7): a plan runs inside one SQLite
 * transaction that checks If-Match, bumps the config version once, and for each changed
 * service claims its hostnames (409 on one held by another service), rewrites its row,
 * appends history and queues its route records; history beyond HISTORY_KEEP is pruned. A WeirError anywhere rolls all of it back
 * and is rethrown; the RPC edge (config-store.ts) turns it into an Outcome. After the
 * commit the outbox is flushed (awaited, so a writer's KV sees its write when KV is healthy).
 */
import { WeirError } from "../../core/errors.ts";
import { hostnamesOf, type ServiceState } from "../../core/operations.ts";
import type { History } from "./history.ts";
import type { IfMatch, StoredService, WriteContext } from "./outcome.ts";
import type { Publisher } from "./publishing.ts";
import type { ServiceTable } from "./service-table.ts";

/** One service's part of an accepted change. */
export interface Change {
  id: string;
  before: ServiceState | null;
  after: ServiceState | null;
  operation: string;
  summary: string;
  /** id in `slot_tables` of a table equal to `after`'s, when the plan knows one (rollback) */
  afterTable?: number;
}

/** What a write does: its changes, computed inside the transaction, and its answer. */
export interface Plan<T> {
  changes: Change[];
  /** the response value, computed after the changes are written */
  result: (configVersion: number) => T;
}

/** Called inside the transaction for every change, before it is written (timed rollouts end here). */
export type ChangeHook = (change: Change, actor: string) => void;

/** Called after the commit, before the route records are published (effects outside the store). */
export type CommittedHook = (changes: readonly Change[]) => Promise<void>;

/** A write's answer and the config version it produced (or found, when nothing changed). */
export interface Written<T> {
  value: T;
  configVersion: number;
}

/** Thrown to roll back a dry run after it has been checked as a real write would be. */
class DryRun<T> {
  constructor(readonly value: T) {}
}

function matches(ifMatch: IfMatch | undefined, version: number): boolean {
  return ifMatch === undefined || ifMatch === "*" || ifMatch.includes(version);
}

/** The plan of a write that changes one service and answers with it. */
export function serviceChange(
  services: ServiceTable,
  id: string,
  before: ServiceState | null,
  after: ServiceState,
  operation: string,
  summary: string,
): Plan<StoredService> {
  return { changes: [{ id, before, after, operation, summary }], result: () => services.stored(id) as StoredService };
}

/** What the write path writes through, and the hooks other concerns attach to it. */
export interface WritePathParts {
  storage: DurableObjectStorage;
  services: ServiceTable;
  history: History;
  publisher: Publisher;
  baseDomain: string;
  /** HISTORY_KEEP, read at each write (tests lower it) */
  keep: () => number;
  onChange: ChangeHook;
  onCommitted: CommittedHook;
  /** Called once the write's route records are published (effects that must not delay them: health-check specs). */
  onPublished?: CommittedHook;
}

export class WritePath {
  constructor(private readonly parts: WritePathParts) {}

  /**
   * Runs `plan` and writes its changes in one transaction; throws the WeirError that
   * refused it (nothing written). A dry run is checked and written, then rolled back.
   */
  async run<T>(w: WriteContext, plan: () => Plan<T>, dryRun = false): Promise<Written<T>> {
    let written: Written<T>;
    let committed: Change[] = [];
    try {
      written = this.parts.storage.transactionSync((): Written<T> => {
        const current = this.parts.services.version();
        if (!matches(w.ifMatch, current)) {
          throw new WeirError("precondition_failed", `If-Match does not match the current config version "${current}"`, {
            details: { configVersion: current },
          });
        }
        const { changes, result } = plan();
        if (changes.length === 0) return { value: result(current), configVersion: current };
        const next = current + 1;
        this.parts.services.setVersion(next);
        const at = new Date().toISOString();
        for (const change of changes) this.commit(next, at, w, change);
        this.parts.history.prune(this.parts.keep());
        const value = result(next);
        if (dryRun) throw new DryRun(value);
        committed = changes;
        return { value, configVersion: next };
      });
    } catch (error) {
      if (error instanceof DryRun) return { value: error.value as T, configVersion: this.parts.services.version() };
      throw error;
    }
    if (committed.length > 0) {
      await this.parts.onCommitted(committed);
      await this.parts.publisher.flush();
      await this.parts.onPublished?.(committed);
    }
    return written;
  }

  /** Writes one service's change: hostname index (409 on a taken name), row, history, outbox. */
  private commit(configVersion: number, at: string, w: WriteContext, change: Change): void {
    const { actor, scope } = w;
    const ip = w.ip ?? null;
    const { id, before, after } = change;
    this.parts.onChange(change, actor);
    const afterHosts = after ? hostnamesOf(after, this.parts.baseDomain) : new Map<string, { kind: string; what: string }>();
    for (const [host, mine] of afterHosts) {
      const held = this.parts.services.holder(host);
      if (held && held.service !== id) {
        // a host is global: a scoped token learns it is taken, not by which service of another stack
        const holder = scope === undefined || scope.includes(held.service.split("/")[0]) ? held.what : "taken by a service outside this token's stacks";
        throw new WeirError("conflict", `hostname '${host}' (${mine.what}) is already ${holder}`, { details: { host } });
      }
    }
    this.parts.services.setHostnames(id, afterHosts);
    const afterTable = this.parts.history.append({
      configVersion,
      at,
      actor,
      ip,
      operation: change.operation,
      summary: change.summary,
      service: id,
      before,
      after,
      beforeTable: before ? this.parts.services.tableId(id) : null,
      afterTable: change.afterTable,
    });
    if (after) this.parts.services.put(id, after, configVersion, afterTable);
    else this.parts.services.remove(id);
    this.parts.publisher.enqueue(configVersion, before, after);
  }
}
