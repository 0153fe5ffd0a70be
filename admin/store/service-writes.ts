/**
 * @module admin/store/service-writes
 * The plans of the service writes of DESIGN §2 (run, stage, weight, promote, rm): each
 * reads the current state, applies the pure operation from core/operations.ts and returns
 * the change for the write path, which runs it inside its transaction. A change to a
 * service's config that is not a weight (traffic rules, later) is one more `edit`.
 */
import { WeirError } from "../../core/errors.ts";
import {
  checkOrigins,
  newService,
  promote,
  removeRevision,
  setWeights,
  stageRevision,
  type ServiceState,
} from "../../core/operations.ts";
import { addRule, removeRule, setRules } from "../../core/rule-operations.ts";
import type { Rule } from "../../core/rule-schema.ts";
import type { StoredService } from "./outcome.ts";
import type { Rollouts } from "./rollouts.ts";
import type { ServiceTable } from "./service-table.ts";
import { serviceChange, type Plan } from "./write-path.ts";

export interface CreateServiceInput {
  name: string;
  origins: string[];
  version: string;
  affinity: string;
  revisionHeader: boolean;
}

export class ServiceWrites {
  constructor(
    private readonly services: ServiceTable,
    private readonly rollouts: Rollouts,
  ) {}

  create(input: CreateServiceInput): Plan<StoredService> {
    const [stack, name] = input.name.split("/");
    const id = `${stack}/${name}`;
    if (this.services.load(id) !== null) throw new WeirError("conflict", `service ${id} already exists`);
    checkOrigins(input.origins, this.services.served());
    const after = newService({ ...input, stack, name }, now());
    return serviceChange(this.services, id, null, after, "run", `run ${id} (${after.service.version}) → ${input.origins.join(", ")}`);
  }

  stage(stack: string, name: string, input: { version: string; origins: string[]; weight: number }): Plan<StoredService> {
    return this.edit(stack, name, "stage", `stage ${stack}/${name}:${input.version} at ${input.weight / 100}%`, (state) => {
      checkOrigins(input.origins, this.services.served());
      return stageRevision(state, input, now());
    });
  }

  /** Weights in bp by staged version; all change atomically. */
  setWeights(actor: string, stack: string, name: string, weights: Record<string, number>, force?: boolean): Plan<StoredService> {
    const text = Object.entries(weights).map(([v, bp]) => `${v}=${bp / 100}%`).join(" ");
    return this.edit(stack, name, "weight", `weight ${stack}/${name} ${text}`, (state, id) => {
      this.rollouts.guard(id, force, actor);
      return setWeights(state, weights);
    });
  }

  promote(actor: string, stack: string, name: string, version: string, force?: boolean): Plan<StoredService> {
    const { id, state } = this.services.existing(stack, name);
    this.rollouts.guard(id, force, actor);
    const after = promote(state, version);
    const moved = state.domains.filter((d) => d.version === state.service.version).map((d) => d.host);
    const note = moved.length === 0 ? "" : `; ${moved.join(", ")} now pinned to ${version}`;
    return serviceChange(this.services, id, state, after, "promote", `promote ${id}:${version} (was ${state.service.version}${note})`);
  }

  removeRevision(stack: string, name: string, version: string): Plan<StoredService> {
    return this.edit(stack, name, "rm", `rm ${stack}/${name}:${version}`, (state) => removeRevision(state, version));
  }

  /** Traffic rules (DESIGN §10): the whole ordered list. */
  setRules(stack: string, name: string, rules: Rule[]): Plan<StoredService> {
    const list = rules.length === 0 ? "none" : rules.map((r) => r.name).join(", ");
    return this.edit(stack, name, "rules", `rules ${stack}/${name}: ${list}`, (state) => setRules(state, rules));
  }

  addRule(stack: string, name: string, rule: Rule, before?: string): Plan<StoredService> {
    const where = before === undefined ? "" : ` before ${before}`;
    return this.edit(stack, name, "route add", `route add ${stack}/${name} ${rule.name}${where}`, (state) => addRule(state, rule, before));
  }

  removeRule(stack: string, name: string, rule: string): Plan<StoredService> {
    return this.edit(stack, name, "route rm", `route rm ${stack}/${name} ${rule}`, (state) => removeRule(state, rule));
  }

  removeService(stack: string, name: string): Plan<{ service: string }> {
    const { id, state } = this.services.existing(stack, name);
    return {
      changes: [{ id, before: state, after: null, operation: "rm", summary: `rm ${id}` }],
      result: () => ({ service: id }),
    };
  }

  /** One change to an existing service (404 when it does not exist), answered with the service. */
  private edit(
    stack: string,
    name: string,
    operation: string,
    summary: string,
    change: (state: ServiceState, id: string) => ServiceState,
  ): Plan<StoredService> {
    const { id, state } = this.services.existing(stack, name);
    return serviceChange(this.services, id, state, change(state, id), operation, summary);
  }
}

function now(): string {
  return new Date().toISOString();
}
