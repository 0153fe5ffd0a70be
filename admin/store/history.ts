/**
 * @module admin/store/history
 * The `history` table: one row per service changed by a config version, with who, when,
 * what, and the state before and after (slot table included, so rollback can restore it
 * byte for byte). Appended by the write path inside its transaction; read by
 * `GET /v1/history` and by rollback.
 */
import type { ServiceState } from "../../core/operations.ts";
import { decodeRuleTables, encodeStateTables, sameStateTables, type EncodedStateTables } from "../../core/rule-tables.ts";
import { decodeSlotTable, slotCounts } from "../../core/slot-table.ts";
import { sameRouting } from "../../core/stack-file.ts";
import type { HistoryEntry, HistoryState } from "./outcome.ts";

/** A state as history stores it: summary and the encoded slot tables (rule splits' beside the service's), in separate columns. */
export interface PersistedState {
  summary: HistoryState;
  slots: EncodedStateTables;
}

export function persist(state: ServiceState): PersistedState {
  return {
    summary: { service: state.service, slots: Object.fromEntries(slotCounts(state.table)), domains: state.domains },
    slots: encodeStateTables(state.table, state.ruleTables),
  };
}

export function restore(p: PersistedState): ServiceState {
  return { service: p.summary.service, table: decodeSlotTable(p.slots), domains: p.summary.domains, ruleTables: decodeRuleTables(p.slots.rules) };
}

export function sameState(a: PersistedState, b: PersistedState): boolean {
  return (
    sameRouting(a.summary.service, b.summary.service) &&
    sameStateTables(a.slots, b.slots) &&
    JSON.stringify(a.summary.domains) === JSON.stringify(b.summary.domains)
  );
}

function parseState(summary: string | null, slots: string | null): PersistedState | null {
  if (summary === null || slots === null) return null;
  return { summary: JSON.parse(summary) as HistoryState, slots: JSON.parse(slots) as EncodedStateTables };
}

/** What one history row records. */
export interface HistoryRecord {
  configVersion: number;
  at: string;
  actor: string;
  operation: string;
  summary: string;
  service: string;
  before: ServiceState | null;
  after: ServiceState | null;
}

/** History columns without the slot tables: listing history never decodes them. */
const HISTORY_COLUMNS = "config_version, at, actor, operation, summary, service, before, after";

interface HistoryRow extends Record<string, SqlStorageValue> {
  config_version: number;
  at: string;
  actor: string;
  operation: string;
  summary: string;
  service: string;
  before: string | null;
  after: string | null;
}

export class History {
  constructor(private readonly sql: SqlStorage) {}

  /** Inside the write transaction. */
  append(record: HistoryRecord): void {
    const before = record.before ? persist(record.before) : null;
    const after = record.after ? persist(record.after) : null;
    this.sql.exec(
      `INSERT INTO history (config_version, at, actor, operation, summary, service, before, before_slots, after, after_slots)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      record.configVersion,
      record.at,
      record.actor,
      record.operation,
      record.summary,
      record.service,
      before ? JSON.stringify(before.summary) : null,
      before ? JSON.stringify(before.slots) : null,
      after ? JSON.stringify(after.summary) : null,
      after ? JSON.stringify(after.slots) : null,
    );
  }

  /** The latest `limit` entries (of one service), oldest first. */
  list(filter: { service?: string; limit?: number } = {}): HistoryEntry[] {
    const limit = filter.limit ?? 100;
    const rows =
      filter.service === undefined
        ? this.sql.exec<HistoryRow>(`SELECT ${HISTORY_COLUMNS} FROM history ORDER BY id DESC LIMIT ?`, limit).toArray()
        : this.sql
            .exec<HistoryRow>(`SELECT ${HISTORY_COLUMNS} FROM history WHERE service = ? ORDER BY id DESC LIMIT ?`, filter.service, limit)
            .toArray();
    const view = (text: string | null): HistoryState | null => (text === null ? null : (JSON.parse(text) as HistoryState));
    return rows.reverse().map((r) => ({
      configVersion: r.config_version,
      at: r.at,
      actor: r.actor,
      operation: r.operation,
      summary: r.summary,
      service: r.service,
      before: view(r.before),
      after: view(r.after),
    }));
  }

  /** True when the service has any history entry. */
  has(service: string): boolean {
    return this.sql.exec(`SELECT 1 FROM history WHERE service = ? LIMIT 1`, service).toArray().length > 0;
  }

  /** The service's latest entry: its config version and the state before it (null: did not exist). */
  latest(service: string): { configVersion: number; before: PersistedState | null } | undefined {
    const row = this.sql
      .exec<{ config_version: number; before: string | null; before_slots: string | null }>(
        `SELECT config_version, before, before_slots FROM history WHERE service = ? ORDER BY id DESC LIMIT 1`,
        service,
      )
      .toArray()[0];
    return row && { configVersion: row.config_version, before: parseState(row.before, row.before_slots) };
  }

  /** The service's state at config version `to` (after its latest entry at or below it); null if none. */
  stateAt(service: string, to: number): PersistedState | null {
    const row = this.sql
      .exec<{ after: string | null; after_slots: string | null }>(
        `SELECT after, after_slots FROM history WHERE service = ? AND config_version <= ? ORDER BY id DESC LIMIT 1`,
        service,
        to,
      )
      .toArray()[0];
    return row ? parseState(row.after, row.after_slots) : null;
  }
}
