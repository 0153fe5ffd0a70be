/**
 * @module bench/load/profile-data-plane
 * `npx tsx bench/load/profile-data-plane.ts [seconds]`: V8 CPU profiles of Weir and the
 * pass-through Worker under the overhead benchmark's load (returning and fresh clients),
 * printed as self time per function. How the data plane's hot spots were found; not a suite.
 */
import { loadSlice } from "./load-slice.ts";
import { inspectWorker, selfTimes, type CpuProfile } from "./inspector.ts";
import { startOrigin } from "./origin.ts";
import { putRecords, serviceRecords } from "./route-seed.ts";
import { mintedCookie } from "./sticky-cookie.ts";
import { startWeir } from "./weir-runtime.ts";

const seconds = Number(process.argv[2] ?? 5);
const INSPECTOR_PORT = 9329;
const origin = await startOrigin();
const weir = await startWeir({
  inspectorPort: INSPECTOR_PORT,
  helpers: [{ name: "pass-through", entry: "./pass-through-worker.ts", host: "pass.bench.localhost", bindings: { ORIGIN: origin.url } }],
});
try {
  await putRecords(await weir.routes(), serviceRecords("bench", "svc", origin.url, [3000, 2000]));
  const first = await loadSlice({ url: weir.url.href, hosts: ["svc.bench.weir.localhost"] }, { seconds: 0.2, connections: 1 });
  if (first.failures > 0) throw new Error("Weir does not serve the bench service");
  const cookie = await mintedCookie(weir.url, "svc.bench.weir.localhost");
  const cases = [
    { worker: "weir", label: "Weir, returning client", target: { url: weir.url.href, hosts: ["svc.bench.weir.localhost"], headers: { cookie } } },
    { worker: "weir", label: "Weir, fresh clients", target: { url: weir.url.href, hosts: ["svc.bench.weir.localhost"] } },
    { worker: "pass-through", label: "pass-through", target: { url: weir.url.href, hosts: ["pass.bench.localhost"] } },
  ];
  for (const c of cases) {
    const inspector = await inspectWorker(INSPECTOR_PORT, c.worker);
    await loadSlice(c.target, { seconds: 1, connections: 10 }); // warm
    await inspector.send("Profiler.enable");
    await inspector.send("Profiler.setSamplingInterval", { interval: 50 });
    await inspector.send("Profiler.start");
    const slice = await loadSlice(c.target, { seconds, connections: 10, cpuPid: weir.workerdPid });
    const { profile } = await inspector.send<{ profile: CpuProfile }>("Profiler.stop");
    inspector.close();
    const times = selfTimes(profile);
    const total = times.reduce((n, [, ms]) => n + ms, 0);
    console.log(`\n${c.label}: ${slice.requests} requests, workerd CPU ${((slice.cpuMs! * 1000) / slice.requests).toFixed(0)} µs/request; isolate profile ${total.toFixed(0)} ms`);
    for (const [label, ms] of times.slice(0, 30)) console.log(`${((ms * 1000) / slice.requests).toFixed(1).padStart(8)} µs/req  ${label}`);
  }
} finally {
  await weir.dispose();
  await origin.stop();
}
