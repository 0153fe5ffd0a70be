// The outbox (DESIGN §7): with KV failing, changes are still accepted; the alarm retries
// and, once KV is back, publishes every record in config-version order — nothing lost,
// nothing overwritten by an older version. The store's real KV binding is swapped for a
// wrapper that fails on demand; the store itself is the real Durable Object.
import { abortAllDurableObjects, runDurableObjectAlarm } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { RouteRecord, routeKey } from "../../core/route-record.ts";
import { api, env, inStore, json, origin, run, setWeights, stage, storeStub, uniqueStack } from "./helpers.ts";

/** The real KV namespace, failing every write while `down`, logging accepted writes. */
class FlakyKv {
  down = true;
  readonly accepted: { key: string; configVersion: number | null }[] = [];
  constructor(private readonly real: KVNamespace) {}

  async put(key: string, value: string): Promise<void> {
    if (this.down) throw new Error("KV is down (injected)");
    await this.real.put(key, value);
    this.accepted.push({ key, configVersion: (JSON.parse(value) as RouteRecord).configVersion });
  }

  async delete(key: string): Promise<void> {
    if (this.down) throw new Error("KV is down (injected)");
    await this.real.delete(key);
    this.accepted.push({ key, configVersion: null });
  }
}

let flaky: FlakyKv | undefined;

async function breakKv(): Promise<FlakyKv> {
  flaky = new FlakyKv(env.ROUTES);
  const kv = flaky;
  await inStore((store) => {
    store.routes = kv as unknown as KVNamespace;
  });
  return kv;
}

afterEach(async () => {
  await inStore((store) => {
    store.routes = env.ROUTES;
  });
  flaky = undefined;
});

const pending = () => inStore((store) => store.pendingPublishes());
const alarmAt = () => inStore((_store, state) => state.storage.getAlarm());

describe("outbox", () => {
  it("accepts changes while KV fails, retries from the alarm, then publishes in order", async () => {
    const stack = uniqueStack("outbox");
    const host = `svc.${stack}.weir.localhost`;
    await run(stack);
    await stage(stack, "svc", "v3", origin("helloV3"));
    const published = RouteRecord.parse(await env.ROUTES.get(routeKey(host), "json"));

    const kv = await breakKv();
    const versions: number[] = [];
    for (const weight of [10, 20, 30]) versions.push((await setWeights(stack, "svc", { v3: weight })).configVersion);
    const removed = await json(await api("DELETE", `/v1/services/${stack}/svc/revisions/v3`));
    versions.push(removed.configVersion);

    // accepted and readable from the store, not yet at the edge
    expect((await json(await api("GET", `/v1/services/${stack}/svc`))).configVersion).toBe(removed.configVersion);
    expect(RouteRecord.parse(await env.ROUTES.get(routeKey(host), "json")).configVersion).toBe(published.configVersion);
    expect(await pending()).toBeGreaterThan(0);
    expect(await alarmAt()).not.toBeNull();

    // the alarm while KV is still down: nothing lost, retried later
    const before = await pending();
    expect(await runDurableObjectAlarm(storeStub())).toBe(true);
    expect(await pending()).toBe(before);
    expect(await alarmAt()).not.toBeNull();
    expect(kv.accepted).toEqual([]);

    kv.down = false;
    expect(await runDurableObjectAlarm(storeStub())).toBe(true);
    expect(await pending()).toBe(0);
    expect(await alarmAt()).toBeNull();

    // every change reached KV, in config-version order, for every key
    const forHost = kv.accepted.filter((w) => w.key === routeKey(host)).map((w) => w.configVersion);
    expect(forHost).toEqual(versions);
    const order = kv.accepted.map((w) => w.configVersion).filter((v): v is number => v !== null);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    const finalRecord = RouteRecord.parse(await env.ROUTES.get(routeKey(host), "json"));
    expect(finalRecord.configVersion).toBe(removed.configVersion);
    expect(finalRecord.revisions.map((r) => r.version)).toEqual(["v0"]);
    expect(await env.ROUTES.get(routeKey(`svc-v3.${stack}.weir.localhost`))).toBeNull();
    expect(kv.accepted).toContainEqual({ key: routeKey(`svc-v3.${stack}.weir.localhost`), configVersion: null });
  });

  it("a write after KV recovers publishes the backlog first, then itself", async () => {
    const stack = uniqueStack("outbox");
    await run(stack);
    await stage(stack, "svc", "v3", origin("helloV3"));
    const kv = await breakKv();
    const early = await setWeights(stack, "svc", { v3: 40 });
    kv.down = false;
    const late = await setWeights(stack, "svc", { v3: 60 });
    expect(await pending()).toBe(0);
    const host = routeKey(`svc.${stack}.weir.localhost`);
    expect(kv.accepted.filter((w) => w.key === host).map((w) => w.configVersion)).toEqual([early.configVersion, late.configVersion]);
    expect(RouteRecord.parse(await env.ROUTES.get(host, "json")).configVersion).toBe(late.configVersion);
    expect(await alarmAt()).toBeNull();
  });
});

/** A KV whose writes never settle: the store is stuck between its commit and its publish. */
const hangingKv = {
  put: () => new Promise<void>(() => {}),
  delete: () => new Promise<void>(() => {}),
} as unknown as KVNamespace;

/** Reads KV (never the store) until `key` holds a record of `configVersion`, for at most 15 s. */
async function publishedVersion(key: string, configVersion: number): Promise<number | null> {
  let seen: number | null = null;
  for (let i = 0; i < 150 && seen !== configVersion; i++) {
    const raw = await env.ROUTES.get(key, "json");
    seen = raw === null ? null : RouteRecord.parse(raw).configVersion;
    if (seen !== configVersion) await new Promise((r) => setTimeout(r, 100));
  }
  return seen;
}

describe("outbox durability (issue 9 item 7)", () => {
  afterEach(() => abortAllDurableObjects());

  it("arms the retry timer in the write's own transaction, so a store dropped before publishing still publishes", async () => {
    const stack = uniqueStack("evict");
    const key = routeKey(`svc.${stack}.weir.localhost`);
    await run(stack);
    await stage(stack, "svc", "v3", origin("helloV3"));
    const committed = await inStore(async (store, state) => {
      store.routes = hangingKv;
      // The commit runs synchronously inside the call; the publish then waits on KV forever.
      void store.setWeights({ actor: "root" }, stack, "svc", { v3: 2500 });
      return {
        configVersion: store.configVersion(),
        pending: store.pendingPublishes(),
        timer: state.storage.sql.exec(`SELECT name FROM timers WHERE name = 'outbox'`).toArray().length,
        alarm: await state.storage.getAlarm(),
      };
    });
    expect(committed.pending).toBeGreaterThan(0);
    expect(committed.timer).toBe(1);
    expect(committed.alarm).not.toBeNull();
    expect(RouteRecord.parse(await env.ROUTES.get(key, "json")).configVersion).toBeLessThan(committed.configVersion);

    // The object is dropped between commit and publish; nothing else is written or read
    // through it: its alarm alone brings the committed change to KV.
    await abortAllDurableObjects();
    expect(await publishedVersion(key, committed.configVersion)).toBe(committed.configVersion);
    expect(RouteRecord.parse(await env.ROUTES.get(key, "json")).revisions.map((r) => r.version)).toEqual(["v0", "v3"]);
    expect(await pending()).toBe(0);
  });

  it("a refused write and a dry run leave neither outbox rows nor a timer: they roll back with the transaction", async () => {
    const stack = uniqueStack("norows");
    await run(stack);
    const state = () =>
      inStore(async (store, s) => ({
        pending: store.pendingPublishes(),
        timers: s.storage.sql.exec(`SELECT name FROM timers`).toArray().length,
        alarm: await s.storage.getAlarm(),
      }));
    expect(await state()).toEqual({ pending: 0, timers: 0, alarm: null });
    const file = { stack, services: { svc: { version: "v0", origins: [origin("hello")], revisions: { v3: { origins: [origin("helloV3")], weight: 10 } } } } };
    expect((await json(await api("PUT", `/v1/stacks/${stack}?dry_run=1`, { body: file }))).changed).toBe(true);
    await json(await api("POST", "/v1/services", { body: { name: `${stack}/svc`, origins: [origin("hello")] } }), 409);
    expect(await state()).toEqual({ pending: 0, timers: 0, alarm: null });
  });

  it("drains at start-up an outbox left without a timer (a store written by an older Weir)", async () => {
    const stack = uniqueStack("startup");
    const key = routeKey(`svc.${stack}.weir.localhost`);
    const created = await run(stack);
    const record = RouteRecord.parse(await env.ROUTES.get(key, "json"));
    await env.ROUTES.delete(key);
    await inStore(async (_store, state) => {
      state.storage.sql.exec(`INSERT INTO outbox (config_version, key, record) VALUES (?, ?, ?)`, created.configVersion, key, JSON.stringify(record));
      state.storage.sql.exec(`DELETE FROM timers`);
      await state.storage.deleteAlarm();
    });
    await abortAllDurableObjects();
    // A read wakes the store; it finds the outbox non-empty and publishes without a write.
    expect((await json(await api("GET", `/v1/services/${stack}/svc`))).configVersion).toBe(created.configVersion);
    expect(await publishedVersion(key, created.configVersion)).toBe(created.configVersion);
    expect(await pending()).toBe(0);
  });
});
