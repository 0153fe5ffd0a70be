/**
 * @module admin/store/rollback
 * The plan of `POST …/rollback`: a service restored as it was before its last change, or
 * as it stood at config version `to`, from history. The slot table comes back byte for
 * byte, so every sticky key returns to its revision; the restored table is the stored one,
 * referred to again rather than copied. Restoring the current state is no change. A state
 * whose history entries were pruned (HISTORY_KEEP) is 410 `gone`.
 */
import { WeirError } from "../../core/errors.ts";
import { checkOrigins, type ServiceState } from "../../core/operations.ts";
import { sameSlotBytes } from "../../core/slot-table-diff.ts";
import { slotTableBytes } from "../../core/slot-table.ts";
import { sameRouting } from "../../core/stack-file.ts";
import type { History, StoredState } from "./history.ts";
import type { StoredService } from "./outcome.ts";
import type { DomainBinding } from "../../core/route-record.ts";
import type { ServiceTable } from "./service-table.ts";
import type { SlotTables } from "./slot-tables.ts";
import { serviceChange, type Plan } from "./write-path.ts";

export interface RollbackStores {
  services: ServiceTable;
  history: History;
  tables: SlotTables;
  /** HISTORY_KEEP, for the message of a 410 */
  keep: number;
}

function sameState(a: ServiceState, b: ServiceState): boolean {
  const ra = a.ruleTables ?? new Map();
  const rb = b.ruleTables ?? new Map();
  return (
    sameRouting(a.service, b.service) &&
    sameSlotBytes(slotTableBytes(a.table), slotTableBytes(b.table)) &&
    JSON.stringify(a.domains) === JSON.stringify(b.domains) &&
    ra.size === rb.size &&
    [...ra].every(([name, t]) => rb.has(name) && sameSlotBytes(slotTableBytes(t), slotTableBytes(rb.get(name))))
  );
}

/** The state at config version `to`: a stored one, null if the service did not exist then. */
function stateAt(stores: RollbackStores, id: string, to: number, current: ServiceState | null): StoredState | null | "current" {
  const { history } = stores;
  const kept = history.stateAt(id, to);
  if (kept !== undefined) return kept;
  // No kept entry is that old: the entries before `to` are pruned, or there never were any.
  const pruned = history.prunedOf(id);
  if (!pruned || to < pruned.firstConfigVersion) return null;
  const oldest = history.oldest(id);
  if (to >= pruned.lastConfigVersion) {
    // Nothing changed the service between its last pruned entry and `to`: the state is the
    // one before its oldest kept entry, or the current one when none is kept.
    return oldest ? oldest.before : current ? "current" : null;
  }
  throw new WeirError(
    "gone",
    `config version ${to} of ${id} is no longer in history: it keeps the latest ${stores.keep} entries (HISTORY_KEEP)` +
      (oldest ? `, and the oldest kept for ${id} is config version ${oldest.configVersion}` : `, and none of ${id}'s`),
    { details: { oldestKept: oldest?.configVersion ?? null } },
  );
}

/** How two sets of custom domain bindings differ, for a refusal: `bind x`, `unbind y`, `re-pin z`. */
function domainChanges(before: readonly DomainBinding[], after: readonly DomainBinding[]): string[] {
  const was = new Map(before.map((d) => [d.host, d.version]));
  const will = new Map(after.map((d) => [d.host, d.version]));
  return [
    ...after.filter((d) => !was.has(d.host)).map((d) => `bind ${d.host}`),
    ...before.filter((d) => !will.has(d.host)).map((d) => `unbind ${d.host}`),
    ...after.filter((d) => was.has(d.host) && was.get(d.host) !== d.version).map((d) => `re-pin ${d.host}`),
  ];
}

/**
 * `mayChangeDomains`: false for a caller below admin. Custom domains are an admin's to
 * manage (DESIGN §11), so a deployer's rollback that would bind, unbind or re-pin one is
 * refused rather than letting it bring back a binding an admin removed.
 */
export function rollbackPlan(stores: RollbackStores, stack: string, name: string, to?: number, mayChangeDomains = true): Plan<StoredService> {
  const { services, history, tables } = stores;
  const id = `${stack}/${name}`;
  const current = services.load(id);
  let target: StoredState | null | "current";
  let label: string;
  if (to === undefined) {
    const last = history.latest(id);
    if (!last) {
      if (history.prunedOf(id)) {
        throw new WeirError("gone", `the history of ${id} is no longer kept (HISTORY_KEEP keeps the latest ${stores.keep} entries); roll back with --to a kept config version or change it directly`);
      }
      if (!current) throw new WeirError("not_found", `no service ${id}`);
      throw new WeirError("invalid", `${id} has no history to roll back`);
    }
    target = last.before;
    if (target === null) throw new WeirError("invalid", `${id} did not exist before config version ${last.configVersion}; nothing to roll back to`);
    label = `before config version ${last.configVersion}`;
  } else {
    if (!history.has(id) && !current && !history.prunedOf(id)) throw new WeirError("not_found", `no service ${id}`);
    const version = services.version();
    if (to > version) throw new WeirError("invalid", `config version ${to} does not exist yet (current: ${version})`);
    target = stateAt(stores, id, to, current);
    if (target === null) throw new WeirError("invalid", `${id} did not exist at config version ${to}`);
    label = `config version ${to}`;
  }
  if (target === "current") return { changes: [], result: () => services.stored(id) as StoredService };
  const restored = target;
  // the rule splits' tables come back byte for byte too (DESIGN §10)
  const after: ServiceState = {
    service: restored.summary.service,
    table: tables.get(restored.table),
    domains: restored.summary.domains,
    ruleTables: history.ruleTablesOf(restored),
  };
  if (current && sameState(current, after)) return { changes: [], result: () => services.stored(id) as StoredService };
  const domainEdits = domainChanges(current?.domains ?? [], after.domains);
  if (!mayChangeDomains && domainEdits.length > 0) {
    throw new WeirError("forbidden", `rolling ${id} back to ${label} would ${domainEdits.join(", ")} (custom domains): that needs admin on stack '${stack}'`);
  }
  checkOrigins([...after.service.origins, ...after.service.revisions.flatMap((r) => r.origins)], services.served());
  const plan = serviceChange(services, id, current, after, "rollback", `rollback ${id} to ${label}`);
  return { ...plan, changes: plan.changes.map((c) => ({ ...c, afterTable: restored.table })) };
}
