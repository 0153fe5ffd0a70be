// History and rollback (DESIGN §2, §8): every accepted change is one entry (who, when, what,
// before, after); rollback restores a service with its slot table, so every sticky key goes
// back to the revision it had — checked over many keys through the published route record.
import { describe, expect, it } from "vitest";
import { compileRouteRecord, RouteRecord, routeKey } from "../../core/route-record.ts";
import { selectRevision } from "../../core/selection.ts";
import { api, currentVersion, env, expectError, inStore, json, origin, run, setWeights, stage, uniqueStack } from "./helpers.ts";

const KEYS = Array.from({ length: 20_000 }, (_, i) => `user-${i}`);

/** The revision each key gets from the published weighted record. */
async function routing(stack: string): Promise<string[]> {
  const raw = await env.ROUTES.get(routeKey(`svc.${stack}.weir.localhost`), "json");
  const route = compileRouteRecord(RouteRecord.parse(raw));
  return KEYS.map((k) => route.record.revisions[selectRevision(route, k)].version);
}

/** The stored slot table of a service, as encoded in the Durable Object. */
function storedSlots(stack: string): Promise<string> {
  return inStore((_store, state) => {
    const row = state.storage.sql.exec<{ slots: string }>(`SELECT slots FROM services WHERE id = ?`, `${stack}/svc`).one();
    return row.slots;
  });
}

const share = (picks: string[], version: string) => picks.filter((p) => p === version).length / picks.length;

describe("GET /v1/history", () => {
  it("records who, when, what, before and after for each change, oldest first", async () => {
    const stack = uniqueStack("hist");
    const created = await run(stack);
    await stage(stack, "svc", "v3", origin("helloV3"));
    const weighted = await setWeights(stack, "svc", { v3: 20 });
    const res = await api("GET", `/v1/history?service=${stack}/svc`);
    const body = await json(res);
    expect(res.headers.get("etag")).toBe(`"${body.configVersion}"`);
    expect(body.entries.map((e: { operation: string }) => e.operation)).toEqual(["run", "stage", "weight"]);
    const versions = body.entries.map((e: { configVersion: number }) => e.configVersion);
    expect(versions[0]).toBe(created.configVersion);
    expect(versions[2]).toBe(weighted.configVersion);
    expect(body.entries[0].before).toBeNull();
    expect(body.entries[2]).toEqual({
      configVersion: weighted.configVersion,
      at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      actor: "root",
      ip: expect.stringMatching(/^2001:db8:/),
      operation: "weight",
      summary: `weight ${stack}/svc v3=20%`,
      service: `${stack}/svc`,
      before: {
        version: "v0",
        origins: [origin("hello")],
        affinity: "cookie",
        revisionHeader: true,
        weight: 100,
        revisions: [{ version: "v3", origins: [origin("helloV3")], weight: 0 }],
        domains: [],
        rules: [],
      },
      after: {
        version: "v0",
        origins: [origin("hello")],
        affinity: "cookie",
        revisionHeader: true,
        weight: 80,
        revisions: [{ version: "v3", origins: [origin("helloV3")], weight: 20 }],
        domains: [],
        rules: [],
      },
    });
    const limited = await json(await api("GET", `/v1/history?service=${stack}/svc&limit=1`));
    expect(limited.entries.map((e: { operation: string }) => e.operation)).toEqual(["weight"]);
    const all = await json(await api("GET", "/v1/history?limit=1000"));
    expect(all.entries.filter((e: { service: string }) => e.service === `${stack}/svc`)).toHaveLength(3);
  });

  it("400 for a bad filter", async () => {
    await expectError(await api("GET", "/v1/history?service=nostack"), 400, "bad_request");
    await expectError(await api("GET", "/v1/history?limit=0"), 400, "bad_request");
    await expectError(await api("GET", "/v1/history?limit=abc"), 400, "bad_request");
  });
});

describe("POST …/rollback", () => {
  it("after a 10→50→10% ramp, each step back restores the slot table and every key's revision", async () => {
    const stack = uniqueStack("ramp");
    await run(stack);
    await stage(stack, "svc", "v3", origin("helloV3"));
    const at10 = await setWeights(stack, "svc", { v3: 10 });
    const keys10 = await routing(stack);
    const slots10 = await storedSlots(stack);
    expect(share(keys10, "v3")).toBeCloseTo(0.1, 1);
    await setWeights(stack, "svc", { v3: 50 });
    const keys50 = await routing(stack);
    const slots50 = await storedSlots(stack);
    expect(share(keys50, "v3")).toBeCloseTo(0.5, 1);
    // monotonic ramp: nobody on v3 at 10% leaves it at 50%
    keys10.forEach((v, i) => v === "v3" && expect(keys50[i]).toBe("v3"));
    await setWeights(stack, "svc", { v3: 10 });
    expect(await routing(stack)).toEqual(keys10);

    // rollback without `to`: the state before the last change (50%)
    const back = await json(await api("POST", `/v1/services/${stack}/svc/rollback`, { body: {} }));
    expect(back.revisions[0].weight).toBe(50);
    expect(await storedSlots(stack)).toBe(slots50);
    expect(await routing(stack)).toEqual(keys50);

    // rollback to a given config version: the state it had then (10%)
    const to10 = await json(await api("POST", `/v1/services/${stack}/svc/rollback`, { body: { to: at10.configVersion } }));
    expect(to10.revisions[0].weight).toBe(10);
    expect(await storedSlots(stack)).toBe(slots10);
    expect(await routing(stack)).toEqual(keys10);

    const history = await json(await api("GET", `/v1/history?service=${stack}/svc`));
    expect(history.entries.slice(-2).map((e: { operation: string; summary: string }) => [e.operation, e.summary])).toEqual([
      ["rollback", `rollback ${stack}/svc to before config version ${back.configVersion - 1}`],
      ["rollback", `rollback ${stack}/svc to config version ${at10.configVersion}`],
    ]);
  });

  it("after a promote, restores the old primary, its host, and every key's revision", async () => {
    const stack = uniqueStack("unpromote");
    await run(stack);
    await stage(stack, "svc", "v3", origin("helloV3"), 30);
    const before = await routing(stack);
    const slots = await storedSlots(stack);
    await json(await api("POST", `/v1/services/${stack}/svc/promote`, { body: { version: "v3" } }));
    expect(new Set(await routing(stack))).toEqual(new Set(["v3"]));
    expect(await env.ROUTES.get(routeKey(`svc-v0.${stack}.weir.localhost`))).toBeNull();

    const restored = await json(await api("POST", `/v1/services/${stack}/svc/rollback`));
    expect(restored).toMatchObject({ version: "v0", origins: [origin("hello")], weight: 70 });
    expect(restored.revisions).toMatchObject([{ version: "v3", weight: 30 }]);
    expect(await storedSlots(stack)).toBe(slots);
    expect(await routing(stack)).toEqual(before);
    expect(await env.ROUTES.get(routeKey(`svc-v0.${stack}.weir.localhost`), "json")).toMatchObject({ pin: 0 });
  });

  it("brings back a removed service; a no-op rollback adds no version", async () => {
    const stack = uniqueStack("undelete");
    await run(stack);
    await stage(stack, "svc", "v3", origin("helloV3"), 40);
    const keys = await routing(stack);
    await json(await api("DELETE", `/v1/services/${stack}/svc`));
    const restored = await json(await api("POST", `/v1/services/${stack}/svc/rollback`));
    expect(restored.revisions).toMatchObject([{ version: "v3", weight: 40 }]);
    expect(await routing(stack)).toEqual(keys);
    const version = await currentVersion();
    const last = (await json(await api("GET", `/v1/history?service=${stack}/svc`))).entries.at(-1);
    // rolling back to the version it already has changes nothing
    const same = await api("POST", `/v1/services/${stack}/svc/rollback`, { body: { to: last.configVersion } });
    expect((await json(same)).configVersion).toBe(last.configVersion);
    expect(await currentVersion()).toBe(version);
  });

  it("409 when a hostname the restored state needs was taken meanwhile", async () => {
    const stack = uniqueStack("rtaken");
    await run(stack);
    await stage(stack, "svc", "v3", origin("helloV3"));
    await json(await api("DELETE", `/v1/services/${stack}/svc`));
    await run(stack, "svc-v3");
    const version = await currentVersion();
    const msg = await expectError(await api("POST", `/v1/services/${stack}/svc/rollback`), 409, "conflict");
    expect(msg).toContain(`svc-v3.${stack}.weir.localhost`);
    expect(await currentVersion()).toBe(version);
    await expectError(await api("GET", `/v1/services/${stack}/svc`), 404, "not_found");
  });

  it("404 for a service with no history, 422 for versions it did not exist at, 400 for a bad body", async () => {
    const stack = uniqueStack("rbad");
    expect(await expectError(await api("POST", `/v1/services/${stack}/svc/rollback`, { body: {} }), 404, "not_found")).toContain(`${stack}/svc`);
    const created = await run(stack);
    expect(await expectError(await api("POST", `/v1/services/${stack}/svc/rollback`, { body: {} }), 422, "invalid")).toContain("did not exist before");
    expect(
      await expectError(await api("POST", `/v1/services/${stack}/svc/rollback`, { body: { to: created.configVersion - 1 } }), 422, "invalid"),
    ).toContain("did not exist at config version");
    expect(await expectError(await api("POST", `/v1/services/${stack}/svc/rollback`, { body: { to: 1e9 } }), 422, "invalid")).toContain("does not exist yet");
    await expectError(await api("POST", `/v1/services/${stack}/svc/rollback`, { body: { to: "1" } }), 400, "bad_request");
    await expectError(await api("POST", `/v1/services/${stack}/svc/rollback`, { body: { to: 0 } }), 422, "invalid");
    await expectError(await api("POST", `/v1/services/${stack}/svc/rollback`, { body: { back: 1 } }), 400, "bad_request");
  });
});
