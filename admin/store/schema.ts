/**
 * @module admin/store/schema
 * The ConfigStore's SQLite tables (docs/storage.md, "Durable Object (ConfigStore)") and
 * their migrations. `meta.schema_version` says which layout a database has; a database
 * from before it (history with its slot tables inline) is layout 1. Every statement is
 * idempotent, so a restart re-runs them harmlessly. A new concern that needs a table
 * (API tokens, origin health) adds its statements here.
 */

/**
 * The layout this code writes: 2 = slot tables stored once, in `slot_tables` (issue 9 item
 * 10); 3 = history records the client IP (issue 11).
 */
export const SCHEMA_VERSION = 3;

export const SCHEMA = [
  // config_version: the global, monotonic config version; outbox_attempts: failed publishes in a row;
  // schema_version: the layout of these tables
  `CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)`,
  // one row per service: config (ServiceConfig JSON), slots (EncodedSlotTable JSON: the current table,
  // whole, so writes need not rebuild it), counts (slots per version, so reads need not decode the
  // table), domains (DomainBinding[] JSON), slot_table (id of the same table in slot_tables)
  `CREATE TABLE IF NOT EXISTS services (
     id TEXT PRIMARY KEY, stack TEXT NOT NULL, name TEXT NOT NULL, config TEXT NOT NULL,
     slots TEXT NOT NULL, counts TEXT NOT NULL, domains TEXT NOT NULL, config_version INTEGER NOT NULL,
     slot_table INTEGER)`,
  `CREATE INDEX IF NOT EXISTS services_stack ON services (stack, name)`,
  // every hostname Weir serves, and who holds it: the uniqueness index of DESIGN §3
  `CREATE TABLE IF NOT EXISTS hostnames (
     host TEXT PRIMARY KEY, service TEXT NOT NULL, kind TEXT NOT NULL, what TEXT NOT NULL)`,
  `CREATE INDEX IF NOT EXISTS hostnames_service ON hostnames (service)`,
  // one row per service changed by a config version; before/after: {service, slots: counts, domains}
  // JSON; before_table/after_table: ids in slot_tables (rollback restores them); NULL when absent;
  // actor: the token's name; ip: the request's client IP (CF-Connecting-IP), NULL for rollout steps
  `CREATE TABLE IF NOT EXISTS history (
     id INTEGER PRIMARY KEY AUTOINCREMENT, config_version INTEGER NOT NULL, at TEXT NOT NULL,
     actor TEXT NOT NULL, operation TEXT NOT NULL, summary TEXT NOT NULL, service TEXT NOT NULL,
     before TEXT, before_table INTEGER, after TEXT, after_table INTEGER, ip TEXT)`,
  `CREATE INDEX IF NOT EXISTS history_service ON history (service, config_version)`,
  `CREATE INDEX IF NOT EXISTS history_before_table ON history (before_table)`,
  `CREATE INDEX IF NOT EXISTS history_after_table ON history (after_table)`,
  // every slot table history refers to, once: whole (base NULL) or a diff against the table
  // `base` (0: a new service's table), core/slot-table-diff.ts; depth: diffs down to a whole one
  `CREATE TABLE IF NOT EXISTS slot_tables (
     id INTEGER PRIMARY KEY AUTOINCREMENT, service TEXT NOT NULL, config_version INTEGER NOT NULL,
     labels TEXT NOT NULL, clock INTEGER NOT NULL, base INTEGER, depth INTEGER NOT NULL, data BLOB NOT NULL)`,
  `CREATE INDEX IF NOT EXISTS slot_tables_base ON slot_tables (base)`,
  // history entries deleted beyond HISTORY_KEEP, counted per service
  `CREATE TABLE IF NOT EXISTS history_pruned (
     service TEXT PRIMARY KEY, entries INTEGER NOT NULL, first_version INTEGER NOT NULL,
     last_version INTEGER NOT NULL, last_at TEXT NOT NULL)`,
  // route records to publish to KV, in seq order; record NULL means delete the key
  `CREATE TABLE IF NOT EXISTS outbox (
     seq INTEGER PRIMARY KEY AUTOINCREMENT, config_version INTEGER NOT NULL, key TEXT NOT NULL, record TEXT)`,
  // named timers multiplexed on the one Durable Object alarm ("outbox", "rollout:<service>")
  `CREATE TABLE IF NOT EXISTS timers (name TEXT PRIMARY KEY, due INTEGER NOT NULL)`,
  // API tokens (admin/store/tokens.ts): stacks JSON; hash: SHA-256 of the secret (32 bytes), never
  // the secret; lookup: hex of its first 8 bytes, the index a presented secret is found by
  `CREATE TABLE IF NOT EXISTS tokens (
     name TEXT PRIMARY KEY, role TEXT NOT NULL, stacks TEXT NOT NULL, lookup TEXT NOT NULL, hash BLOB NOT NULL,
     created_at TEXT NOT NULL, created_by TEXT NOT NULL, expires_at TEXT, last_used_at TEXT)`,
  `CREATE INDEX IF NOT EXISTS tokens_lookup ON tokens (lookup)`,
];

function tableExists(sql: SqlStorage, name: string): boolean {
  return sql.exec(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`, name).toArray().length > 0;
}

/** The layout of the database: 0 when empty, 1 before `schema_version` existed. */
export function schemaVersion(sql: SqlStorage): number {
  if (!tableExists(sql, "meta")) return 0;
  const row = sql.exec<{ value: number }>(`SELECT value FROM meta WHERE key = 'schema_version'`).toArray()[0];
  if (row) return row.value;
  return tableExists(sql, "history") ? 1 : 0;
}

/**
 * Brings the tables to SCHEMA_VERSION; call inside a transaction. From layout 1 the old
 * history table is kept aside as `history_v1` while `fromV1` moves its rows into the new
 * layout, then dropped.
 */
export function migrate(sql: SqlStorage, fromV1: () => void): void {
  const from = schemaVersion(sql);
  if (from > SCHEMA_VERSION) throw new Error(`the ConfigStore's tables have layout ${from}, newer than this Weir (${SCHEMA_VERSION})`);
  if (from === 1) {
    sql.exec(`ALTER TABLE history RENAME TO history_v1`);
    sql.exec(`DROP INDEX IF EXISTS history_service`);
    sql.exec(`ALTER TABLE services ADD COLUMN slot_table INTEGER`);
  }
  // layout 1's history is rebuilt below with the column; layout 2's gains it (old entries: NULL)
  if (from === 2) sql.exec(`ALTER TABLE history ADD COLUMN ip TEXT`);
  for (const statement of SCHEMA) sql.exec(statement);
  if (from === 1) {
    fromV1();
    sql.exec(`DROP TABLE history_v1`);
  }
  sql.exec(
    `INSERT INTO meta (key, value) VALUES ('schema_version', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
    SCHEMA_VERSION,
  );
}
