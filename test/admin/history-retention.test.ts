// History storage (issue 9 item 10): each slot table stored once, as a diff when small,
// so a weight change costs a few KB instead of two 80 KB copies; history kept to
// HISTORY_KEEP entries with the older ones counted per service; rollback to a pruned
// version is 410; an old database (slot tables inline in history) is migrated on start.
// The ConfigStore is the real Durable Object with its SQLite storage (this file's own).
import { runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { ConfigStore } from "../../admin/store/config-store.ts";
import { DEFAULT_HISTORY_KEEP } from "../../admin/store/history.ts";
import { SCHEMA_VERSION } from "../../admin/store/schema.ts";
import { newService, setWeights as setWeightsOp, stageRevision, type ServiceState } from "../../core/operations.ts";
import { encodeSlotTable, slotCounts } from "../../core/slot-table.ts";
import { api, currentVersion, env, expectError, inStore, json, origin, run, setWeights, stage, uniqueStack } from "./helpers.ts";

/** The stored (current) slot table of a service, as encoded in its row. */
function storedSlots(id: string): Promise<string> {
  return inStore((_s, state) => state.storage.sql.exec<{ slots: string }>(`SELECT slots FROM services WHERE id = ?`, id).one().slots);
}

const keepHistory = (n: number) =>
  inStore((store) => {
    store.historyKeep = n;
  });

afterEach(() => keepHistory(DEFAULT_HISTORY_KEEP));

describe("history storage", () => {
  it("stores each slot table once: a weight change of a weighted service adds a few KB, not two 80 KB tables", async () => {
    const stack = uniqueStack("size");
    const id = `${stack}/svc`;
    await run(stack);
    await stage(stack, "svc", "v3", origin("helloV3"), 5);
    const size = () => inStore((_s, state) => state.storage.sql.databaseSize);
    const before = await size();
    const steps = 20;
    for (let i = 1; i <= steps; i++) await setWeights(stack, "svc", { v3: 5 + i * 4 });
    const perWrite = ((await size()) - before) / steps;
    // each step moves 4% of the slots: 400 × 8 bytes of diff, plus the entry's summaries
    expect(perWrite).toBeLessThan(16 * 1024);

    const rows = await inStore((_s, state) =>
      state.storage.sql
        .exec<{ bytes: number; before_table: number; after_table: number }>(
          `SELECT length(before) + length(after) + length(summary) AS bytes, before_table, after_table FROM history WHERE service = ? AND operation = 'weight'`,
          id,
        )
        .toArray(),
    );
    expect(rows).toHaveLength(steps);
    for (const r of rows) expect(r.bytes).toBeLessThan(4096);
    // each entry's before is the previous entry's after: one stored table per version
    for (let i = 1; i < rows.length; i++) expect(rows[i].before_table).toBe(rows[i - 1].after_table);
    const tables = await inStore((_s, state) =>
      state.storage.sql
        .exec<{ n: number; bytes: number }>(`SELECT COUNT(*) AS n, SUM(length(data)) AS bytes FROM slot_tables WHERE service = ?`, id)
        .one(),
    );
    expect(tables.n).toBe(steps + 2); // run, stage, and one per weight change
    expect(tables.bytes / tables.n).toBeLessThan(8 * 1024);

    // a change that moves no slot stores no table
    await json(await api("POST", "/v1/domains", { body: { host: `www.${stack}.example.com`, target: id } }), 201);
    const domainRow = await inStore((_s, state) =>
      state.storage.sql.exec<{ before_table: number; after_table: number }>(`SELECT before_table, after_table FROM history WHERE service = ? ORDER BY id DESC LIMIT 1`, id).one(),
    );
    expect(domainRow.after_table).toBe(domainRow.before_table);
  });

  it("rollback restores any kept version byte for byte, across long chains of diffs and rollbacks", async () => {
    const stack = uniqueStack("chain");
    const id = `${stack}/svc`;
    await run(stack);
    await stage(stack, "svc", "v3", origin("helloV3"));
    await stage(stack, "svc", "v4", origin("helloV3"));
    const seen: { configVersion: number; slots: string }[] = [];
    for (let i = 0; i < 40; i++) {
      const v3 = (i * 37) % 60;
      const v4 = (i * 53) % 40;
      const view = await setWeights(stack, "svc", { v3, v4 });
      seen.push({ configVersion: view.configVersion, slots: await storedSlots(id) });
    }
    for (const k of [0, 3, 17, 39, 1, 25]) {
      await json(await api("POST", `/v1/services/${stack}/svc/rollback`, { body: { to: seen[k].configVersion } }));
      expect(await storedSlots(id)).toBe(seen[k].slots);
    }
  });
});

describe("HISTORY_KEEP", () => {
  it("is documented: rollback's 410 and the pruned counts of GET /v1/history", async () => {
    const doc = await json(await api("GET", "/v1/openapi.json"));
    expect(doc.paths["/v1/services/{stack}/{name}/rollback"].post.responses["410"]).toBeDefined();
    expect(doc.components.schemas.HistoryList.required).toContain("pruned");
  });

  it("keeps the latest entries, counts the pruned ones per service, and answers 410 for a pruned version", async () => {
    const stack = uniqueStack("keep");
    const id = `${stack}/svc`;
    await keepHistory(8);
    const created = await run(stack);
    await stage(stack, "svc", "v3", origin("helloV3"));
    const seen: { configVersion: number; slots: string }[] = [];
    for (const weight of [10, 20, 30, 40, 50, 60, 70, 80, 90, 15, 25, 35]) {
      const view = await setWeights(stack, "svc", { v3: weight });
      seen.push({ configVersion: view.configVersion, slots: await storedSlots(id) });
    }
    const all = await json(await api("GET", "/v1/history?limit=1000"));
    expect(all.entries).toHaveLength(8);
    expect(all.pruned.entries).toBeGreaterThanOrEqual(6);
    const mine = await json(await api("GET", `/v1/history?service=${id}`));
    expect(mine.entries.map((e: { configVersion: number }) => e.configVersion)).toEqual(seen.slice(-8).map((s) => s.configVersion));
    expect(mine.pruned).toEqual({
      entries: 6, // run, stage and the first four weight changes
      services: [{ service: id, entries: 6, firstConfigVersion: created.configVersion, lastConfigVersion: seen[3].configVersion, lastAt: expect.any(String) }],
    });

    // pruned: 410, naming the oldest version still kept; nothing changes
    const version = await currentVersion();
    const gone = await expectError(await api("POST", `/v1/services/${stack}/svc/rollback`, { body: { to: seen[1].configVersion } }), 410, "gone");
    expect(gone).toContain("HISTORY_KEEP");
    expect(gone).toContain(`config version ${seen[4].configVersion}`);
    expect(await currentVersion()).toBe(version);
    // before the service existed is still "did not exist" (422), not 410
    await expectError(await api("POST", `/v1/services/${stack}/svc/rollback`, { body: { to: created.configVersion - 1 } }), 422, "invalid");

    // the last pruned version is still known: it is the state before the oldest kept entry
    await json(await api("POST", `/v1/services/${stack}/svc/rollback`, { body: { to: seen[3].configVersion } }));
    expect(await storedSlots(id)).toBe(seen[3].slots);
    // every kept version restores exactly, though the tables they were diffs against are gone
    for (const k of [4, 7, 11]) {
      await json(await api("POST", `/v1/services/${stack}/svc/rollback`, { body: { to: seen[k].configVersion } }));
      expect(await storedSlots(id)).toBe(seen[k].slots);
    }
    // each rollback is an entry too, so older versions keep falling out
    await expectError(await api("POST", `/v1/services/${stack}/svc/rollback`, { body: { to: seen[5].configVersion } }), 410, "gone");

    // storage stays bounded: no table outlives every entry and service that names it
    const counts = await inStore((_s, state) => ({
      tables: state.storage.sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM slot_tables`).one().n,
      services: state.storage.sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM services`).one().n,
      unreferenced: state.storage.sql
        .exec<{ n: number }>(
          `SELECT COUNT(*) AS n FROM slot_tables t WHERE NOT EXISTS (SELECT 1 FROM history h WHERE h.before_table = t.id OR h.after_table = t.id)
             AND NOT EXISTS (SELECT 1 FROM services s WHERE s.slot_table = t.id)
             AND NOT EXISTS (SELECT 1 FROM slot_tables d WHERE d.base = t.id)`,
        )
        .one().n,
    }));
    expect(counts.unreferenced).toBe(0);
    expect(counts.tables).toBeLessThanOrEqual(2 * 8 + counts.services);
  });

  it("a service whose every entry was pruned answers 410 to a plain rollback, and --to a later version changes nothing", async () => {
    const quiet = uniqueStack("quiet");
    const busy = uniqueStack("busy");
    await keepHistory(4);
    const created = await run(quiet);
    await run(busy);
    for (const w of [10, 20, 30, 40, 50]) {
      await stage(busy, "svc", `v${w}`, origin("helloV3"), w / 10);
    }
    expect((await json(await api("GET", `/v1/history?service=${quiet}/svc`))).entries).toEqual([]);
    expect(await expectError(await api("POST", `/v1/services/${quiet}/svc/rollback`), 410, "gone")).toContain("no longer kept");
    const version = await currentVersion();
    const same = await json(await api("POST", `/v1/services/${quiet}/svc/rollback`, { body: { to: version } }));
    expect(same.configVersion).toBe(created.configVersion);
    expect(await currentVersion()).toBe(version);
  });
});

// The layout before issue 9 item 10, as its code created it (admin/store/schema.ts at 3eef44f).
const V1_SCHEMA = [
  `CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)`,
  `CREATE TABLE services (id TEXT PRIMARY KEY, stack TEXT NOT NULL, name TEXT NOT NULL, config TEXT NOT NULL,
     slots TEXT NOT NULL, counts TEXT NOT NULL, domains TEXT NOT NULL, config_version INTEGER NOT NULL)`,
  `CREATE INDEX services_stack ON services (stack, name)`,
  `CREATE TABLE hostnames (host TEXT PRIMARY KEY, service TEXT NOT NULL, kind TEXT NOT NULL, what TEXT NOT NULL)`,
  `CREATE INDEX hostnames_service ON hostnames (service)`,
  `CREATE TABLE history (id INTEGER PRIMARY KEY AUTOINCREMENT, config_version INTEGER NOT NULL, at TEXT NOT NULL,
     actor TEXT NOT NULL, operation TEXT NOT NULL, summary TEXT NOT NULL, service TEXT NOT NULL,
     before TEXT, before_slots TEXT, after TEXT, after_slots TEXT)`,
  `CREATE INDEX history_service ON history (service, config_version)`,
  `CREATE TABLE outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, config_version INTEGER NOT NULL, key TEXT NOT NULL, record TEXT)`,
  `CREATE TABLE timers (name TEXT PRIMARY KEY, due INTEGER NOT NULL)`,
];

const summary = (s: ServiceState) => JSON.stringify({ service: s.service, slots: Object.fromEntries(slotCounts(s.table)), domains: s.domains });

describe("migration from the old history layout", () => {
  it("moves a .wrangler database whose history carries both slot tables inline; history, rollback and writes keep working", async () => {
    const ns = env.CONFIG_STORE;
    const stub = ns.get(ns.idFromName(`legacy-${crypto.randomUUID()}`));
    const stack = uniqueStack("legacy");
    const id = `${stack}/svc`;
    const result = await runInDurableObject(stub, async (_instance, state) => {
      const sql = state.storage.sql;
      for (const t of ["meta", "services", "hostnames", "history", "outbox", "timers", "slot_tables", "history_pruned", "rollouts"]) {
        sql.exec(`DROP TABLE IF EXISTS ${t}`);
      }
      for (const statement of V1_SCHEMA) sql.exec(statement);
      // five changes, written the way the old write path wrote them
      const at = new Date().toISOString();
      let state1: ServiceState = newService(
        { stack, name: "svc", version: "v0", origins: [origin("hello")], affinity: "cookie", revisionHeader: true },
        at,
      );
      const states: (ServiceState | null)[] = [null, state1];
      state1 = stageRevision(state1, { version: "v3", origins: [origin("helloV3")], weight: 1000 }, at);
      states.push(state1);
      for (const bp of [2500, 4000, 1500]) states.push((state1 = setWeightsOp(state1, { v3: bp })));
      for (let v = 1; v < states.length; v++) {
        const before = states[v - 1];
        const after = states[v] as ServiceState;
        sql.exec(
          `INSERT INTO history (config_version, at, actor, operation, summary, service, before, before_slots, after, after_slots)
           VALUES (?, ?, 'root', 'weight', ?, ?, ?, ?, ?, ?)`,
          v,
          at,
          `change ${v}`,
          id,
          before ? summary(before) : null,
          before ? JSON.stringify(encodeSlotTable(before.table)) : null,
          summary(after),
          JSON.stringify(encodeSlotTable(after.table)),
        );
      }
      const last = states[states.length - 1] as ServiceState;
      sql.exec(
        `INSERT INTO services (id, stack, name, config, slots, counts, domains, config_version) VALUES (?, ?, 'svc', ?, ?, ?, '[]', ?)`,
        id,
        stack,
        JSON.stringify(last.service),
        JSON.stringify(encodeSlotTable(last.table)),
        JSON.stringify(Object.fromEntries(slotCounts(last.table))),
        states.length - 1,
      );
      sql.exec(`INSERT INTO meta (key, value) VALUES ('config_version', ?)`, states.length - 1);

      // a fresh instance on this storage: the first start of the new code, keeping 4 entries
      const store = new ConfigStore(state, { ...env, HISTORY_KEEP: "4" });
      const tables = sql.exec<{ name: string }>(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).toArray().map((r) => r.name);
      const history = store.history({ service: id });
      const stateAt = (v: number) => JSON.stringify(encodeSlotTable((states[v] as ServiceState).table));
      const rolled = await store.rollback({ actor: "root" }, stack, "svc", 3);
      const restoredSlots = sql.exec<{ slots: string }>(`SELECT slots FROM services WHERE id = ?`, id).one().slots;
      const again = await store.setWeights({ actor: "root" }, stack, "svc", { v3: 5000 });
      return {
        tables,
        schemaVersion: sql.exec<{ value: number }>(`SELECT value FROM meta WHERE key = 'schema_version'`).one().value,
        history,
        rolled,
        restoredSlots,
        expectedSlots: stateAt(3),
        again,
        entries: sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM history`).one().n,
        ids: sql.exec<{ id: number }>(`SELECT id FROM history ORDER BY id`).toArray().map((r) => r.id),
      };
    });
    expect(result.tables).not.toContain("history_v1");
    expect(result.tables).toEqual(expect.arrayContaining(["history", "history_pruned", "slot_tables", "services"]));
    expect(result.schemaVersion).toBe(SCHEMA_VERSION);
    // the latest 4 of 5 entries were moved, with their config versions; the oldest is counted
    expect(result.history.ok && result.history.value.entries.map((e) => [e.configVersion, e.summary])).toEqual([
      [2, "change 2"],
      [3, "change 3"],
      [4, "change 4"],
      [5, "change 5"],
    ]);
    expect(result.history.ok && result.history.value.pruned.entries).toBe(1);
    expect(result.rolled.ok).toBe(true);
    expect(result.restoredSlots).toBe(result.expectedSlots);
    expect(result.again.ok && result.again.configVersion).toBe(7);
    // new entries continue after the migrated ones, and history stays at HISTORY_KEEP
    expect(result.entries).toBe(4);
    expect(result.ids).toEqual([4, 5, 6, 7]);
  });
});
