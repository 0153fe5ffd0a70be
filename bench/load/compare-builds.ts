/**
 * @module bench/load/compare-builds
 * `npx tsx bench/load/compare-builds.ts OTHER_OUTDIR [runs] [THIS_OUTDIR]`: workerd CPU per
 * request of the working tree's Weir (or the build in THIS_OUTDIR) against another build (an outdir of `wrangler deploy --dry-run`,
 * e.g. made before a change), both in the same workerd, short slices interleaved: how a
 * data-plane change was judged. Prints per-run ratios (this tree ÷ other) for a returning
 * client and for fresh clients. Not a suite.
 */
import { join } from "node:path";
import { combineSlices, loadSlice, type Slice } from "./load-slice.ts";
import { startOrigin } from "./origin.ts";
import { putRecords, serviceRecords } from "./route-seed.ts";
import { mintedCookie } from "./sticky-cookie.ts";
import { startWeir } from "./weir-runtime.ts";
import { median } from "../suite.ts";

const other = process.argv[2];
const runs = Number(process.argv[3] ?? 5);
const mine = process.argv[4];
if (!other) throw new Error("usage: compare-builds.ts OTHER_OUTDIR [runs] [THIS_OUTDIR]");
const THIS_HOST = "svc.bench.weir.localhost";
const OTHER_HOST = "other.bench.weir.localhost";

const origin = await startOrigin();
const weir = await startWeir({ bundle: mine ? join(mine, "index.js") : undefined, builds: [{ name: "other", bundle: join(other, "index.js"), hosts: [OTHER_HOST] }] });
try {
  await putRecords(await weir.routes(), serviceRecords("bench", "svc", origin.url, [3000, 2000]));
  await putRecords(await weir.routes(), serviceRecords("bench", "other", origin.url, [3000, 2000]));
  const cookie = await mintedCookie(weir.url, THIS_HOST);
  for (const fresh of [false, true]) {
    const target = (host: string) => ({ url: weir.url.href, hosts: [host], headers: fresh ? undefined : { cookie } });
    const slice = (host: string) => loadSlice(target(host), { seconds: 1, connections: 10, cpuPid: weir.workerdPid });
    await slice(THIS_HOST);
    await slice(OTHER_HOST);
    const ratios: number[] = [];
    for (let run = 0; run < runs; run++) {
      const ours: Slice[] = [];
      const theirs: Slice[] = [];
      for (let s = 0; s < 4; s++) {
        if ((s + run) % 2 === 0) {
          ours.push(await slice(THIS_HOST));
          theirs.push(await slice(OTHER_HOST));
        } else {
          theirs.push(await slice(OTHER_HOST));
          ours.push(await slice(THIS_HOST));
        }
      }
      const a = combineSlices(ours);
      const b = combineSlices(theirs);
      ratios.push(a.cpuUs! / b.cpuUs!);
      console.log(`${fresh ? "fresh" : "returning"} run ${run + 1}: this ${a.cpuUs!.toFixed(0)} µs, other ${b.cpuUs!.toFixed(0)} µs, ratio ${ratios.at(-1)!.toFixed(3)}`);
    }
    console.log(`${fresh ? "fresh clients" : "returning client"}: median ratio this ÷ other ${median(ratios).toFixed(3)}`);
  }
} finally {
  await weir.dispose();
  await origin.stop();
}
