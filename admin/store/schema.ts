/**
 * @module admin/store/schema
 * The ConfigStore's SQLite tables (docs/storage.md, "Durable Object (ConfigStore)").
 * Created on first use; `IF NOT EXISTS` keeps a restart idempotent.
 */

export const SCHEMA = [
  // config_version: the global, monotonic config version; outbox_attempts: failed publishes in a row
  `CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)`,
  // one row per service: config (ServiceConfig JSON), slots (EncodedSlotTable JSON), counts (slots
  // per version, so reads need not decode the table), domains (DomainBinding[] JSON)
  `CREATE TABLE IF NOT EXISTS services (
     id TEXT PRIMARY KEY, stack TEXT NOT NULL, name TEXT NOT NULL, config TEXT NOT NULL,
     slots TEXT NOT NULL, counts TEXT NOT NULL, domains TEXT NOT NULL, config_version INTEGER NOT NULL)`,
  `CREATE INDEX IF NOT EXISTS services_stack ON services (stack, name)`,
  // every hostname Weir serves, and who holds it: the uniqueness index of DESIGN §3
  `CREATE TABLE IF NOT EXISTS hostnames (
     host TEXT PRIMARY KEY, service TEXT NOT NULL, kind TEXT NOT NULL, what TEXT NOT NULL)`,
  `CREATE INDEX IF NOT EXISTS hostnames_service ON hostnames (service)`,
  // one row per service changed by a config version; before/after: {service, counts, domains}
  // JSON, *_slots: the EncodedSlotTable JSON (rollback restores it); NULL when absent;
  // actor: the token's name; ip: the client IP of the request (CF-Connecting-IP) or NULL
  `CREATE TABLE IF NOT EXISTS history (
     id INTEGER PRIMARY KEY AUTOINCREMENT, config_version INTEGER NOT NULL, at TEXT NOT NULL,
     actor TEXT NOT NULL, operation TEXT NOT NULL, summary TEXT NOT NULL, service TEXT NOT NULL,
     before TEXT, before_slots TEXT, after TEXT, after_slots TEXT, ip TEXT)`,
  `CREATE INDEX IF NOT EXISTS history_service ON history (service, config_version)`,
  // route records to publish to KV, in seq order; record NULL means delete the key
  `CREATE TABLE IF NOT EXISTS outbox (
     seq INTEGER PRIMARY KEY AUTOINCREMENT, config_version INTEGER NOT NULL, key TEXT NOT NULL, record TEXT)`,
  // named timers multiplexed on the one Durable Object alarm ("outbox", later "rollout:<service>")
  `CREATE TABLE IF NOT EXISTS timers (name TEXT PRIMARY KEY, due INTEGER NOT NULL)`,
];

/** Columns added after a table was first created: added to stores made before them. */
const ADDED_COLUMNS = [{ table: "history", column: "ip", type: "TEXT" }];

export function migrate(sql: SqlStorage): void {
  for (const statement of SCHEMA) sql.exec(statement);
  for (const { table, column, type } of ADDED_COLUMNS) {
    const has = sql.exec(`SELECT 1 FROM pragma_table_info(?) WHERE name = ?`, table, column).toArray().length > 0;
    if (!has) sql.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${type}`);
  }
}
