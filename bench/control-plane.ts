/**
 * @module bench/control-plane
 * Control plane (issue 5 item 5): weight changes per second through the admin API, the
 * time from an accepted write to the data plane serving it (route-cache lifetime apart
 * from the rest), and what core `rebalance` costs per weight change.
 */
import { loadavg } from "node:os";
import { ownersByPosition, rebalance, createSlotTable, encodeSlotTable } from "../core/slot-table.ts";
import { bytesToBase64 } from "../core/base64.ts";
import { HostClient, type HostResponse } from "./load/host-client.ts";
import { startOrigin } from "./load/origin.ts";
import { BENCH_ADMIN_TOKEN, startWeir, type WeirRuntime } from "./load/weir-runtime.ts";
import { median, type BenchOptions, type BenchSuite, type Cell } from "./suite.ts";

const ADMIN_HOST = "admin.weir.localhost";
/** wrangler.toml's ROUTE_CACHE_MS */
const CACHE_MS = 2000;
const SERVICE_HOST = "svc.bench.weir.localhost";
const AUTH = { authorization: `Bearer ${BENCH_ADMIN_TOKEN}` };
/** two weight settings a writer alternates between, so every write changes something */
const WEIGHTS = [
  { v1: 10, v2: 5 },
  { v1: 20, v2: 10 },
];

function ok(response: HostResponse, what: string): HostResponse {
  if (response.status >= 300) throw new Error(`${what}: ${response.status} ${response.body}`);
  return response;
}

function versionOf(response: HostResponse, header: string): number {
  const value = response.headers[header];
  const n = Number(String(value).replaceAll('"', ""));
  if (!Number.isInteger(n)) throw new Error(`no config version in ${header}: ${value}`);
  return n;
}

/** Creates bench/svc with v1 and v2 staged, all on `origin`. */
async function createService(admin: HostClient, origin: string): Promise<void> {
  ok(await admin.send(ADMIN_HOST, "POST", "/v1/services", { headers: AUTH, json: { name: "bench/svc", origins: [origin] } }), "create service");
  for (const [version, weight] of [["v1", 10], ["v2", 5]] as const) {
    ok(await admin.send(ADMIN_HOST, "POST", "/v1/services/bench/svc/revisions", { headers: AUTH, json: { version, origins: [origin], weight } }), `stage ${version}`);
  }
}

/** Weight changes for `seconds` with `writers` in flight at once: writes per second and ms per write. */
async function weightChanges(runtime: WeirRuntime, writers: number, seconds: number): Promise<{ perSecond: number; p50: number }> {
  const admin = new HostClient(runtime.url, writers);
  const latencies: number[] = [];
  const started = performance.now();
  const end = started + seconds * 1000;
  let n = 0;
  try {
    await Promise.all(
      Array.from({ length: writers }, async () => {
        while (performance.now() < end) {
          const t = performance.now();
          ok(await admin.send(ADMIN_HOST, "PUT", "/v1/services/bench/svc/weights", { headers: AUTH, json: { weights: WEIGHTS[n++ % 2] } }), "weight change");
          latencies.push(performance.now() - t);
        }
      }),
    );
  } finally {
    admin.close();
  }
  return { perSecond: latencies.length / ((performance.now() - started) / 1000), p50: median(latencies) };
}

/**
 * One write, then data-plane reads back to back until one carries the write's config
 * version: ms from the write's response to that read's response, and the write's own ms.
 * As under live traffic, the route was cached at a random moment within one cache
 * lifetime before the write.
 */
async function writeToServed(runtime: WeirRuntime, k: number, cacheMs: number): Promise<{ served: number; write: number }> {
  const admin = new HostClient(runtime.url);
  const data = new HostClient(runtime.url);
  try {
    ok(await data.send(SERVICE_HOST, "GET", "/"), "data plane");
    await new Promise((resolve) => setTimeout(resolve, Math.random() * cacheMs));
    const sent = performance.now();
    const response = ok(await admin.send(ADMIN_HOST, "PUT", "/v1/services/bench/svc/weights", { headers: AUTH, json: { weights: WEIGHTS[k % 2] } }), "weight change");
    const accepted = performance.now();
    const version = versionOf(response, "etag");
    for (;;) {
      const read = ok(await data.send(SERVICE_HOST, "GET", "/"), "data plane");
      if (versionOf(read, "weir-config-version") >= version) return { served: performance.now() - accepted, write: accepted - sent };
    }
  } finally {
    admin.close();
    data.close();
  }
}

/** µs per weight change in core: rebalance, then the bytes a route record carries. */
function rebalanceCost(revisions: number, changes: number): { rebalance: number; publish: number; moved: number } {
  const labels = Array.from({ length: revisions }, (_, i) => `v${i}`);
  const table = createSlotTable("v0");
  // equal weights, and the same with 10 percentage points moved from v1 to v0
  const even = labels.map((_, i) => Math.floor(10_000 / revisions) + (i === 0 ? 10_000 % revisions : 0));
  const shifted = even.map((bp, i) => bp + (i === 0 ? 1000 : i === 1 ? -1000 : 0));
  const targets = [even, shifted].map((bps) => Object.fromEntries(labels.map((l, i) => [l, bps[i]])));
  rebalance(table, targets[0]);
  let moved = 0;
  let t = performance.now();
  for (let i = 1; i <= changes; i++) moved += rebalance(table, targets[i % 2]);
  const rebalanceUs = ((performance.now() - t) * 1000) / changes;
  t = performance.now();
  for (let i = 0; i < changes; i++) {
    bytesToBase64(ownersByPosition(table, labels));
    encodeSlotTable(table);
  }
  return { rebalance: rebalanceUs, publish: ((performance.now() - t) * 1000) / changes, moved: moved / changes };
}

export const controlPlane: BenchSuite = {
  id: "control-plane",
  title: "Control plane: weight changes, write-to-served delay, slot-table update cost",
  method:
    "Weir runs as in the overhead suite (the wrangler bundle on Miniflare's own server, its ConfigStore Durable Object " +
    "on local SQLite, route records published to local KV through the outbox before the write answers). A service " +
    "bench/svc has a primary and staged v1, v2; writers `PUT /v1/services/bench/svc/weights` with the root token, " +
    "alternating between two settings so every write changes the slot table, for a fixed time, one writer at a time " +
    "and four at once (the Durable Object serialises them). Write to served: a client has the service's route " +
    "cached, makes one weight change, and from its response reads the service host back to back until " +
    "`Weir-Config-Version` shows the new version, the route having been cached at a random moment within one cache " +
    "lifetime before the write (as live traffic leaves it); measured with the default route cache (ROUTE_CACHE_MS 2000) and " +
    "with the cache off (ROUTE_CACHE_MS 0, a second runtime): the difference is the cache lifetime's part, the " +
    "latter the rest (KV read and compile; on Cloudflare, KV's own propagation of up to about 60 s comes on top). " +
    "Slot-table cost: core `rebalance` alternating between two settings 10 points apart (1,000 slots move), then " +
    "what publishing adds (`ownersByPosition` + base64 for the route record, `encodeSlotTable` for storage), in Node.",
  async run(options: BenchOptions) {
    const seconds = options.quick ? 0.5 : 3;
    const trials = options.quick ? 2 : 4;
    const changes = options.quick ? 20 : 500;
    const origin = await startOrigin();
    const runtimes: WeirRuntime[] = [];
    try {
      runtimes.push(await startWeir({ bindings: { ROUTE_CACHE_MS: String(CACHE_MS) } }));
      runtimes.push(await startWeir({ bindings: { ROUTE_CACHE_MS: "0" } }));
      const [cached, uncached] = runtimes;
      for (const runtime of runtimes) {
        const admin = new HostClient(runtime.url);
        await createService(admin, origin.url).finally(() => admin.close());
      }

      const writes = new Map<number, { perSecond: number[]; p50: number[] }>([
        [1, { perSecond: [], p50: [] }],
        [4, { perSecond: [], p50: [] }],
      ]);
      const served = { cached: [] as number[], uncached: [] as number[], write: [] as number[] };
      const costs = new Map<number, { rebalance: number[]; publish: number[]; moved: number[] }>();
      for (let run = 0; run < options.runs; run++) {
        for (const [writers, figures] of writes) {
          const w = await weightChanges(cached, writers, seconds);
          figures.perSecond.push(w.perSecond);
          figures.p50.push(w.p50);
        }
        for (let k = 0; k < trials; k++) {
          const a = await writeToServed(cached, k, CACHE_MS);
          served.cached.push(a.served);
          served.write.push(a.write);
          served.uncached.push((await writeToServed(uncached, k, 0)).served);
        }
        for (const revisions of [2, 3, 10]) {
          const c = rebalanceCost(revisions, changes);
          const entry = costs.get(revisions) ?? { rebalance: [], publish: [], moved: [] };
          entry.rebalance.push(c.rebalance);
          entry.publish.push(c.publish);
          entry.moved.push(c.moved);
          costs.set(revisions, entry);
        }
        options.log(`control-plane: run ${run + 1}/${options.runs}: ${writes.get(1)!.perSecond.at(-1)!.toFixed(0)} writes/s with one writer`);
      }

      const pct = (values: number[], q: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(q * values.length))];
      const servedRows: Record<string, Cell>[] = [
        { what: "write accepted → served, route cache 2 s (default)", p50: median(served.cached), p90: pct(served.cached, 0.9), max: Math.max(...served.cached) },
        { what: "write accepted → served, route cache off (the rest)", p50: median(served.uncached), p90: pct(served.uncached, 0.9), max: Math.max(...served.uncached) },
        { what: "route cache's part (difference of the medians)", p50: median(served.cached) - median(served.uncached), p90: null, max: null },
        { what: "the write itself (request sent → accepted)", p50: median(served.write), p90: pct(served.write, 0.9), max: Math.max(...served.write) },
      ];
      return {
        facts: {
          "seconds per throughput figure": seconds,
          "write-to-served trials per run": trials,
          runs: options.runs,
          "rebalances per cost figure": changes,
          "load average at the end": Math.round(loadavg()[0] * 10) / 10,
        },
        tables: [
          {
            title: `Weight changes through the admin API, median of ${options.runs} runs`,
            columns: [
              { key: "writers", label: "writers in flight" },
              { key: "perSecond", label: "weight changes/s", digits: 0 },
              { key: "p50", label: "p50 ms per change", digits: 1 },
            ],
            rows: [...writes].map(([writers, f]) => ({ writers, perSecond: median(f.perSecond), p50: median(f.p50) })),
            notes: [
              "A write answers once its route records are in KV (the outbox flush is awaited): a weight change republishes every hostname of the service, the service host and one per version (4 records here), since each carries the config version. Local KV puts go one at a time through Miniflare's KV simulator (a blob file and a SQLite row each).",
              "The ConfigStore Durable Object runs one write at a time, so four writers in flight add latency, not throughput.",
            ],
          },
          {
            title: `Write to served, ${served.cached.length} writes each (${trials} per run)`,
            columns: [
              { key: "what", label: "interval" },
              { key: "p50", label: "median ms", digits: 1 },
              { key: "p90", label: "p90 ms", digits: 1 },
              { key: "max", label: "max ms", digits: 1 },
            ],
            rows: servedRows,
            notes: ["Reads go back to back on one connection, so a figure includes up to one data-plane request's latency of polling."],
          },
          {
            title: `Slot-table update per weight change (core, Node), median of ${options.runs} runs`,
            columns: [
              { key: "revisions", label: "revisions" },
              { key: "moved", label: "slots moved", digits: 0 },
              { key: "rebalance", label: "rebalance µs", digits: 1 },
              { key: "publish", label: "record bytes + storage encoding µs", digits: 1 },
            ],
            rows: [...costs].map(([revisions, c]) => ({ revisions, moved: median(c.moved), rebalance: median(c.rebalance), publish: median(c.publish) })),
          },
        ],
      };
    } finally {
      for (const runtime of runtimes) await runtime.dispose();
      await origin.stop();
    }
  },
};
