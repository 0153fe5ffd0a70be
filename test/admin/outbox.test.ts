// The outbox (DESIGN §7): with KV failing, changes are still accepted; the alarm retries
// and, once KV is back, publishes every record in config-version order — nothing lost,
// nothing overwritten by an older version. The store's real KV binding is swapped for a
// wrapper that fails on demand; the store itself is the real Durable Object.
import { runDurableObjectAlarm } from "cloudflare:test";
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
