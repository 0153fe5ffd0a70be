// Stats flushes across real requests (issue 9 item 13): every request here is its own
// request context (SELF.fetch into the Worker), so a flush that used a Durable Object stub
// or promise of another request would fail with "Cannot perform I/O on behalf of a
// different request" (a stub cached in statsStoreOf fails this test so), and its counts
// would be missing. Concurrent bursts and more services than one flush sends (so flushes
// leave a backlog for the next request) are exercised; the delayed flush, which these
// tests' STATS_FLUSH_MS of 0 never arms, is covered under load by `npm run bench -- stats-flush`.
import { SELF } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { statsStoreOf } from "../../admin/store/stats-store.ts";
import { MAX_SERVICES_PER_FLUSH, revisionTotals } from "../../core/edge-stats.ts";
import { env, origin, seed } from "./helpers.ts";

const warnings: string[] = [];
afterEach(() => {
  vi.restoreAllMocks();
  warnings.length = 0;
});

function watchLogs(): void {
  for (const level of ["warn", "error"] as const) {
    vi.spyOn(console, level).mockImplementation((...args: unknown[]) => void warnings.push(args.map(String).join(" ")));
  }
}

async function served(stack: string, service: string): Promise<number> {
  const rows = await statsStoreOf(env, `${stack}/${service}`).window(Date.now() - 120_000, Date.now() + 60_000);
  return [...revisionTotals(rows).values()].reduce((n, t) => n + t.all.requests, 0);
}

describe("stats flushes across request contexts", () => {
  it("deliver every count of many services from many requests, with no cross-request I/O", async () => {
    watchLogs();
    const stack = `flush-${crypto.randomUUID().slice(0, 6)}`;
    const services = Array.from({ length: MAX_SERVICES_PER_FLUSH + 4 }, (_, i) => `s${i}`);
    for (const name of services) {
      await seed({ stack, name, origins: [origin("hello")], revisions: { v1: { origins: [origin("helloV2")], weight: 30 } } });
    }
    const hosts = services.flatMap((s) => [`${s}.${stack}.weir.localhost`, `${s}-v1.${stack}.weir.localhost`]);
    const sent = new Map<string, number>();
    // bursts of concurrent requests, one per host
    for (let burst = 0; burst < 4; burst++) {
      const responses = await Promise.all(hosts.map((h) => SELF.fetch(`http://${h}/`)));
      for (const [i, res] of responses.entries()) {
        // every answer is counted, an origin's failure under this burst (502) included
        expect([200, 502]).toContain(res.status);
        await res.arrayBuffer();
        const service = services[Math.floor(i / 2)];
        sent.set(service, (sent.get(service) ?? 0) + 1);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    // the counts leave through flushes in other requests' contexts: wait for them
    for (let tries = 0; tries < 100; tries++) {
      const counted = await Promise.all(services.map((s) => served(stack, s)));
      if (counted.every((n, i) => n === sent.get(services[i]))) break;
      // a request to another host gives a due flush a context to run in
      const res = await SELF.fetch(`http://nothing.${stack}.weir.localhost/`);
      await res.arrayBuffer();
      await new Promise((r) => setTimeout(r, 100));
    }
    for (const s of services) expect(await served(stack, s), s).toBe(sent.get(s));
    expect(warnings.filter((w) => /different request|stats flush/.test(w))).toEqual([]);
  });
});
