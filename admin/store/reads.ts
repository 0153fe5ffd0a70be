/**
 * @module admin/store/reads
 * What the admin API reads from the ConfigStore: services (ps, inspect), a stack as a
 * stack file (export), what the stats route reports on. Reads never decode a slot table:
 * weights come from its counts.
 */
import { WeirError } from "../../core/errors.ts";
import type { StackFile } from "../../core/model.ts";
import { exportStackFile } from "../../core/stack-file.ts";
import type { History } from "./history.ts";
import type { StatsSubject, StoredService } from "./outcome.ts";
import type { ServiceTable } from "./service-table.ts";

export class Reads {
  constructor(
    private readonly services: ServiceTable,
    private readonly history: History,
  ) {}

  listServices(stack?: string): StoredService[] {
    return this.services.ids(stack).map((id) => this.services.stored(id) as StoredService);
  }

  getService(stack: string, name: string): StoredService {
    const id = `${stack}/${name}`;
    const stored = this.services.stored(id);
    if (!stored) throw new WeirError("not_found", `no service ${id}`);
    return stored;
  }

  /**
   * The versions `GET …/stats` reports: the service's, or, for a service removed by its
   * latest history entry, the ones it had then (its edge statistics are kept until a new
   * service takes the name). 404 otherwise.
   */
  statsSubject(stack: string, name: string): StatsSubject {
    const id = `${stack}/${name}`;
    const current = this.services.stored(id);
    const config = current?.service ?? this.history.removal(id)?.before.service;
    if (!config) throw new WeirError("not_found", `no service ${id}`);
    const versions = [config.version, ...config.revisions.map((r) => r.version)];
    if (current) return { versions };
    const { configVersion, at } = this.history.removal(id) as { configVersion: number; at: string };
    return { versions, removed: { configVersion, at } };
  }

  exportStack(stack: string): StackFile {
    const services = this.services.configs(stack);
    if (services.length === 0) throw new WeirError("not_found", `no stack '${stack}'`);
    return exportStackFile(stack, services);
  }
}
