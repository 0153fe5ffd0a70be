/**
 * @module admin/store/rollback
 * The plan of `POST …/rollback`: a service restored as it was before its last change, or
 * as it stood at config version `to`, from history. The slot table comes back byte for
 * byte, so every sticky key returns to its revision. Restoring the current state is no change.
 */
import { WeirError } from "../../core/errors.ts";
import { checkOrigins } from "../../core/operations.ts";
import { persist, restore, sameState, type History, type PersistedState } from "./history.ts";
import type { StoredService } from "./outcome.ts";
import type { ServiceTable } from "./service-table.ts";
import { serviceChange, type Plan } from "./write-path.ts";

export function rollbackPlan(services: ServiceTable, history: History, stack: string, name: string, to?: number): Plan<StoredService> {
  const id = `${stack}/${name}`;
  const current = services.load(id);
  let target: PersistedState | null;
  let label: string;
  if (to === undefined) {
    const last = history.latest(id);
    if (!last) {
      if (!current) throw new WeirError("not_found", `no service ${id}`);
      throw new WeirError("invalid", `${id} has no history to roll back`);
    }
    target = last.before;
    if (target === null) throw new WeirError("invalid", `${id} did not exist before config version ${last.configVersion}; nothing to roll back to`);
    label = `before config version ${last.configVersion}`;
  } else {
    if (!history.has(id) && !current) throw new WeirError("not_found", `no service ${id}`);
    const version = services.version();
    if (to > version) throw new WeirError("invalid", `config version ${to} does not exist yet (current: ${version})`);
    target = history.stateAt(id, to);
    if (target === null) throw new WeirError("invalid", `${id} did not exist at config version ${to}`);
    label = `config version ${to}`;
  }
  if (current && sameState(persist(current), target)) {
    return { changes: [], result: () => services.stored(id) as StoredService };
  }
  const after = restore(target);
  checkOrigins([...after.service.origins, ...after.service.revisions.flatMap((r) => r.origins)], services.served());
  return serviceChange(services, id, current, after, "rollback", `rollback ${id} to ${label}`);
}
