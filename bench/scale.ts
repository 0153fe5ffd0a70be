/**
 * @module bench/scale
 * Scale (issue 5 item 4): what a request costs with 10, 1,000 and 100,000 services
 * configured (their route records in local KV), and the memory an isolate holds for 1,000
 * hot hostnames. One Weir runtime per configuration, all up at once, slices interleaved.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { Agent, request as httpRequest } from "node:http";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { routeKey } from "../core/route-record.ts";
import { freePort } from "../scripts/dev-server.ts";
import { inspectWorker, type HeapUsage } from "./load/inspector.ts";
import { writeKvNamespaces } from "./load/kv-bulk.ts";
import { combineSlices, loadSlice, medianFigures, type LoadFigures, type LoadTarget } from "./load/load-slice.ts";
import { startOrigin } from "./load/origin.ts";
import { rssBytes } from "./load/process-cpu.ts";
import { BENCH_BASE_DOMAIN, serviceRecords } from "./load/route-seed.ts";
import { mintedCookie } from "./load/sticky-cookie.ts";
import { routesNamespaceId, startWeir, type WeirRuntime } from "./load/weir-runtime.ts";
import { median, type BenchOptions, type BenchSuite, type Cell } from "./suite.ts";

const CONNECTIONS = 10;
const STACK = "scale";
/** services s0 … s(CANARIES-1) run three revisions (50/30/20 %); the rest only a primary */
const CANARIES = 1_000;

const serviceHostOf = (i: number) => `s${i}.${STACK}.${BENCH_BASE_DOMAIN}`;

function* records(services: number, origin: string): Generator<[string, string]> {
  for (let i = 0; i < services; i++) {
    const staged = i < CANARIES ? [3000, 2000] : [];
    for (const [host, record] of serviceRecords(STACK, `s${i}`, origin, staged)) yield [routeKey(host), JSON.stringify(record)];
  }
}

/** One GET per host, 10 at a time over keep-alive connections; throws unless each is a 200. */
async function getEach(base: URL, hosts: readonly string[], cookie: string): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const get = (host: string) =>
    new Promise<void>((resolve, reject) => {
      const req = httpRequest(base, { agent, headers: { host, cookie } }, (res) => {
        res.resume();
        res.on("end", () => (res.statusCode === 200 ? resolve() : reject(new Error(`${host} answered ${res.statusCode}`))));
      });
      req.on("error", reject);
      req.end();
    });
  try {
    let next = 0;
    await Promise.all(Array.from({ length: CONNECTIONS }, async () => {
      while (next < hosts.length) await get(hosts[next++]);
    }));
  } finally {
    agent.destroy();
  }
}

interface Configured {
  services: number;
  runtime: WeirRuntime;
  inspectorPort: number;
}

export const scale: BenchSuite = {
  id: "scale",
  title: "Scale: cost per request against services configured, memory per isolate",
  method:
    "Three Weir runtimes (the wrangler bundle on Miniflare, one workerd each) hold 10, 1,000 and 100,000 services in " +
    `local KV: services s0…s${CANARIES - 1} with three revisions (50/30/20 %, four records each: the service host and ` +
    "one per version), the rest with only a primary (two records), built by core `buildRouteRecords` as the config " +
    "store publishes them. The records are laid out on disk the way Miniflare persists local KV (bench/load/kv-bulk.ts: " +
    "a put through the KV API costs milliseconds, 200,000 of them most of an hour); each runtime reads one back through " +
    "Weir before measuring. autocannon then drives each runtime in turn, slices interleaved in rotating order, as a " +
    `returning client (one cookie), ${CONNECTIONS} connections, the Host cycling over 10 hot service hostnames (present ` +
    "in every configuration) and, where there are that many, over 1,000. CPU per request = workerd's utime+stime over " +
    "the slices ÷ requests. Memory per isolate: V8 heap in use in Weir's isolate after a forced GC (DevTools protocol " +
    "`HeapProfiler.collectGarbage` + `Runtime.getHeapUsage`), once the 10 hot hosts and again once the 1,000 hot hosts " +
    "have been served (every route still in the isolate's cache), on the 100,000-service runtime; workerd's RSS for " +
    "reference. Goal: cost per request with 100,000 services ÷ with 10 ≤ 1.1.",
  async run(options: BenchOptions) {
    const counts = options.quick ? [10, 100] : [10, 1_000, 100_000];
    const seconds = options.quick ? 0.5 : 2;
    const slicesPerRun = options.quick ? 1 : 2;
    const origin = await startOrigin();
    const configured: Configured[] = [];
    const persists: string[] = [];
    try {
      const started = performance.now();
      for (const _ of counts) persists.push(mkdtempSync(join(tmpdir(), "weir-bench-scale-")));
      const written = await writeKvNamespaces(counts.map((services, i) => ({ root: persists[i], namespaceId: routesNamespaceId(), entries: records(services, origin.url) })));
      options.log(`scale: ${counts.map((n, i) => `${n} services (${written[i]} records)`).join(", ")} in local KV in ${Math.round(performance.now() - started)} ms`);
      for (let i = 0; i < counts.length; i++) {
        const inspectorPort = await freePort();
        // pushed as soon as it runs, so `finally` disposes whatever started
        configured.push({ services: counts[i], runtime: await startWeir({ kvPersist: persists[i], inspectorPort }), inspectorPort });
      }
      const cookie = await mintedCookie(configured[0].runtime.url, serviceHostOf(0));
      const hot10 = Array.from({ length: 10 }, (_, i) => serviceHostOf(i));
      const hotMany = Array.from({ length: options.quick ? 100 : 1_000 }, (_, i) => serviceHostOf(i));
      const patterns = [
        { id: "10 hot hosts", hosts: hot10 },
        { id: `${hotMany.length.toLocaleString("en")} hot hosts`, hosts: hotMany },
      ];
      const cases = configured.flatMap((c) =>
        patterns.filter((p) => p.hosts.length <= c.services).map((p) => ({ c, pattern: p.id, target: { url: c.runtime.url.href, hosts: p.hosts, headers: { cookie } } as LoadTarget })),
      );
      const slice = (k: (typeof cases)[number], s = seconds) => loadSlice(k.target, { seconds: s, connections: CONNECTIONS, cpuPid: k.c.runtime.workerdPid });
      for (const k of cases) {
        const warm = await slice(k, options.quick ? 0.3 : 1);
        if (warm.requests === 0 || warm.failures > warm.requests / 100) throw new Error(`scale: ${k.c.services} services, ${k.pattern}: ${warm.failures} of ${warm.requests} requests failed`);
      }

      const figures = new Map<(typeof cases)[number], LoadFigures[]>(cases.map((k) => [k, []]));
      for (let run = 0; run < options.runs; run++) {
        const slices = new Map(cases.map((k) => [k, [] as Awaited<ReturnType<typeof slice>>[]]));
        for (let s = 0; s < slicesPerRun; s++) {
          for (let i = 0; i < cases.length; i++) {
            const k = cases[(i + s + run) % cases.length];
            slices.get(k)!.push(await slice(k));
          }
        }
        for (const [k, list] of slices) figures.get(k)!.push(combineSlices(list));
        options.log(`scale: run ${run + 1}/${options.runs}: ${cases.map((k) => `${k.c.services}/${k.pattern} ${figures.get(k)!.at(-1)!.cpuUs!.toFixed(0)} µs`).join(", ")}`);
      }

      // Memory: the largest configuration after its 10 hot hosts, then after many more,
      // each host requested once within one cache lifetime, so all are in the cache at once.
      const largest = configured.at(-1)!;
      const inspector = await inspectWorker(largest.inspectorPort, "weir");
      const memory: { state: string; heap: HeapUsage; rss: number }[] = [];
      try {
        for (const hosts of [hot10, hotMany]) {
          await getEach(largest.runtime.url, hosts, cookie);
          memory.push({ state: `${hosts.length.toLocaleString("en")} hot hosts served`, heap: await inspector.heapAfterGc(), rss: rssBytes(largest.runtime.workerdPid) });
        }
      } finally {
        inspector.close();
      }
      const [few, many] = memory;
      const extra = hotMany.length - hot10.length;
      const perHostKiB = (many.heap.used - few.heap.used + (many.heap.backingStores ?? 0) - (few.heap.backingStores ?? 0)) / extra / 1024;

      const base = (pattern: string) => cases.find((k) => k.pattern === pattern && k.c === configured[0]) ?? cases.find((k) => k.pattern === pattern)!;
      const rows: Record<string, Cell>[] = cases.map((k) => {
        const m = medianFigures(figures.get(k)!);
        const b = figures.get(base(k.pattern))!;
        const ratio = median(figures.get(k)!.map((f, i) => f.cpuUs! / b[i].cpuUs!));
        return {
          services: k.c.services,
          pattern: k.pattern,
          rps: m.rps,
          p50: m.p50,
          p99: m.p99,
          cpu: m.cpuUs,
          ratio,
          revisit: k.target.hosts!.length / m.rps,
          failures: m.failures,
        };
      });
      const mib = (b: number) => b / 2 ** 20;
      return {
        facts: {
          connections: CONNECTIONS,
          "slice seconds": seconds,
          "slices per case per run": slicesPerRun,
          runs: options.runs,
          "load average at the end": Math.round(loadavg()[0] * 10) / 10,
        },
        tables: [
          {
            title: `Cost per request against services configured, median of ${options.runs} runs`,
            columns: [
              { key: "services", label: "services in KV" },
              { key: "pattern", label: "load" },
              { key: "rps", label: "req/s", digits: 0 },
              { key: "p50", label: "p50 ms", digits: 2 },
              { key: "p99", label: "p99 ms", digits: 2 },
              { key: "cpu", label: "workerd CPU µs/request", digits: 0 },
              { key: "ratio", label: `CPU ÷ fewest services (goal ≤ 1.1 at ${counts.at(-1)!.toLocaleString("en")})`, digits: 3 },
              { key: "revisit", label: "s between visits to a host", digits: 2 },
              { key: "failures", label: "failed responses", digits: 0 },
            ],
            rows,
            notes: [
              `Ratios are per run (paired, interleaved slices), then the median; the ${hotMany.length.toLocaleString("en")}-host rows compare with the fewest services that have that many hosts.`,
              "s between visits: hot hosts ÷ req/s, how long a host waits for its next request; beyond the 2 s route-cache lifetime (ROUTE_CACHE_MS) its next request reads KV again.",
            ],
          },
          {
            title: `Memory of Weir's isolate, ${largest.services.toLocaleString("en")} services configured`,
            columns: [
              { key: "state", label: "state" },
              { key: "heap", label: "V8 heap in use after GC, MiB", digits: 2 },
              { key: "stores", label: "ArrayBuffer backing stores, MiB", digits: 2 },
              { key: "rss", label: "workerd RSS, MiB", digits: 1 },
            ],
            rows: [
              ...memory.map((m) => ({ state: m.state, heap: mib(m.heap.used), stores: m.heap.backingStores === null ? null : mib(m.heap.backingStores), rss: mib(m.rss) })),
              {
                state: "per extra hot host, KiB",
                heap: (many.heap.used - few.heap.used) / extra / 1024,
                stores: many.heap.backingStores === null || few.heap.backingStores === null ? null : (many.heap.backingStores - few.heap.backingStores) / extra / 1024,
                rss: (many.rss - few.rss) / extra / 1024,
              },
            ],
            notes: [
              "RSS covers the whole workerd process (every isolate, KV simulator, allocator slack): for reference only.",
              `Each hot weighted host holds its compiled route: the 10,000-byte slot table (an ArrayBuffer) and the parsed record, about ${perHostKiB.toFixed(1)} KiB in all (heap + stores). ` +
                "Until commit 8ac8653 the cached record also kept the table's base64 text (13,336 characters, about 13 KiB more per host); the route cache now drops it once decoded.",
              `The route cache keeps at most 10,000 hosts (ROUTE_CACHE_SIZE) and about 32 MiB of routes (ROUTE_CACHE_BYTES, worker/route-cache.ts): the count cap alone would allow about ${((perHostKiB * 10_000) / 1024).toFixed(0)} MiB for 10,000 hot weighted hosts ` +
                "against Cloudflare's 128 MB per isolate; the byte budget keeps a very wide fleet inside the limit, colder hosts being read from KV again.",
            ],
          },
        ],
      };
    } finally {
      for (const c of configured) await c.runtime.dispose();
      for (const persist of persists) rmSync(persist, { recursive: true, force: true });
      await origin.stop();
    }
  },
};
