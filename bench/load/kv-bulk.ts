/**
 * @module bench/load/kv-bulk
 * Fills a local KV namespace with hundreds of thousands of entries in seconds. Through the
 * KV API each put costs milliseconds (a blob write and a row, one at a time through the
 * namespace's Durable Object), so 100,000 services would take most of an hour. Instead the
 * entries are laid out as Miniflare 4 persists them: each value a blob file under
 * `<root>/<namespace id>/blobs/`, the index rows in the namespace object's SQLite database
 * `<root>/miniflare-KVNamespaceObject/<object id>.sqlite` (written by workerd itself, in a
 * Durable Object of bench/load/kv-rows-worker.ts, one object per store). Miniflare then serves them with
 * `kvPersist: root`; the suites check that Weir reads them back.
 */
import { build } from "esbuild";
import { Miniflare } from "miniflare";
import { createHash, createHmac, randomBytes } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const KV_OBJECT_KEY = "miniflare-KVNamespaceObject";
const ROWS_PER_POST = 20_000;

/** Miniflare's id of a named object of a namespace (durableObjectNamespaceIdFromName). */
function objectId(uniqueKey: string, name: string): string {
  const key = createHash("sha256").update(uniqueKey).digest();
  const nameHmac = createHmac("sha256", key).update(name).digest().subarray(0, 16);
  const hmac = createHmac("sha256", key).update(nameHmac).digest().subarray(0, 16);
  return Buffer.concat([nameHmac, hmac]).toString("hex");
}

/** Blob ids as Miniflare makes them: 32 random bytes and a timestamp, hex. */
function blobId(): string {
  const stamp = Buffer.alloc(8);
  stamp.writeBigInt64BE(BigInt(Math.floor(performance.timeOrigin + performance.now())));
  return randomBytes(32).toString("hex") + stamp.toString("hex");
}

export interface KvContents {
  /** persist root: a fresh directory */
  root: string;
  namespaceId: string;
  entries: Iterable<[string, string]>;
}

/**
 * Writes each `entries` as the contents of its namespace under its persist root, with one
 * workerd for all the index databases. Returns the number of entries written to each.
 */
export async function writeKvNamespaces(stores: readonly KvContents[]): Promise<number[]> {
  const rowsOf = stores.map(({ root, namespaceId, entries }) => {
    const blobs = join(root, namespaceId, "blobs");
    mkdirSync(blobs, { recursive: true });
    const rows: [string, string][] = [];
    for (const [key, value] of entries) {
      const id = blobId();
      writeFileSync(join(blobs, id), value);
      rows.push([key, id]);
    }
    return rows;
  });

  const rowsDir = mkdtempSync(join(tmpdir(), "weir-bench-kv-rows-"));
  const script = await build({
    entryPoints: [fileURLToPath(new URL("./kv-rows-worker.ts", import.meta.url))],
    bundle: true,
    format: "esm",
    platform: "neutral",
    write: false,
    logLevel: "silent",
  });
  const mf = new Miniflare({
    name: "kv-rows",
    modules: true,
    script: script.outputFiles[0].text,
    compatibilityDate: "2026-04-20",
    durableObjects: { ROWS: { className: "Rows", useSQLite: true } },
    durableObjectsPersist: rowsDir,
  });
  try {
    await mf.ready;
    for (let s = 0; s < stores.length; s++) {
      const rows = rowsOf[s];
      for (let i = 0; i < rows.length; i += ROWS_PER_POST) {
        const response = await mf.dispatchFetch(`http://kv-rows.local/?store=${s}`, { method: "POST", body: JSON.stringify(rows.slice(i, i + ROWS_PER_POST)) });
        if (!response.ok) throw new Error(`writing KV rows failed: ${response.status} ${await response.text()}`);
        await response.arrayBuffer();
      }
    }
  } finally {
    await mf.dispose();
  }
  const objectDir = join(rowsDir, "kv-rows-Rows");
  stores.forEach(({ root, namespaceId }, s) => {
    const database = `${objectId("kv-rows-Rows", `store-${s}`)}.sqlite`;
    if (!existsSync(join(objectDir, database))) throw new Error(`no Durable Object database ${database} in ${objectDir}`);
    const target = join(root, KV_OBJECT_KEY);
    mkdirSync(target, { recursive: true });
    const name = objectId(KV_OBJECT_KEY, namespaceId);
    copyFileSync(join(objectDir, database), join(target, `${name}.sqlite`));
    // an unclean stop may leave the last transactions in the write-ahead log: it goes along
    if (existsSync(join(objectDir, `${database}-wal`))) copyFileSync(join(objectDir, `${database}-wal`), join(target, `${name}.sqlite-wal`));
  });
  rmSync(rowsDir, { recursive: true, force: true });
  return rowsOf.map((rows) => rows.length);
}
