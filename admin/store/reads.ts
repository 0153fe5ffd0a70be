/**
 * @module admin/store/reads
 * What the admin API reads from the ConfigStore: services (ps, inspect) and a stack as a
 * stack file (export). Reads never decode a slot table: weights come from its counts.
 */
import { WeirError } from "../../core/errors.ts";
import type { StackFile } from "../../core/model.ts";
import { exportStackFile } from "../../core/stack-file.ts";
import type { StoredService } from "./outcome.ts";
import type { ServiceTable } from "./service-table.ts";

export class Reads {
  constructor(private readonly services: ServiceTable) {}

  listServices(stack?: string): StoredService[] {
    return this.services.ids(stack).map((id) => this.services.stored(id) as StoredService);
  }

  getService(stack: string, name: string): StoredService {
    const id = `${stack}/${name}`;
    const stored = this.services.stored(id);
    if (!stored) throw new WeirError("not_found", `no service ${id}`);
    return stored;
  }

  exportStack(stack: string): StackFile {
    const services = this.services.configs(stack);
    if (services.length === 0) throw new WeirError("not_found", `no stack '${stack}'`);
    return exportStackFile(stack, services);
  }
}
