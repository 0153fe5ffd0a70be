// The data plane's per-request shortcuts and route-cache sharing (BENCHMARKS.md, overhead and scale): env values
// parsed once per value, the last host's normalization reused, base64url written straight
// from bytes, and cached routes holding only the decoded slot table. Each must give what
// the long way gives.
import { beforeEach, describe, expect, it } from "vitest";
import { murmur3 } from "../../core/hash.ts";
import { selectRevision } from "../../core/selection.ts";
import { slotOf } from "../../core/slot-table.ts";
import { toBase64Url } from "../../worker/affinity.ts";
import { timeoutMs } from "../../worker/proxy.ts";
import { splitRequestUrl } from "../../worker/request-url.ts";
import { cacheMs, lookupRoute } from "../../worker/route-cache.ts";
import { env, origin, resetRoutes, seed } from "./helpers.ts";

beforeEach(resetRoutes);

function referenceBase64Url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

describe("hot-path shortcuts", () => {
  it("toBase64Url matches btoa-based base64url for every length and byte", () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect(toBase64Url(all)).toBe(referenceBase64Url(all));
    for (let n = 0; n <= 40; n++) {
      const bytes = crypto.getRandomValues(new Uint8Array(n));
      expect(toBase64Url(bytes)).toBe(referenceBase64Url(bytes));
    }
  });

  it("cacheMs and timeoutMs follow each change of their env value", () => {
    expect([cacheMs("500"), cacheMs("500"), cacheMs("0"), cacheMs("x"), cacheMs(undefined), cacheMs("")]).toEqual([500, 500, 0, 2000, 2000, 2000]);
    expect([timeoutMs("300"), timeoutMs("300"), timeoutMs("0"), timeoutMs(undefined), timeoutMs("45")]).toEqual([300, 300, 30_000, 30_000, 45]);
  });

  it("splitRequestUrl normalizes each host, whether or not it repeats", () => {
    const hosts = ["A.Example.:8787", "A.Example.:8787", "b.example", "A.example", "[::1]:1"];
    expect(hosts.map((h) => splitRequestUrl(`http://${h}/p`).host)).toEqual(["a.example", "a.example", "b.example", "a.example", "[::1]"]);
  });

  it("a cached route keeps the decoded slot table, not its base64 text, and selects as before", async () => {
    const records = await seed({
      stack: "hot",
      name: "svc",
      origins: [origin("hello")],
      revisions: { v1: { origins: [origin("helloV2")], weight: 30 } },
    });
    const host = "svc.hot.weir.localhost";
    const route = await lookupRoute(env.ROUTES, host, 60_000);
    expect(route).not.toBeNull();
    expect(route!.record.slots).toBeUndefined();
    expect(route!.slots).toHaveLength(10_000);
    const published = records.get(host)!;
    // the decoded table is the published one, byte for byte
    const bytes = Uint8Array.from(atob(published.slots!), (c) => c.charCodeAt(0));
    expect(Array.from(route!.slots!)).toEqual(Array.from(bytes));
    for (const key of ["a", "b", "c", "returning-visitor"]) {
      expect(selectRevision(route!, key)).toBe(bytes[slotOf(murmur3(key, published.salt))]);
    }
  });

  it("a request never waits only on another request's KV read: stale serves, a cold host reads KV itself past a second", async () => {
    await seed({ stack: "hot", name: "join", origins: [origin("hello")] });
    const host = "join.hot.weir.localhost";
    let reads = 0;
    // the first read never answers, as when the request that started it is gone
    const stuckFirst = {
      get: (key: string, options: never) => (reads++ === 0 ? new Promise(() => undefined) : env.ROUTES.get(key, options)),
    } as unknown as KVNamespace;
    void lookupRoute(stuckFirst, host, 60_000);
    const cold = await lookupRoute(stuckFirst, host, 60_000);
    expect(cold?.record.service).toBe("hot/join");
    expect(reads).toBe(2);

    // the host is cached now; expired, with a refill stuck in flight, the cached route serves
    reads = 0;
    void lookupRoute(stuckFirst, host, 0);
    expect((await lookupRoute(stuckFirst, host, 0))?.record.service).toBe("hot/join");
    expect(reads).toBe(1);
  });
});

