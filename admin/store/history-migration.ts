/**
 * @module admin/store/history-migration
 * Layout 1 → 2 (admin/store/schema.ts): history rows that carried both slot tables inline
 * (`before_slots`, `after_slots`, about 80 KB each) become rows that name tables in
 * `slot_tables`, each stored once, and only the latest HISTORY_KEEP rows are moved; the
 * older ones are counted in `history_pruned`. Row ids and config versions are kept, so
 * `weir history` and `rollback --to` read as before. Runs once, inside the transaction of
 * the first start of the new code on an old database (a user's `.wrangler` state).
 */
import { decodeSlotTable, type EncodedSlotTable } from "../../core/slot-table.ts";
import type { KnownTable, SlotTables } from "./slot-tables.ts";

interface V1Row extends Record<string, SqlStorageValue> {
  id: number;
  config_version: number;
  at: string;
  actor: string;
  operation: string;
  summary: string;
  service: string;
  before: string | null;
  before_slots: string | null;
  after: string | null;
  after_slots: string | null;
}

export function migrateHistoryV1(sql: SqlStorage, tables: SlotTables, keep: number): void {
  const total = sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM history_v1`).one().n;
  const cut = Math.max(0, total - keep);
  // the id of the newest row no longer kept (0: every row is kept)
  const lastPruned = cut === 0 ? 0 : sql.exec<{ id: number }>(`SELECT id FROM history_v1 ORDER BY id LIMIT 1 OFFSET ?`, cut - 1).one().id;
  sql.exec(
    `INSERT INTO history_pruned (service, entries, first_version, last_version, last_at)
     SELECT service, COUNT(*), MIN(config_version), MAX(config_version), MAX(at) FROM history_v1 WHERE id <= ? GROUP BY service`,
    lastPruned,
  );

  // One service at a time, so only its latest table is held in memory.
  const services = sql.exec<{ service: string }>(`SELECT DISTINCT service FROM history_v1 WHERE id > ?`, lastPruned).toArray();
  const latest = new Map<string, number>();
  for (const { service } of services) {
    let last: KnownTable | null = null;
    const ids = sql.exec<{ id: number }>(`SELECT id FROM history_v1 WHERE service = ? AND id > ? ORDER BY id`, service, lastPruned).toArray();
    // Row by row: a row holds two tables of about 80 KB each.
    for (const { id } of ids) {
      const row = sql.exec<V1Row>(`SELECT * FROM history_v1 WHERE id = ?`, id).one();
      let beforeTable: number | null = null;
      if (row.before_slots !== null) {
        const table = decodeSlotTable(JSON.parse(row.before_slots) as EncodedSlotTable);
        beforeTable = tables.store(service, row.config_version, table, last);
        last = { id: beforeTable, table };
      }
      let afterTable: number | null = null;
      if (row.after_slots !== null) {
        const table = decodeSlotTable(JSON.parse(row.after_slots) as EncodedSlotTable);
        afterTable = tables.store(service, row.config_version, table, last);
        last = { id: afterTable, table };
      }
      sql.exec(
        `INSERT INTO history (id, config_version, at, actor, operation, summary, service, before, before_table, after, after_table)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        row.id,
        row.config_version,
        row.at,
        row.actor,
        row.operation,
        row.summary,
        service,
        row.before,
        beforeTable,
        row.after,
        afterTable,
      );
    }
    // The service's current table is its last history entry's, unless that was its removal.
    const current = sql.exec<{ slots: string; config_version: number }>(`SELECT slots, config_version FROM services WHERE id = ?`, service).toArray()[0];
    if (current && last) {
      latest.set(service, tables.store(service, current.config_version, decodeSlotTable(JSON.parse(current.slots) as EncodedSlotTable), last));
    }
  }
  for (const { id } of sql.exec<{ id: string }>(`SELECT id FROM services`).toArray()) {
    let table = latest.get(id);
    if (table === undefined) {
      const row = sql.exec<{ slots: string; config_version: number }>(`SELECT slots, config_version FROM services WHERE id = ?`, id).one();
      table = tables.store(id, row.config_version, decodeSlotTable(JSON.parse(row.slots) as EncodedSlotTable), null);
    }
    sql.exec(`UPDATE services SET slot_table = ? WHERE id = ?`, table, id);
  }
}
