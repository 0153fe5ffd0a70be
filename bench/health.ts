/**
 * @module bench/health
 * Origin health (issue 12, DESIGN §13): (1) requests that fail while a canary's origin is
 * down, for the same traffic and the same outage, on a service without health checks and
 * on one with them; (2) the data plane's CPU per request on the health-aware path against
 * the build from before it (another commit, `WEIR_BENCH_BASELINE_REF`, e.g. `main`), in
 * the same workerd, interleaved slices as in the overhead suite.
 */
import { cpus, loadavg } from "node:os";
import type { DownOrigin } from "../core/health.ts";
import type { ServiceConfig } from "../core/model.ts";
import { buildRouteRecords, type RouteRecord } from "../core/route-record.ts";
import { createSlotTable, rebalance } from "../core/slot-table.ts";
import { bundleAt } from "./load/baseline-build.ts";
import { HostClient } from "./load/host-client.ts";
import { combineSlices, loadSlice, type LoadTarget, type Slice } from "./load/load-slice.ts";
import { startOrigin, type OriginProcess } from "./load/origin.ts";
import { BENCH_BASE_DOMAIN, putRecords, serviceRecords } from "./load/route-seed.ts";
import { mintedCookie } from "./load/sticky-cookie.ts";
import { BENCH_ADMIN_TOKEN, startWeir } from "./load/weir-runtime.ts";
import { median, type BenchOptions, type BenchSuite, type BenchTable, type Cell } from "./suite.ts";

const ADMIN_HOST = "admin.weir.localhost";
const AUTH = { authorization: `Bearer ${BENCH_ADMIN_TOKEN}` };
/** Checks of the checked service: a stopped origin is down after 2 failed checks 5 s apart. */
const HEALTH = { path: "/healthz", interval: "5s", timeout: "1s", healthyThreshold: 2, unhealthyThreshold: 2 };
const CACHE_MS = 2000;
/** Per service: clients sending one request each PACE_MS (fresh clients: a random sticky key each). */
const CLIENTS = 4;
const PACE_MS = 50;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Outcome {
  /** ms since the outage began (negative before) */
  at: number;
  status: number;
  revision: string | null;
}

/** Paced requests from `CLIENTS` clients to `host` until `end` (performance.now()). */
async function traffic(client: HostClient, host: string, outageAt: () => number, end: number, out: Outcome[]): Promise<void> {
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (performance.now() < end) {
        const t = performance.now();
        let status = 0;
        let revision: string | null = null;
        try {
          const res = await client.send(host, "GET", "/");
          status = res.status;
          revision = typeof res.headers["weir-revision"] === "string" ? res.headers["weir-revision"] : null;
        } catch {
          status = 0; // the connection to Weir failed: counted as failed
        }
        out.push({ at: t - outageAt(), status, revision });
        const wait = PACE_MS - (performance.now() - t);
        if (wait > 0) await sleep(wait);
      }
    }),
  );
}

interface OutageFigures {
  requests: number;
  duringOutage: number;
  failed: number;
  failedDuringOutage: number;
  /** s after the outage began of the last failed request; null without failures */
  lastFailure: number | null;
  failedAfterRestart: number;
  /** share of the last seconds' requests served by the canary (users back on it) */
  canaryShareAtEnd: number;
}

function outageFigures(outcomes: readonly Outcome[], outageMs: number, endMs: number): OutageFigures {
  const failed = outcomes.filter((o) => o.status !== 200);
  const during = outcomes.filter((o) => o.at >= 0 && o.at < outageMs);
  const tail = outcomes.filter((o) => o.at >= endMs - 5_000);
  return {
    requests: outcomes.length,
    duringOutage: during.length,
    failed: failed.length,
    failedDuringOutage: during.filter((o) => o.status !== 200).length,
    lastFailure: failed.length === 0 ? null : Math.max(...failed.map((o) => o.at)) / 1000,
    failedAfterRestart: failed.filter((o) => o.at >= outageMs).length,
    canaryShareAtEnd: tail.length === 0 ? 0 : tail.filter((o) => o.revision === "v3").length / tail.length,
  };
}

/** (1) One outage: both canaries stop at the same moment and come back on the same ports. */
async function outageRun(options: BenchOptions, run: number): Promise<{ plain: OutageFigures; checked: OutageFigures }> {
  const warmMs = options.quick ? 2_000 : 5_000;
  const outageMs = options.quick ? 12_000 : 20_000;
  const afterMs = options.quick ? 12_000 : 25_000;
  const primary = await startOrigin();
  let canaries: OriginProcess[] = [await startOrigin(), await startOrigin()];
  const weir = await startWeir();
  const admin = new HostClient(weir.url);
  const clients = [new HostClient(weir.url, CLIENTS), new HostClient(weir.url, CLIENTS)];
  try {
    const stack = `hb${run}`;
    const send = async (method: string, path: string, json: unknown) => {
      const res = await admin.send(ADMIN_HOST, method, path, { headers: AUTH, json });
      if (res.status >= 300) throw new Error(`health bench: ${method} ${path}: ${res.status} ${res.body}`);
    };
    for (const [name, canary, health] of [
      ["plain", canaries[0], undefined],
      ["checked", canaries[1], HEALTH],
    ] as const) {
      await send("POST", "/v1/services", { name: `${stack}/${name}`, origins: [primary.url], ...(health ? { health } : {}) });
      await send("POST", `/v1/services/${stack}/${name}/revisions`, { version: "v3", origins: [canary.url], weight: 50, ...(health ? { health } : {}) });
    }
    // the first checks pass before the clock starts
    for (let i = 0; i < 100; i++) {
      const res = await admin.send(ADMIN_HOST, "GET", `/v1/services/${stack}/checked/health`, { headers: AUTH });
      const view = JSON.parse(res.body) as { revisions: { origins: { state: string }[] }[] };
      if (view.revisions.every((r) => r.origins.every((o) => o.state === "up"))) break;
      await sleep(200);
    }
    let outageAt = performance.now() + warmMs;
    const end = outageAt + outageMs + afterMs;
    const logs: Outcome[][] = [[], []];
    const hosts = [`plain.${stack}.${BENCH_BASE_DOMAIN}`, `checked.${stack}.${BENCH_BASE_DOMAIN}`];
    const load = Promise.all(hosts.map((host, i) => traffic(clients[i], host, () => outageAt, end, logs[i])));
    await sleep(warmMs);
    outageAt = performance.now();
    const ports = canaries.map((c) => Number(new URL(c.url).port));
    await Promise.all(canaries.map((c) => c.stop()));
    options.log(`health: run ${run + 1}: both canaries stopped`);
    await sleep(outageAt + outageMs - performance.now());
    canaries = await Promise.all(ports.map((port) => startOrigin(port)));
    options.log(`health: run ${run + 1}: both canaries restarted on their ports`);
    await load;
    const endMs = end - outageAt;
    return { plain: outageFigures(logs[0], outageMs, endMs), checked: outageFigures(logs[1], outageMs, endMs) };
  } finally {
    admin.close();
    for (const c of clients) c.close();
    await weir.dispose();
    await Promise.all([primary, ...canaries].map((o) => o.stop()));
  }
}

/** Records of a 3-revision service whose revisions each have a second origin, marked down. */
function markedRecords(stack: string, name: string, origin: string, dead: string): Map<string, RouteRecord> {
  const createdAt = new Date(0).toISOString();
  const health = { ...HEALTH, interval: "10s", timeout: "2s" };
  const service: ServiceConfig = {
    stack,
    name,
    version: "v0",
    origins: [origin, dead],
    affinity: "cookie",
    revisionHeader: true,
    createdAt,
    health,
    revisions: [3000, 2000].map((weight, i) => ({ version: `v${i + 1}`, origins: [origin, dead], weight, createdAt, health })),
  };
  const table = createSlotTable("v0");
  rebalance(table, { v0: 5000, v1: 3000, v2: 2000 });
  const down: DownOrigin[] = ["v0", "v1", "v2"].map((version) => ({ version, origin: dead }));
  return buildRouteRecords(service, table, 1, BENCH_BASE_DOMAIN, [], undefined, down);
}

type CpuVariant = "pass" | "plain" | "marked" | "baseline";

const CPU_VARIANTS: Record<CpuVariant, string> = {
  pass: "(b) pass-through Worker",
  plain: "(c) this build, no health settings (the usual path)",
  marked: "(c') this build, an origin of each revision marked down",
  baseline: "(d) the build before health checks, same service",
};

/** (2) CPU per request: this build's paths and the baseline build's, interleaved in one workerd. */
async function cpuRuns(options: BenchOptions): Promise<{ rows: Record<string, Cell>[]; ratios: Record<string, Cell>[]; baseline: string | null }> {
  const ref = process.env.WEIR_BENCH_BASELINE_REF;
  const baseline = ref ? await bundleAt(ref) : null;
  const origin = await startOrigin();
  const hosts: Record<CpuVariant, string> = {
    pass: "pass.bench.localhost",
    plain: "plain.hb.weir.localhost",
    marked: "marked.hb.weir.localhost",
    baseline: "base.hb.weir.localhost",
  };
  const weir = await startWeir({
    // Stats flushes stay off the measured slices (and an older build's batches may not suit this build's StatsStore).
    bindings: { STATS_FLUSH_MS: "3600000" },
    helpers: [{ name: "pass-through", entry: "./pass-through-worker.ts", host: hosts.pass, bindings: { ORIGIN: origin.url } }],
    builds: baseline ? [{ name: "baseline", bundle: baseline.bundle, hosts: [hosts.baseline] }] : [],
  });
  try {
    const routes = await weir.routes();
    await putRecords(routes, serviceRecords("hb", "plain", origin.url, [3000, 2000]));
    await putRecords(routes, serviceRecords("hb", "base", origin.url, [3000, 2000]));
    await putRecords(routes, markedRecords("hb", "marked", origin.url, "http://127.0.0.1:9"));
    const variants: CpuVariant[] = baseline ? ["pass", "plain", "marked", "baseline"] : ["pass", "plain", "marked"];
    const targets = new Map<CpuVariant, LoadTarget>();
    for (const id of variants) {
      const headers = id === "pass" ? undefined : { cookie: await mintedCookie(weir.url, hosts[id]) };
      targets.set(id, { url: weir.url.href, hosts: [hosts[id]], headers });
    }
    const seconds = options.quick ? 0.5 : 2;
    const slice = (id: CpuVariant, s = seconds) => loadSlice(targets.get(id)!, { seconds: s, connections: 10, cpuPid: weir.workerdPid });
    for (const id of variants) {
      const warm = await slice(id, options.quick ? 0.3 : 1);
      if (warm.requests === 0 || warm.failures > 0) throw new Error(`health bench: ${CPU_VARIANTS[id]}: ${warm.failures} of ${warm.requests} requests failed`);
    }
    const runs = new Map<CpuVariant, ReturnType<typeof combineSlices>[]>(variants.map((id) => [id, []]));
    for (let run = 0; run < options.runs; run++) {
      const slices = new Map<CpuVariant, Slice[]>(variants.map((id) => [id, []]));
      for (let s = 0; s < (options.quick ? 1 : 3); s++) {
        for (let k = 0; k < variants.length; k++) {
          const id = variants[(k + s + run) % variants.length];
          slices.get(id)!.push(await slice(id));
        }
      }
      for (const [id, list] of slices) runs.get(id)!.push(combineSlices(list));
      options.log(`health: cpu run ${run + 1}/${options.runs}: ${variants.map((id) => `${id} ${runs.get(id)!.at(-1)!.cpuUs!.toFixed(0)} µs`).join(", ")}`);
    }
    const rows = variants.map((id) => {
      const figures = runs.get(id)!;
      return {
        variant: CPU_VARIANTS[id],
        cpu: median(figures.map((f) => f.cpuUs!)),
        rps: median(figures.map((f) => f.rps)),
        failures: figures.reduce((n, f) => n + f.failures, 0),
      };
    });
    const ratio = (label: string, a: CpuVariant, b: CpuVariant): Record<string, Cell> => {
      const r = runs.get(a)!.map((f, i) => f.cpuUs! / runs.get(b)![i].cpuUs!);
      return { ratio: label, median: median(r), range: `${Math.min(...r).toFixed(3)}–${Math.max(...r).toFixed(3)}` };
    };
    const ratios = [
      ...(baseline ? [ratio("(c) ÷ (d): this build ÷ the build before, usual path", "plain", "baseline")] : []),
      ratio("(c') ÷ (c): an origin marked down ÷ none", "marked", "plain"),
      ratio("(c) ÷ (b): this build ÷ pass-through", "plain", "pass"),
    ];
    return { rows, ratios, baseline: baseline ? `${ref} (${baseline.commit.slice(0, 7)})` : null };
  } finally {
    await weir.dispose();
    await origin.stop();
  }
}

export const health: BenchSuite = {
  id: "health",
  title: "Origin health: requests failed during an outage, and the cost of the health-aware path",
  method:
    "(1) Outage. Weir as in the overhead suite (the wrangler bundle on Miniflare's server, real ConfigStore and " +
    "HealthChecker Durable Objects whose alarms fire by themselves, route records through the outbox, ROUTE_CACHE_MS " +
    "2000). Two services are created through the admin API, identical but for health checks: a primary and a canary " +
    "v3 at 50 %, each on its own origin process; `checked` has `health` " +
    `${JSON.stringify(HEALTH)} on both revisions, \`plain\` none. Each gets the same traffic: ${CLIENTS} clients, one ` +
    `request each ${PACE_MS} ms (fresh clients: a random sticky key per request, so half go to the canary). After a ` +
    "warm-up both canary processes are killed at the same moment (connections refused) and restarted on the same " +
    "ports 20 s later; traffic goes on 25 s more. A request fails when it is not a 200. (2) Cost. The per-request " +
    "CPU of workerd (as in the overhead suite, returning clients with one cookie, 10 connections, interleaved 2 s " +
    "slices) for a 3-revision service without health settings, the same service with a second origin per revision " +
    "marked down (the filter runs on every request), and, with `WEIR_BENCH_BASELINE_REF=<git ref>`, the same " +
    "service on the bundle of that commit (built from `git archive`) in the same workerd: the path before health " +
    "checks existed. Medians of the runs; the outage is repeated once per run.",
  async run(options: BenchOptions) {
    const loadAtStart = loadavg()[0];
    const outages: { plain: OutageFigures; checked: OutageFigures }[] = [];
    for (let run = 0; run < options.runs; run++) outages.push(await outageRun(options, run));
    const cpu = await cpuRuns(options);

    const outageRow = (label: string, pick: (o: { plain: OutageFigures; checked: OutageFigures }) => OutageFigures): Record<string, Cell> => {
      const f = outages.map(pick);
      const m = (g: (x: OutageFigures) => number | null) => {
        const values = f.map(g).filter((v): v is number => v !== null);
        return values.length ? median(values) : null;
      };
      return {
        service: label,
        duringOutage: m((x) => x.duringOutage),
        failedDuringOutage: m((x) => x.failedDuringOutage),
        share: m((x) => (x.duringOutage === 0 ? 0 : (100 * x.failedDuringOutage) / x.duringOutage)),
        perRun: f.map((x) => x.failedDuringOutage).join(", "),
        lastFailure: m((x) => x.lastFailure),
        failedAfterRestart: m((x) => x.failedAfterRestart),
        canaryShareAtEnd: m((x) => 100 * x.canaryShareAtEnd),
      };
    };
    const load = Math.max(loadAtStart, loadavg()[0]);
    const shared =
      load > cpus().length
        ? [`The machine was shared while measuring (load average up to ${load.toFixed(1)} on ${cpus().length} cores): CPU ratios scatter more than on a quiet machine; see the runs' range.`]
        : [];
    const tables: BenchTable[] = [
      {
        title: `Requests failed during a 20 s canary outage, same traffic, median of ${options.runs} runs`,
        columns: [
          { key: "service", label: "service" },
          { key: "duringOutage", label: "requests during the outage", digits: 0 },
          { key: "failedDuringOutage", label: "failed", digits: 0 },
          { key: "share", label: "failed %", digits: 1 },
          { key: "perRun", label: "failed, per run" },
          { key: "lastFailure", label: "last failure, s after the outage began", digits: 1 },
          { key: "failedAfterRestart", label: "failed after the restart", digits: 0 },
          { key: "canaryShareAtEnd", label: "% on the canary, last 5 s", digits: 0 },
        ],
        rows: [outageRow("without health checks", (o) => o.plain), outageRow(`with health checks (${HEALTH.interval} × ${HEALTH.unhealthyThreshold})`, (o) => o.checked)],
        notes: [
          `With checks, failures stop once the canary is marked down and the mark is served: at most interval × unhealthyThreshold (${HEALTH.interval} × ${HEALTH.unhealthyThreshold}) after the outage began, depending on where in its rhythm the checker was, plus the route cache (${CACHE_MS / 1000} s); from then on the canary's users are served by the primary. Without checks every canary request fails until the origin is back (a single-origin revision has no other origin for passive ejection to use).`,
          "After the restart the canary is marked up after healthyThreshold passing checks; its users then return to it (the share on the canary goes back to about 50 %).",
        ],
      },
      {
        title: `workerd CPU per request, median of ${options.runs} runs`,
        columns: [
          { key: "variant", label: "path" },
          { key: "cpu", label: "CPU µs/request", digits: 0 },
          { key: "rps", label: "req/s", digits: 0 },
          { key: "failures", label: "failed responses", digits: 0 },
        ],
        rows: cpu.rows,
        notes: cpu.baseline === null ? ["No baseline build: set WEIR_BENCH_BASELINE_REF (e.g. main) to measure against the commit before health checks."] : [`(d) is ${cpu.baseline}.`],
      },
      {
        title: "CPU ratios (per-run, median)",
        columns: [
          { key: "ratio", label: "ratio" },
          { key: "median", label: "median", digits: 3 },
          { key: "range", label: "runs' range" },
        ],
        rows: cpu.ratios,
        notes: [
          "Goal: (c) ÷ (d) within noise. Two identical builds measure 0.95–1.04 per run on this machine (overhead suite, A/B of one build against itself), so a median inside that band is no measurable change.",
          ...shared,
        ],
      },
    ];
    return { tables, facts: { runs: options.runs, "load average at the end": Math.round(loadavg()[0] * 10) / 10 } };
  },
};
