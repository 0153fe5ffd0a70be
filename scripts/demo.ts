/**
 * @module scripts/demo
 * `npm run demo`: two demo origins, a fresh local Weir on :8787, and the walkthrough of
 * DESIGN §1 played step by step through the real `weir` CLI, printed like a terminal
 * session. It leaves everything running for you to explore until Ctrl-C.
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ApiClient, LOCAL_ADMIN_URL, readDevVars } from "../cli/client.ts";
import type { ServiceView } from "../core/views.ts";
import { startOrigin, type DemoOrigin } from "./demo-origins.ts";
import { PROJECT_ROOT, startDevServer, type DevServer } from "./dev-server.ts";
import { ensureDevVars } from "./dev-vars.ts";
import { edgeGet, waitForConfigVersion } from "./edge-request.ts";

const PORT = 8787;
const SERVICE_URL = `http://svc.test.weir.localhost:${PORT}`;
const V3_URL = `http://svc-v3.test.weir.localhost:${PORT}`;
/** Time to read each step; WEIR_DEMO_PAUSE_MS=0 plays it straight through. */
const PAUSE_MS = Number(process.env.WEIR_DEMO_PAUSE_MS ?? 1200);

const bold = (s: string) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
const dim = (s: string) => (process.stdout.isTTY ? `\x1b[2m${s}\x1b[0m` : s);
const pause = () => new Promise((r) => setTimeout(r, PAUSE_MS));

const cleanups: (() => Promise<void>)[] = [];
let stopping: Promise<never> | undefined;
/** Stops everything the demo started, last first, once (Ctrl-C and wrangler exiting may both ask). */
function shutdown(code: number): Promise<never> {
  stopping ??= (async () => {
    for (const c of [...cleanups].reverse()) await c().catch(() => undefined);
    process.exit(code);
  })();
  return stopping;
}
for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => void shutdown(0));

/** Prints `$ weir ARGS` and runs the real CLI, its output going straight to the terminal. */
async function weir(...args: string[]): Promise<void> {
  console.log(`${bold("$")} weir ${args.join(" ")}`);
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(process.execPath, [join(PROJECT_ROOT, "bin", "weir.js"), ...args], {
      cwd: PROJECT_ROOT,
      stdio: "inherit",
      env: { ...process.env, WEIR_URL: LOCAL_ADMIN_URL, WEIR_TOKEN: token },
    });
    child.on("error", reject);
    child.on("close", resolve);
  });
  if (code !== 0) throw new Error(`weir ${args.join(" ")} exited with ${code}`);
  await pause();
}

/** Prints `$ curl -s URL` and its answer. */
async function curl(url: string, note: string): Promise<void> {
  console.log(`${bold("$")} curl -s ${url}${dim(`        # ${note}`)}`);
  process.stdout.write((await edgeGet(url)).body);
  await pause();
}

/** Waits until the edge serves the service's latest change (DESIGN §7 convergence). */
async function converge(url: string): Promise<void> {
  const res = await new ApiClient({ url: LOCAL_ADMIN_URL, token }).send("GET", "/v1/services/test/svc");
  const version = (res.json as ServiceView).configVersion;
  console.log(dim(`  (waiting for the edge to serve config version ${version}: the route cache holds a change up to 2 s)`));
  await waitForConfigVersion(url, version);
}

ensureDevVars(join(PROJECT_ROOT, ".dev.vars"));
const token = readDevVars(PROJECT_ROOT)?.ADMIN_TOKEN ?? "";

let origins: DemoOrigin[];
try {
  origins = [await startOrigin(9001, "Hello World"), await startOrigin(9003, "Hello World v3")];
} catch (err) {
  console.error(`demo: cannot start the demo origins on 127.0.0.1:9001 and :9003 (${(err as Error).message})`);
  process.exit(1);
}
for (const o of origins) cleanups.push(o.close);

// A state directory of its own: the demo always starts from nothing and leaves the
// state of `npm start` in .wrangler/ alone.
const state = await mkdtemp(join(tmpdir(), "weir-demo-"));
cleanups.push(() => rm(state, { recursive: true, force: true }));

console.log(dim("Starting wrangler dev on 127.0.0.1:8787 ..."));
const server: DevServer = await startDevServer({ port: PORT, persistTo: state }).catch((err: Error) => {
  console.error(`demo: ${err.message}\ndemo: is port ${PORT} taken (\`npm start\` running)? Stop it first.`);
  return shutdown(1);
});
cleanups.push(() => server.stop());

console.log(dim("Origins: http://127.0.0.1:9001 says \"Hello World\", http://127.0.0.1:9003 says \"Hello World v3\".\n"));
try {
  await weir("run", "--name", "test/svc", "http://127.0.0.1:9001");
  await weir("ps");
  await weir("stage", "--origin", "http://127.0.0.1:9003", "test/svc:v3");
  await weir("ps");
  await converge(V3_URL);
  await curl(SERVICE_URL, "Hello World");
  await curl(V3_URL, "Hello World v3");
  await weir("export", "test");
  await weir("weight", "test/svc:v3=50%");
  await converge(SERVICE_URL);
  console.log(`${bold("$")} for i in $(seq 20); do curl -s ${SERVICE_URL}; done | sort | uniq -c${dim("   # about half and half")}`);
  const bodies = await Promise.all(Array.from({ length: 20 }, () => edgeGet(SERVICE_URL).then((r) => r.body.trim())));
  const counts = new Map<string, number>();
  for (const b of bodies.sort()) counts.set(b, (counts.get(b) ?? 0) + 1);
  for (const [body, n] of counts) console.log(`${String(n).padStart(7)} ${body}`);
  await pause();
  await weir("promote", "test/svc:v3");
  await converge(SERVICE_URL);
  await curl(SERVICE_URL, "always Hello World v3");
  await weir("ps");
} catch (err) {
  console.error(`demo: ${(err as Error).message}`);
  await shutdown(1);
}

console.log(`
Weir keeps running on http://127.0.0.1:${PORT} with the demo origins; explore it:
  npx weir ps -a
  npx weir history test/svc
  npx weir rollback test/svc
  curl -si ${SERVICE_URL}
This demo's state is temporary. Press Ctrl-C to stop.`);
await server.exited;
await shutdown(0);
