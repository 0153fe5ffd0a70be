/**
 * @module admin/store/history
 * The `history` table: one row per service changed by a config version, with who, when,
 * what, and the state before and after. A state is its summary (config, slots per
 * version, domains: JSON in the row) and its slot table, stored once in `slot_tables` and
 * named by id, so rollback restores it byte for byte. Appended by the write path inside
 * its transaction, which also keeps history to the latest HISTORY_KEEP entries: older ones
 * are deleted and counted per service in `history_pruned`, and tables no kept entry (and
 * no service) refers to go with them.
 */
import type { ServiceState } from "../../core/operations.ts";
import type { SlotTable } from "../../core/slot-table.ts";
import { slotCounts } from "../../core/slot-table.ts";
import type { HistoryEntry, HistoryState, PrunedHistory } from "./outcome.ts";
import type { KnownTable, SlotTables } from "./slot-tables.ts";

/** Entries kept when HISTORY_KEEP is not set. */
export const DEFAULT_HISTORY_KEEP = 1_000;

/** HISTORY_KEEP as a count of entries (at least 1); the default when unset or not a positive integer. */
export function historyKeep(text: string | undefined): number {
  if (text === undefined || text.trim() === "") return DEFAULT_HISTORY_KEEP;
  const n = Number(text);
  if (Number.isInteger(n) && n >= 1) return n;
  console.warn(`HISTORY_KEEP=${JSON.stringify(text)} is not a positive integer; keeping ${DEFAULT_HISTORY_KEEP} entries`);
  return DEFAULT_HISTORY_KEEP;
}

/** A state as history holds it: its summary, and the id of its slot table in `slot_tables`. */
export interface StoredState {
  summary: HistoryState;
  table: number;
}

export function summarize(state: ServiceState, ruleTables?: Record<string, number>): HistoryState {
  const summary: HistoryState = { service: state.service, slots: Object.fromEntries(slotCounts(state.table)), domains: state.domains };
  if (ruleTables !== undefined) summary.ruleTables = ruleTables;
  return summary;
}

/** What one history row records. */
export interface HistoryRecord extends Omit<HistoryEntry, "before" | "after"> {
  before: ServiceState | null;
  after: ServiceState | null;
  /** id of the before state's table, when known (the service row names it) */
  beforeTable: number | null;
  /** id of a stored table equal to the after state's (a rollback restores one) */
  afterTable?: number;
}

const HISTORY_COLUMNS = "config_version, at, actor, ip, operation, summary, service, before, after";

interface HistoryRow extends Record<string, SqlStorageValue> {
  config_version: number;
  at: string;
  actor: string;
  ip: string | null;
  operation: string;
  summary: string;
  service: string;
  before: string | null;
  after: string | null;
}

function stored(summary: string | null, table: number | null): StoredState | null {
  return summary === null || table === null ? null : { summary: JSON.parse(summary) as HistoryState, table };
}

/** The stack of a `service` column (`stack/name`), in SQL. */
const STACK_OF_SERVICE = "substr(service, 1, instr(service, '/') - 1)";

interface PrunedRow extends Record<string, SqlStorageValue> {
  service: string;
  entries: number;
  first_version: number;
  last_version: number;
  last_at: string;
}

export class History {
  constructor(
    private readonly sql: SqlStorage,
    private readonly tables: SlotTables,
  ) {}

  /** Inside the write transaction; returns the id of the after state's table (null: removed). */
  append(record: HistoryRecord): number | null {
    const { before, after, service, configVersion } = record;
    const beforeTable = before ? (record.beforeTable ?? this.tables.store(service, configVersion, before.table, null)) : null;
    const afterTable = after
      ? (record.afterTable ?? this.tables.store(service, configVersion, after.table, before ? { id: beforeTable as number, table: before.table } : null))
      : null;
    // Rule splits' tables (DESIGN §10) go to `slot_tables` too, each stored against the same
    // rule's previous table, and the summary names them by id.
    const beforeRules = before ? this.storeRuleTables(service, configVersion, before, this.lastRuleTables(service)) : undefined;
    const afterRules = after ? this.storeRuleTables(service, configVersion, after, beforeRules?.known ?? new Map()) : undefined;
    this.sql.exec(
      `INSERT INTO history (config_version, at, actor, ip, operation, summary, service, before, before_table, after, after_table)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      configVersion,
      record.at,
      record.actor,
      record.ip,
      record.operation,
      record.summary,
      service,
      before ? JSON.stringify(summarize(before, beforeRules?.ids)) : null,
      beforeTable,
      after ? JSON.stringify(summarize(after, afterRules?.ids)) : null,
      afterTable,
    );
    return afterTable;
  }

  /** The rule tables the service's latest entry left, by rule name (to store the next ones against). */
  private lastRuleTables(service: string): Map<string, KnownTable> {
    const row = this.sql.exec<{ after: string | null }>(`SELECT after FROM history WHERE service = ? ORDER BY id DESC LIMIT 1`, service).toArray()[0];
    const ids = row?.after ? (JSON.parse(row.after) as HistoryState).ruleTables : undefined;
    return new Map(Object.entries(ids ?? {}).map(([name, id]) => [name, { id, table: this.tables.get(id) }]));
  }

  private storeRuleTables(service: string, configVersion: number, state: ServiceState, known: ReadonlyMap<string, KnownTable>) {
    const ids: Record<string, number> = {};
    const stored = new Map<string, KnownTable>();
    for (const [name, table] of state.ruleTables ?? new Map<string, SlotTable>()) {
      const id = this.tables.store(service, configVersion, table, known.get(name) ?? null);
      ids[name] = id;
      stored.set(name, { id, table });
    }
    return { ids: stored.size > 0 ? ids : undefined, known: stored };
  }

  /** The rule split tables a stored state names, decoded. */
  ruleTablesOf(state: StoredState): Map<string, SlotTable> {
    return new Map(Object.entries(state.summary.ruleTables ?? {}).map(([name, id]) => [name, this.tables.get(id)]));
  }

  /**
   * The latest `limit` entries (of one service; of some stacks only: a token's scope, applied
   * before the limit so a scoped token still gets `limit` entries), oldest first.
   */
  list(filter: { service?: string; limit?: number; stacks?: readonly string[] } = {}): HistoryEntry[] {
    const limit = filter.limit ?? 100;
    const where: string[] = [];
    const args: SqlStorageValue[] = [];
    if (filter.service !== undefined) {
      where.push("service = ?");
      args.push(filter.service);
    }
    if (filter.stacks !== undefined) {
      if (filter.stacks.length === 0) return [];
      where.push(`${STACK_OF_SERVICE} IN (${filter.stacks.map(() => "?").join(", ")})`);
      args.push(...filter.stacks);
    }
    const clause = where.length === 0 ? "" : `WHERE ${where.join(" AND ")}`;
    const rows = this.sql.exec<HistoryRow>(`SELECT ${HISTORY_COLUMNS} FROM history ${clause} ORDER BY id DESC LIMIT ?`, ...args, limit).toArray();
    const view = (text: string | null): HistoryState | null => (text === null ? null : (JSON.parse(text) as HistoryState));
    return rows.reverse().map((r) => ({
      configVersion: r.config_version,
      at: r.at,
      actor: r.actor,
      ip: r.ip,
      operation: r.operation,
      summary: r.summary,
      service: r.service,
      before: view(r.before),
      after: view(r.after),
    }));
  }

  /** What was pruned: in all, and per service (of one service, of some stacks, with the filters). */
  pruned(service?: string, stacks?: readonly string[]): PrunedHistory {
    const all =
      service === undefined
        ? this.sql.exec<PrunedRow>(`SELECT service, entries, first_version, last_version, last_at FROM history_pruned ORDER BY service`).toArray()
        : this.sql.exec<PrunedRow>(`SELECT service, entries, first_version, last_version, last_at FROM history_pruned WHERE service = ?`, service).toArray();
    const rows = stacks === undefined ? all : all.filter((r) => stacks.includes(r.service.split("/")[0]));
    const services = rows.map((r) => ({
      service: r.service,
      entries: r.entries,
      firstConfigVersion: r.first_version,
      lastConfigVersion: r.last_version,
      lastAt: r.last_at,
    }));
    return { entries: services.reduce((n, s) => n + s.entries, 0), services };
  }

  /** Pruned entries of one service, if any. */
  prunedOf(service: string): PrunedHistory["services"][number] | undefined {
    return this.pruned(service).services[0];
  }

  /** True when the service has a kept history entry. */
  has(service: string): boolean {
    return this.sql.exec(`SELECT 1 FROM history WHERE service = ? LIMIT 1`, service).toArray().length > 0;
  }

  /** The service's latest kept entry: its config version and the state before it (null: did not exist). */
  latest(service: string): { configVersion: number; before: StoredState | null } | undefined {
    const row = this.sql
      .exec<{ config_version: number; before: string | null; before_table: number | null }>(
        `SELECT config_version, before, before_table FROM history WHERE service = ? ORDER BY id DESC LIMIT 1`,
        service,
      )
      .toArray()[0];
    return row && { configVersion: row.config_version, before: stored(row.before, row.before_table) };
  }

  /** When the service's latest kept entry removed it: that entry, with the state it removed. */
  removal(service: string): { configVersion: number; at: string; before: HistoryState } | undefined {
    const row = this.sql
      .exec<{ config_version: number; at: string; before: string | null; after: string | null }>(
        `SELECT config_version, at, before, after FROM history WHERE service = ? ORDER BY id DESC LIMIT 1`,
        service,
      )
      .toArray()[0];
    if (!row || row.after !== null || row.before === null) return undefined;
    return { configVersion: row.config_version, at: row.at, before: JSON.parse(row.before) as HistoryState };
  }

  /** The service's oldest kept entry: its config version and the state before it. */
  oldest(service: string): { configVersion: number; before: StoredState | null } | undefined {
    const row = this.sql
      .exec<{ config_version: number; before: string | null; before_table: number | null }>(
        `SELECT config_version, before, before_table FROM history WHERE service = ? ORDER BY id LIMIT 1`,
        service,
      )
      .toArray()[0];
    return row && { configVersion: row.config_version, before: stored(row.before, row.before_table) };
  }

  /**
   * The state after the service's latest kept entry at or below config version `to`:
   * undefined when no kept entry is that old, null when the service did not exist then.
   */
  stateAt(service: string, to: number): StoredState | null | undefined {
    const row = this.sql
      .exec<{ after: string | null; after_table: number | null }>(
        `SELECT after, after_table FROM history WHERE service = ? AND config_version <= ? ORDER BY id DESC LIMIT 1`,
        service,
        to,
      )
      .toArray()[0];
    return row ? stored(row.after, row.after_table) : undefined;
  }

  /**
   * Inside the write transaction: deletes the oldest entries beyond `keep`, counts them per
   * service in `history_pruned`, and deletes the slot tables only they referred to.
   */
  prune(keep: number): void {
    const total = this.sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM history`).one().n;
    if (total <= keep) return;
    const rows = this.sql
      .exec<{
        id: number;
        service: string;
        config_version: number;
        at: string;
        before_table: number | null;
        after_table: number | null;
        before: string | null;
        after: string | null;
      }>(`SELECT id, service, config_version, at, before_table, after_table, before, after FROM history ORDER BY id LIMIT ?`, total - keep)
      .toArray();
    for (const r of rows) {
      this.sql.exec(
        `INSERT INTO history_pruned (service, entries, first_version, last_version, last_at) VALUES (?, 1, ?, ?, ?)
         ON CONFLICT (service) DO UPDATE SET entries = entries + 1, first_version = MIN(first_version, excluded.first_version),
           last_version = MAX(last_version, excluded.last_version), last_at = MAX(last_at, excluded.last_at)`,
        r.service,
        r.config_version,
        r.config_version,
        r.at,
      );
    }
    this.sql.exec(`DELETE FROM history WHERE id <= ?`, rows[rows.length - 1].id);
    const unused = new Set<number>();
    for (const r of rows) {
      for (const id of [r.before_table, r.after_table]) {
        if (id === null || unused.has(id)) continue;
        const used =
          this.sql.exec(`SELECT 1 FROM history WHERE before_table = ? OR after_table = ? LIMIT 1`, id, id).toArray().length > 0 ||
          this.sql.exec(`SELECT 1 FROM services WHERE slot_table = ? LIMIT 1`, id).toArray().length > 0;
        if (!used) unused.add(id);
      }
    }
    // Rule split tables are named inside the summaries, and only by the same service's entries.
    const ruleIds = new Map<string, Set<number>>();
    for (const r of rows) {
      for (const text of [r.before, r.after]) {
        const ids = text === null ? undefined : (JSON.parse(text) as HistoryState).ruleTables;
        for (const id of Object.values(ids ?? {})) {
          let set = ruleIds.get(r.service);
          if (!set) ruleIds.set(r.service, (set = new Set()));
          set.add(id);
        }
      }
    }
    for (const [service, ids] of ruleIds) {
      const kept = this.sql.exec<{ before: string | null; after: string | null }>(`SELECT before, after FROM history WHERE service = ?`, service).toArray();
      for (const k of kept) {
        for (const text of [k.before, k.after]) {
          for (const id of Object.values((text === null ? undefined : (JSON.parse(text) as HistoryState).ruleTables) ?? {})) ids.delete(id);
        }
      }
      for (const id of ids) unused.add(id);
    }
    this.tables.remove(unused);
  }
}
