/**
 * @module admin/store/apply
 * The plan of `PUT /v1/stacks/{stack}` (DESIGN §6): each service the file names becomes
 * exactly what it says, in one config version; with `prune`, the stack's other services
 * are removed. An unchanged service is no change, so an unchanged file changes nothing.
 */
import type { StackFile } from "../../core/model.ts";
import { checkOrigins, reconcileService, type ServiceState } from "../../core/operations.ts";
import { declaredService, describeChange, sameRouting } from "../../core/stack-file.ts";
import type { ApplyResult, ServiceChangeSummary } from "./outcome.ts";
import type { ServiceTable } from "./service-table.ts";
import type { Change, Plan } from "./write-path.ts";

export function applyPlan(
  services: ServiceTable,
  stack: string,
  file: StackFile,
  options: { dryRun: boolean; prune: boolean },
): Plan<ApplyResult> {
  const changes: Change[] = [];
  const summaries: ServiceChangeSummary[] = [];
  const now = new Date().toISOString();
  for (const [name, entry] of Object.entries(file.services)) {
    const id = `${stack}/${name}`;
    const current = services.load(id);
    const desired = declaredService(stack, name, entry, current?.service ?? null, now);
    if (current && sameRouting(current.service, desired)) continue;
    checkOrigins([...desired.origins, ...desired.revisions.flatMap((r) => r.origins)], services.served());
    const after = reconcileService(current, desired);
    const action = current ? "update" : "create";
    summaries.push({ service: id, action, changes: describeChange(current?.service ?? null, desired) });
    changes.push({ id, before: current, after, operation: "apply", summary: `apply ${stack}: ${action} ${id}` });
  }
  if (options.prune) {
    const named = new Set(Object.keys(file.services));
    for (const id of services.ids(stack)) {
      const name = id.slice(stack.length + 1);
      if (named.has(name)) continue;
      const current = services.load(id) as ServiceState;
      summaries.push({ service: id, action: "delete", changes: describeChange(current.service, null) });
      changes.push({ id, before: current, after: null, operation: "apply", summary: `apply ${stack}: delete ${id}` });
    }
  }
  return {
    changes,
    result: () => ({ stack, dryRun: options.dryRun, changed: changes.length > 0, services: summaries }),
  };
}
