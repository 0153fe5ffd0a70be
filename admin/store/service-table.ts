/**
 * @module admin/store/service-table
 * The rows that hold the current routing state: `services` (config, slot table and domains
 * of each service), `hostnames` (the uniqueness index of DESIGN §3) and the config version
 * in `meta`. Every other part of the ConfigStore reads and writes them through here; only
 * the write path changes them, inside its transaction.
 */
import { WeirError } from "../../core/errors.ts";
import { defaultAdminHost } from "../../core/hostnames.ts";
import type { ServiceConfig } from "../../core/model.ts";
import type { ServedHosts, ServiceState } from "../../core/operations.ts";
import type { DomainBinding } from "../../core/route-record.ts";
import { decodeRuleTables, encodeStateTables, type EncodedStateTables } from "../../core/rule-tables.ts";
import { decodeSlotTable, slotCounts } from "../../core/slot-table.ts";
import type { Env } from "../../worker/env.ts";
import type { StoredService } from "./outcome.ts";

/** A hostname's holder, as the `hostnames` index records it. */
export interface HostHolder {
  service: string;
  kind: string;
  /** the phrase a 409 quotes, e.g. "the service host of test/svc" */
  what: string;
}

export class ServiceTable {
  constructor(
    private readonly sql: SqlStorage,
    private readonly env: Pick<Env, "BASE_DOMAIN" | "ADMIN_HOST">,
  ) {}

  // ---- config version ----

  version(): number {
    const row = this.sql.exec<{ value: number }>(`SELECT value FROM meta WHERE key = 'config_version'`).toArray()[0];
    return row?.value ?? 0;
  }

  setVersion(configVersion: number): void {
    this.sql.exec(
      `INSERT INTO meta (key, value) VALUES ('config_version', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
      configVersion,
    );
  }

  // ---- services ----

  load(id: string): ServiceState | null {
    const row = this.sql
      .exec<{ config: string; slots: string; domains: string }>(`SELECT config, slots, domains FROM services WHERE id = ?`, id)
      .toArray()[0];
    if (!row) return null;
    // `slots` holds the service's table and, beside it, each rule split's (core/rule-tables.ts)
    const slots = JSON.parse(row.slots) as EncodedStateTables;
    return {
      service: JSON.parse(row.config) as ServiceConfig,
      table: decodeSlotTable(slots),
      domains: JSON.parse(row.domains) as DomainBinding[],
      ruleTables: decodeRuleTables(slots.rules),
    };
  }

  /** The service named in a path, or 404. */
  existing(stack: string, name: string): { id: string; state: ServiceState } {
    const id = `${stack}/${name}`;
    const state = this.load(id);
    if (!state) throw new WeirError("not_found", `no service ${id}`);
    return { id, state };
  }

  /** A service as the admin API reads it, without decoding its slot table. */
  stored(id: string): StoredService | null {
    const row = this.sql
      .exec<{ config: string; counts: string; domains: string; config_version: number }>(
        `SELECT config, counts, domains, config_version FROM services WHERE id = ?`,
        id,
      )
      .toArray()[0];
    if (!row) return null;
    return {
      service: JSON.parse(row.config) as ServiceConfig,
      slots: JSON.parse(row.counts) as Record<string, number>,
      configVersion: row.config_version,
      domains: JSON.parse(row.domains) as DomainBinding[],
    };
  }

  /** Ids of every service, or of one stack's, by stack then name. */
  ids(stack?: string): string[] {
    const rows =
      stack === undefined
        ? this.sql.exec<{ id: string }>(`SELECT id FROM services ORDER BY stack, name`).toArray()
        : this.sql.exec<{ id: string }>(`SELECT id FROM services WHERE stack = ? ORDER BY name`, stack).toArray();
    return rows.map((r) => r.id);
  }

  /** Configs of a stack's services (export). */
  configs(stack: string): ServiceConfig[] {
    return this.sql
      .exec<{ config: string }>(`SELECT config FROM services WHERE stack = ?`, stack)
      .toArray()
      .map((r) => JSON.parse(r.config) as ServiceConfig);
  }

  /** Every service's config with its id (checks across all services). */
  allConfigs(): { id: string; config: ServiceConfig }[] {
    return this.sql
      .exec<{ id: string; config: string }>(`SELECT id, config FROM services`)
      .toArray()
      .map((r) => ({ id: r.id, config: JSON.parse(r.config) as ServiceConfig }));
  }

  /** Every service's custom domains, by service id. */
  domainsByService(): { id: string; domains: DomainBinding[] }[] {
    return this.sql
      .exec<{ id: string; domains: string }>(`SELECT id, domains FROM services ORDER BY id`)
      .toArray()
      .map((r) => ({ id: r.id, domains: JSON.parse(r.domains) as DomainBinding[] }));
  }

  /** The id in `slot_tables` of the service's current table (null: none recorded). */
  tableId(id: string): number | null {
    return this.sql.exec<{ slot_table: number | null }>(`SELECT slot_table FROM services WHERE id = ?`, id).toArray()[0]?.slot_table ?? null;
  }

  /**
   * Inside the write transaction: the service's row as `after` says, at `configVersion`;
   * `slotTable` is the id of the same table in `slot_tables`.
   */
  put(id: string, after: ServiceState, configVersion: number, slotTable: number | null): void {
    this.sql.exec(
      `INSERT INTO services (id, stack, name, config, slots, counts, domains, config_version, slot_table) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET config = excluded.config, slots = excluded.slots, counts = excluded.counts,
         domains = excluded.domains, config_version = excluded.config_version, slot_table = excluded.slot_table`,
      id,
      after.service.stack,
      after.service.name,
      JSON.stringify(after.service),
      JSON.stringify(encodeStateTables(after.table, after.ruleTables)),
      JSON.stringify(Object.fromEntries(slotCounts(after.table))),
      JSON.stringify(after.domains),
      configVersion,
      slotTable,
    );
  }

  remove(id: string): void {
    this.sql.exec(`DELETE FROM services WHERE id = ?`, id);
  }

  // ---- hostnames ----

  holder(host: string): HostHolder | undefined {
    return this.sql.exec<{ service: string; kind: string; what: string }>(`SELECT service, kind, what FROM hostnames WHERE host = ?`, host).toArray()[0];
  }

  /** Inside the write transaction: the hostnames `id` serves become exactly `hosts`. */
  setHostnames(id: string, hosts: ReadonlyMap<string, { kind: string; what: string }>): void {
    this.sql.exec(`DELETE FROM hostnames WHERE service = ?`, id);
    for (const [host, { kind, what }] of hosts) {
      this.sql.exec(`INSERT INTO hostnames (host, service, kind, what) VALUES (?, ?, ?, ?)`, host, id, kind, what);
    }
  }

  /** Hostnames an origin must not point at. */
  served(): ServedHosts {
    const domains = this.sql
      .exec<{ host: string }>(`SELECT host FROM hostnames WHERE kind = 'domain'`)
      .toArray()
      .map((r) => r.host);
    return {
      baseDomain: this.env.BASE_DOMAIN,
      adminHost: this.env.ADMIN_HOST || defaultAdminHost(this.env.BASE_DOMAIN),
      domains,
    };
  }
}
