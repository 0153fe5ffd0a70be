// Edge statistics of a removed service (issue 9 item 11): removing a service keeps its
// counts, so `weir stats` of a just-removed service still answers (its last revisions,
// marked `removed`); a rollback that brings it back keeps them; a new service under the
// same name starts from zero. Real data plane traffic, real StatsStore objects.
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { STATS_RETENTION_MS, statsStoreOf } from "../../admin/store/stats-store.ts";
import { bucketStart, emptyCounters, STATS_BUCKET_MS } from "../../core/edge-stats.ts";
import { api, call, env, expectError, json, origin, run, stage, uniqueStack } from "./helpers.ts";

const stats = (stack: string) => api("GET", `/v1/services/${stack}/svc/stats`);
const requests = (view: { revisions: { version: string; requests: number }[] }) => view.revisions.map((r) => [r.version, r.requests]);

describe("stats of a removed service", () => {
  it("are kept after rm and answered with the revisions it had; a rollback keeps them; reusing the name clears them", async () => {
    const stack = uniqueStack("gone");
    await run(stack);
    await stage(stack, "svc", "v3", origin("helloV3"));
    for (let i = 0; i < 3; i++) {
      const res = await call(`http://svc.${stack}.weir.localhost/`, {}, { ROUTE_CACHE_MS: "0" });
      expect(res.status).toBe(200);
      await res.arrayBuffer();
    }
    expect(requests(await json(await stats(stack)))).toEqual([["v0", 3], ["v3", 0]]);

    const removed = await json(await api("DELETE", `/v1/services/${stack}/svc`));
    const view = await json(await stats(stack));
    expect(requests(view)).toEqual([["v0", 3], ["v3", 0]]);
    expect(view.removed).toEqual({ configVersion: removed.configVersion, at: expect.stringMatching(/^\d{4}-/) });
    // the service itself is gone; a name that never existed has no stats
    await expectError(await api("GET", `/v1/services/${stack}/svc`), 404, "not_found");
    await expectError(await api("GET", `/v1/services/${stack}/never/stats`), 404, "not_found");

    // rollback brings the same service back, with its statistics
    await json(await api("POST", `/v1/services/${stack}/svc/rollback`));
    const back = await json(await stats(stack));
    expect(requests(back)).toEqual([["v0", 3], ["v3", 0]]);
    expect(back.removed).toBeUndefined();

    // a new service under the name starts clean
    await json(await api("DELETE", `/v1/services/${stack}/svc`));
    await run(stack);
    const fresh = await json(await stats(stack));
    expect(requests(fresh)).toEqual([["v0", 0]]);
    expect(fresh.removed).toBeUndefined();
  });

  it("are deleted as they age past retention, though no new count arrives to prune them", async () => {
    const stack = uniqueStack("aging");
    const id = `${stack}/svc`;
    await run(stack);
    const store = statsStoreOf(env, id);
    const now = bucketStart(Date.now());
    const old = bucketStart(Date.now() - STATS_RETENTION_MS - 5 * STATS_BUCKET_MS);
    const counters = { ...emptyCounters(), requests: 2 };
    // the first batch prunes as it lands; the next one within a minute does not
    await store.ingest({ service: id, buckets: [{ start: now, revisions: { v0: counters } }] });
    await store.ingest({ service: id, buckets: [{ start: old, revisions: { v0: counters } }] });
    expect((await store.window(old, old + 1)).map((r) => r.version)).toEqual(["v0"]);
    await json(await api("DELETE", `/v1/services/${stack}/svc`));
    expect(await runInDurableObject(store, (_i, state) => state.storage.getAlarm())).not.toBeNull();
    expect(await runDurableObjectAlarm(store)).toBe(true);
    const left = await runInDurableObject(store, (_i, state) =>
      state.storage.sql.exec<{ start: number }>(`SELECT start FROM stats ORDER BY start`).toArray().map((r) => r.start),
    );
    expect(left).toEqual([now]);
  });
});
