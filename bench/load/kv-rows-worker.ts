/**
 * @module bench/load/kv-rows-worker
 * Writes Miniflare's local-KV index rows (`_mf_entries`: key → blob id) into its own
 * SQLite Durable Object, whose database file bench/load/kv-bulk.ts then installs as the
 * ROUTES namespace's. POST /?store=N with a JSON array of `[key, blobId]`: one object
 * (one database) per store.
 */

/** The parts of the Durable Object state used here (this file is checked without Workers types). */
interface RowsState {
  storage: {
    sql: { exec(query: string, ...bindings: unknown[]): { one(): Record<string, unknown> } };
    transactionSync(closure: () => void): void;
  };
}
interface RowsNamespace {
  idFromName(name: string): unknown;
  get(id: unknown): { fetch(request: Request): Promise<Response> };
}

/** Miniflare 4's local KV schema (workers/shared/keyvalue.worker.ts). */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS _mf_entries (key TEXT PRIMARY KEY, blob_id TEXT NOT NULL, expiration INTEGER, metadata TEXT);
CREATE INDEX IF NOT EXISTS _mf_entries_expiration_idx ON _mf_entries(expiration);`;

export class Rows {
  constructor(private readonly state: RowsState) {}

  async fetch(request: Request): Promise<Response> {
    const rows = (await request.json()) as [string, string][];
    const sql = this.state.storage.sql;
    this.state.storage.transactionSync(() => {
      sql.exec(SCHEMA);
      for (const [key, blobId] of rows) sql.exec("INSERT OR REPLACE INTO _mf_entries (key, blob_id) VALUES (?, ?)", key, blobId);
    });
    return Response.json({ rows: sql.exec("SELECT COUNT(*) AS n FROM _mf_entries").one().n });
  }
}

export default {
  fetch(request: Request, env: { ROWS: RowsNamespace }): Promise<Response> {
    const store = new URL(request.url).searchParams.get("store") ?? "0";
    return env.ROWS.get(env.ROWS.idFromName(`store-${store}`)).fetch(request);
  },
};
