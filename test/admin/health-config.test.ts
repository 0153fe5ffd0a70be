// Health settings through the admin API (DESIGN §13): validation at the boundary, defaults,
// the stack file round trip, history, promote and rollback; the ConfigStore delivering
// each new spec to the service's HealthChecker reliably (the spec and its timer commit
// with the write; a delivery that fails or never completes is retried from the alarm),
// and the checks it applies to checkers' reports.
import { runDurableObjectAlarm } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { HEALTH_DEFAULTS } from "../../core/health.ts";
import type { ServiceView } from "../../core/views.ts";
import { api, currentVersion, env, expectError, inStore, json, origin, run, storeStub, uniqueStack } from "./helpers.ts";
import { checkerStatus, firstRound, MANUAL, switchableOrigin } from "./health-helpers.ts";

const DEFAULTS = { path: "/healthz", ...HEALTH_DEFAULTS };

async function service(stack: string): Promise<ServiceView> {
  return json<ServiceView>(await api("GET", `/v1/services/${stack}/svc`));
}

describe("health settings in the API", () => {
  it("run and stage take them; a path alone gets the defaults", async () => {
    const stack = uniqueStack("hcfg");
    const created = await run(stack, "svc", origin("hello"), { health: { path: "/healthz" } });
    expect(created.health).toEqual(DEFAULTS);
    const staged = await json<ServiceView>(
      await api("POST", `/v1/services/${stack}/svc/revisions`, {
        body: { version: "v3", origins: [origin("helloV3")], health: { path: "/ready", interval: "1m30s", timeout: "5s", healthyThreshold: 1 } },
      }),
      201,
    );
    expect(staged.revisions[0].health).toEqual({ path: "/ready", interval: "90s", timeout: "5s", healthyThreshold: 1, unhealthyThreshold: 3 });
    const history = (await json(await api("GET", `/v1/history?service=${stack}/svc`))).entries;
    expect(history.map((e: { summary: string }) => e.summary)).toEqual([
      expect.stringContaining("health checks /healthz every 10s (timeout 2s, up after 2, down after 3)"),
      expect.stringContaining("health checks /ready every 90s"),
    ]);
    expect(history[1].after.revisions[0].health).toEqual(staged.revisions[0].health);
    expect(history[0].after.health).toEqual(DEFAULTS);
  });

  it("refuses bad settings with 422 naming the field, wrong types with 400, and changes nothing", async () => {
    const stack = uniqueStack("hcfg");
    await run(stack);
    const version = await currentVersion();
    const cases: [string, string, unknown, number, string][] = [
      ["POST", "/v1/services", { name: `${stack}/a`, origins: [origin("hello")], health: { path: "/h", interval: "4s" } }, 422, "health.interval: must be from 5s to 1h"],
      ["POST", "/v1/services", { name: `${stack}/a`, origins: [origin("hello")], health: { path: "h" } }, 422, "health.path: must start with '/'"],
      ["POST", "/v1/services", { name: `${stack}/a`, origins: [origin("hello")], health: { path: "/h", interval: 10 } }, 400, "health.interval"],
      ["POST", "/v1/services", { name: `${stack}/a`, origins: [origin("hello")], health: "/healthz" }, 400, "health"],
      ["POST", `/v1/services/${stack}/svc/revisions`, { version: "v3", origins: [origin("helloV3")], health: { path: "/h", interval: "10s", timeout: "10s" } }, 422, "health.timeout: must be shorter than the interval"],
      ["POST", `/v1/services/${stack}/svc/revisions`, { version: "v3", origins: [origin("helloV3")], health: { path: "/h", unhealthyThreshold: 0 } }, 422, "health.unhealthyThreshold: must be from 1 to 10"],
      ["POST", `/v1/services/${stack}/svc/revisions`, { version: "v3", origins: [origin("helloV3")], health: { path: "/h", every: "10s" } }, 400, "every"],
    ];
    for (const [method, path, body, status, message] of cases) {
      const res = await api(method, path, { body });
      expect(await expectError(res, status, status === 400 ? "bad_request" : "invalid"), JSON.stringify(body)).toContain(message);
    }
    expect(await currentVersion()).toBe(version);
  });
});

describe("health settings in the stack file", () => {
  it("export → apply changes nothing; a changed setting is a diff line and a new spec for the checker", async () => {
    const stack = uniqueStack("hcfg");
    await run(stack, "svc", origin("hello"), { health: MANUAL });
    await api("POST", `/v1/services/${stack}/svc/revisions`, { body: { version: "v3", origins: [origin("helloV3")], weight: 10, health: { path: "/healthz" } } }).then((r) => r.arrayBuffer());
    const file = await json(await api("GET", `/v1/stacks/${stack}`, { headers: { accept: "application/json" } }));
    expect(file.services.svc.health).toEqual(MANUAL);
    expect(file.services.svc.revisions.v3.health).toEqual(DEFAULTS);

    const version = await currentVersion();
    const same = await json(await api("PUT", `/v1/stacks/${stack}`, { body: file }));
    expect(same.changed).toBe(false);
    expect(await currentVersion()).toBe(version);

    file.services.svc.revisions.v3.health = { path: "/healthz", interval: "20s" };
    const changed = await json(await api("PUT", `/v1/stacks/${stack}`, { body: file }));
    expect(changed.services[0].changes).toEqual([
      "v3 health: /healthz every 10s (timeout 2s, up after 2, down after 3) → /healthz every 20s (timeout 2s, up after 2, down after 3)",
    ]);
    const status = await checkerStatus(`${stack}/svc`);
    expect(status.generation).toBe(changed.configVersion);
  });
});

describe("promote and rollback", () => {
  it("a promoted revision's health settings become the primary's, and its origins keep their state", async () => {
    const stack = uniqueStack("hcfg");
    const id = `${stack}/svc`;
    const canary = await switchableOrigin("canary");
    await run(stack, "svc", origin("hello"));
    await api("POST", `/v1/services/${stack}/svc/revisions`, { body: { version: "v3", origins: [canary.url], weight: 0, health: MANUAL } }).then((r) => r.arrayBuffer());
    await firstRound(id);
    const before = (await checkerStatus(id)).origins;
    expect(before.map((o) => [o.version, o.origin, o.state])).toEqual([["v3", canary.url, "up"]]);

    const promoted = await json<ServiceView>(await api("POST", `/v1/services/${stack}/svc/promote`, { body: { version: "v3" } }));
    expect(promoted.health).toEqual(MANUAL);
    const after = (await checkerStatus(id)).origins;
    expect(after).toEqual(before);

    // rollback brings back the primary without health settings: the checker stops
    await json(await api("POST", `/v1/services/${stack}/svc/rollback`, { body: {} }));
    const back = await service(stack);
    expect(back.health).toBeUndefined();
    expect(back.revisions[0].health).toEqual(MANUAL);
    expect((await checkerStatus(id)).origins.map((o) => o.version)).toEqual(["v3"]);
  });
});

/** A checker namespace whose checkers never answer: the store is stuck between commit and delivery. */
const hangingCheckers = {
  idFromName: (name: string) => env.HEALTH_CHECKER.idFromName(name),
  get: () => ({ configure: () => new Promise(() => {}) }),
} as unknown as DurableObjectNamespace;

/** A checker namespace whose checkers fail every call. */
const failingCheckers = {
  idFromName: (name: string) => env.HEALTH_CHECKER.idFromName(name),
  get: () => ({
    configure: async () => {
      throw new Error("checker unreachable (injected)");
    },
  }),
} as unknown as DurableObjectNamespace;

describe("delivery of specs to checkers", () => {
  afterEach(async () => {
    await inStore((store) => {
      store.checkers = env.HEALTH_CHECKER;
      store.healthDeliveryTimeoutMs = 5_000;
    });
  });

  it("a checker that cannot be reached gets its spec from the store's alarm once it can", async () => {
    const stack = uniqueStack("hcfg");
    const id = `${stack}/svc`;
    await inStore((store) => {
      store.checkers = failingCheckers;
    });
    const created = await run(stack, "svc", origin("hello"), { health: MANUAL });
    const stuck = await inStore(async (store, state) => ({
      pending: store.pendingHealthDeliveries(),
      timer: state.storage.sql.exec(`SELECT name FROM timers WHERE name = 'health'`).toArray().length,
      alarm: await state.storage.getAlarm(),
    }));
    expect(stuck).toMatchObject({ pending: 1, timer: 1 });
    expect(stuck.alarm).not.toBeNull();
    expect((await checkerStatus(id)).service).toBeNull();

    await inStore((store) => {
      store.checkers = env.HEALTH_CHECKER;
    });
    expect(await runDurableObjectAlarm(storeStub())).toBe(true);
    expect(await inStore((store) => store.pendingHealthDeliveries())).toBe(0);
    const status = await checkerStatus(id);
    expect(status).toMatchObject({ service: id, generation: created.configVersion });
  });

  it("the spec is queued with its timer in the write's own transaction: a delivery that never completes is left to the alarm", async () => {
    const stack = uniqueStack("hcfg");
    const id = `${stack}/svc`;
    await inStore((store) => {
      store.checkers = hangingCheckers;
      store.healthDeliveryTimeoutMs = 300;
    });
    // The checker never answers: the write still answers, its spec committed with the timer.
    const created = await run(stack, "svc", origin("hello"), { health: MANUAL });
    const stuck = await inStore(async (store, state) => ({
      pending: store.pendingHealthDeliveries(),
      timer: state.storage.sql.exec<{ due: number }>(`SELECT due FROM timers WHERE name = 'health'`).toArray()[0]?.due ?? null,
      alarm: await state.storage.getAlarm(),
    }));
    expect(stuck.pending).toBe(1);
    expect(stuck.timer).not.toBeNull();
    expect(stuck.alarm).not.toBeNull();
    expect(stuck.alarm as number).toBeLessThanOrEqual(stuck.timer as number);
    expect((await checkerStatus(id)).service).toBeNull();

    await inStore((store) => {
      store.checkers = env.HEALTH_CHECKER;
      store.healthDeliveryTimeoutMs = 5_000;
    });
    expect(await runDurableObjectAlarm(storeStub())).toBe(true);
    expect(await inStore((store) => store.pendingHealthDeliveries())).toBe(0);
    expect(await checkerStatus(id)).toMatchObject({ service: id, generation: created.configVersion });
  });
});

describe("reports from checkers", () => {
  it("are taken in order, ignored when older than the spec or a report already taken; a removed service tells its checker to stop", async () => {
    const stack = uniqueStack("hcfg");
    const id = `${stack}/svc`;
    const created = await run(stack, "svc", origin("hello"), { health: MANUAL });
    const gen = created.configVersion as number;
    const down = [{ version: "v0", origin: origin("hello") }];
    const report = (generation: number, seq: number, d = down) => inStore((store) => store.reportHealth({ service: id, generation, seq, down: d }));

    expect(await report(gen - 1, 100)).toEqual({ stop: false });
    expect((await service(stack)).state).toBe("active");
    expect(await report(gen, 100)).toEqual({ stop: false });
    expect((await service(stack)).state).toBe("unhealthy");
    expect(await report(gen, 99, [])).toEqual({ stop: false }); // older than the one taken
    expect((await service(stack)).state).toBe("unhealthy");
    expect(await report(gen, 101, [])).toEqual({ stop: false });
    expect((await service(stack)).state).toBe("active");
    // an origin the service does not have is no mark
    expect(await report(gen, 102, [{ version: "v0", origin: "http://127.0.0.1:1" }])).toEqual({ stop: false });
    expect((await service(stack)).down).toBeUndefined();

    const res = await api("DELETE", `/v1/services/${id}`);
    await res.arrayBuffer();
    expect(await report(gen, 200)).toEqual({ stop: true });
    const other = uniqueStack("hcfg");
    await run(other);
    expect(await inStore((store) => store.reportHealth({ service: `${other}/svc`, generation: 1e9, seq: 1, down: [] }))).toEqual({ stop: true });
  });
});
