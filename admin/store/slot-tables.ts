/**
 * @module admin/store/slot-tables
 * The `slot_tables` table: every slot table history refers to, stored once (issue 9 item
 * 10). History rows name tables by id (`before_table`, `after_table`), so a change that
 * leaves the slots alone, and a rollback to a table already stored, store nothing new. A
 * table is kept as a diff against the one it came from (core/slot-table-diff.ts: a weight
 * change moves few slots) unless the diff is large or the chain of diffs long; then whole.
 */
import { applySlotDiff, diffSlotBytes, initialSlotBytes, sameSlotBytes } from "../../core/slot-table-diff.ts";
import { SLOT_BYTES, slotTableBytes, slotTableFromBytes, type SlotTable } from "../../core/slot-table.ts";

/** `base` of a diff against a new service's table (ids start at 1). */
const INITIAL = 0;
/** The most diffs between a stored table and a whole one: bounds the work of reading one. */
const MAX_DEPTH = 16;

interface TableRow extends Record<string, SqlStorageValue> {
  id: number;
  labels: string;
  clock: number;
  base: number | null;
  depth: number;
  data: ArrayBuffer;
}

/** A stored table and its id, to diff the next one against. */
export interface KnownTable {
  id: number;
  table: SlotTable;
}

function sameTable(a: SlotTable, b: SlotTable): boolean {
  return a.clock === b.clock && JSON.stringify(a.labels) === JSON.stringify(b.labels) && sameSlotBytes(slotTableBytes(a), slotTableBytes(b));
}

function blob(bytes: Uint8Array): ArrayBuffer {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? (bytes.buffer as ArrayBuffer) : (bytes.slice().buffer as ArrayBuffer);
}

export class SlotTables {
  constructor(private readonly sql: SqlStorage) {}

  /**
   * Stores `table` (the service's table after config version `configVersion`) and returns
   * its id; the id of `previous` when the table is the same (nothing stored).
   */
  store(service: string, configVersion: number, table: SlotTable, previous: KnownTable | null): number {
    if (previous && sameTable(previous.table, table)) return previous.id;
    const bytes = slotTableBytes(table);
    let base: number | null = null;
    let depth = 0;
    let data = bytes;
    const baseDepth = previous ? this.depth(previous.id) : 0;
    if (baseDepth < MAX_DEPTH) {
      const diff = diffSlotBytes(previous ? slotTableBytes(previous.table) : initialSlotBytes(), bytes);
      if (diff.length < SLOT_BYTES / 2) {
        base = previous ? previous.id : INITIAL;
        depth = baseDepth + 1;
        data = diff;
      }
    }
    return this.sql
      .exec<{ id: number }>(
        `INSERT INTO slot_tables (service, config_version, labels, clock, base, depth, data) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
        service,
        configVersion,
        JSON.stringify(table.labels),
        table.clock,
        base,
        depth,
        blob(data),
      )
      .one().id;
  }

  /** The table with this id, its diffs applied. */
  get(id: number): SlotTable {
    const head = this.row(id);
    return slotTableFromBytes(this.bytes(head), JSON.parse(head.labels) as (string | null)[], head.clock);
  }

  /**
   * Deletes tables nothing refers to any more. A table kept whose diff is against one of
   * them is first rewritten whole, so every kept table can still be read.
   */
  remove(ids: ReadonlySet<number>): void {
    if (ids.size === 0) return;
    for (const id of ids) {
      const dependents = this.sql.exec<{ id: number }>(`SELECT id FROM slot_tables WHERE base = ?`, id).toArray();
      for (const d of dependents) if (!ids.has(d.id)) this.materialize(d.id);
    }
    for (const id of ids) this.sql.exec(`DELETE FROM slot_tables WHERE id = ?`, id);
  }

  /** Rewrites a table whole (its base is about to go). */
  private materialize(id: number): void {
    const bytes = this.bytes(this.row(id));
    this.sql.exec(`UPDATE slot_tables SET base = NULL, depth = 0, data = ? WHERE id = ?`, blob(bytes), id);
  }

  private depth(id: number): number {
    return this.sql.exec<{ depth: number }>(`SELECT depth FROM slot_tables WHERE id = ?`, id).one().depth;
  }

  private row(id: number): TableRow {
    const row = this.sql.exec<TableRow>(`SELECT id, labels, clock, base, depth, data FROM slot_tables WHERE id = ?`, id).toArray()[0];
    if (!row) throw new Error(`slot table ${id} is missing`);
    return row;
  }

  /** The slot bytes of a row: its diffs applied, oldest first, to the whole table they start from. */
  private bytes(head: TableRow): Uint8Array {
    const diffs: Uint8Array[] = [];
    let row = head;
    while (row.base !== null) {
      diffs.push(new Uint8Array(row.data));
      if (row.base === INITIAL) break;
      row = this.row(row.base);
    }
    let bytes = row.base === INITIAL ? initialSlotBytes() : new Uint8Array(row.data);
    for (let i = diffs.length - 1; i >= 0; i--) bytes = applySlotDiff(bytes, diffs[i]);
    return bytes;
  }
}
