/**
 * @module bench/load/weir-runtime
 * Weir as the load suites run it: the wrangler bundle (bench/load/weir-bundle.ts) with the
 * bindings `unstable_getMiniflareWorkerOptions("wrangler.toml")` derives, served by
 * Miniflare's own server (not `wrangler dev`, whose proxy would dominate every figure).
 * Helper workers (the pass-through baseline, the KV seeder) run in the same workerd
 * process, reached by their own hostnames through Miniflare's routes; every other
 * hostname goes to Weir.
 */
import { Miniflare, type WorkerOptions } from "miniflare";
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import { unstable_getMiniflareWorkerOptions } from "wrangler";
import { childPids } from "./process-cpu.ts";
import { PROJECT_ROOT, weirBundle } from "./weir-bundle.ts";
import { bundleForWorkerd } from "../workerd/run-in-workerd.ts";

/** Secrets of the bench run: fixed, so no figure depends on a developer's .dev.vars. */
export const BENCH_ADMIN_TOKEN = "bench-admin-token";
const BENCH_STICKY_SECRET = "bench-sticky-secret";

export interface HelperWorker {
  name: string;
  /** module path relative to this file */
  entry: string;
  /** the hostname it answers on */
  host: string;
  bindings?: Record<string, string>;
  /** binds Weir's ROUTES namespace too */
  routes?: boolean;
}

export interface WeirRuntimeOptions {
  /** vars and secrets over wrangler.toml's */
  bindings?: Record<string, string>;
  helpers?: HelperWorker[];
  /** Chrome DevTools Protocol port of workerd's isolates (bench/load/inspector.ts) */
  inspectorPort?: number;
  /** serve local KV from this persist root (bench/load/kv-bulk.ts fills one) */
  kvPersist?: string;
  /** Weir's entry module (default: the working tree's, bench/load/weir-bundle.ts) */
  bundle?: string;
  /** other builds of Weir (an `index.js` each) in the same workerd, each on its own hostnames */
  builds?: { name: string; bundle: string; hosts: string[] }[];
  /** every line workerd writes (Workers' console output and runtime errors) goes here instead of the terminal */
  onLogLine?: (line: string) => void;
}

/** The ROUTES namespace as Miniflare hands it to Node. */
export type RoutesNamespace = Awaited<ReturnType<Miniflare["getKVNamespace"]>>;

export interface WeirRuntime {
  mf: Miniflare;
  /** Miniflare's server, e.g. http://127.0.0.1:PORT/ */
  url: URL;
  /** the workerd process serving every worker: its CPU is what the suites measure */
  workerdPid: number;
  routes(): Promise<RoutesNamespace>;
  dispose(): Promise<void>;
}

/**
 * The modules of a `wrangler deploy --outdir` bundle: its entry, and every other file it
 * wrote beside it, which wrangler.toml's `[[rules]]` make Text modules (the dashboard's
 * files and uPlot's, imported by the bundle under hashed names).
 */
function bundleModules(entry: string): { type: "ESModule" | "Text"; path: string }[] {
  const dir = dirname(entry);
  const others = readdirSync(dir).filter((f) => join(dir, f) !== entry && !f.endsWith(".map") && f !== "README.md");
  return [{ type: "ESModule", path: entry }, ...others.map((f) => ({ type: "Text" as const, path: join(dir, f) }))];
}

function wranglerWorkerOptions() {
  return unstable_getMiniflareWorkerOptions(`${PROJECT_ROOT}wrangler.toml`).workerOptions;
}

/** The id of the ROUTES namespace in wrangler.toml: the name of its local store. */
export function routesNamespaceId(): string {
  return (wranglerWorkerOptions().kvNamespaces as Record<string, { id: string }>).ROUTES.id;
}

/** Calls `onLine` with each line of `stream`. */
function linesOf(stream: Readable, onLine: (line: string) => void): void {
  createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY }).on("line", onLine);
}

export async function startWeir(options: WeirRuntimeOptions = {}): Promise<WeirRuntime> {
  const bundle = options.bundle ?? (await weirBundle());
  const workerOptions = wranglerWorkerOptions();
  const routesId = routesNamespaceId();
  const weirBuild = (name: string, path: string, hosts?: string[]) =>
    ({
      ...workerOptions,
      name,
      modulesRoot: dirname(path),
      modules: bundleModules(path),
      routes: hosts?.map((host) => `${host}/*`),
      bindings: {
        ...workerOptions.bindings,
        ADMIN_TOKEN: BENCH_ADMIN_TOKEN,
        STICKY_SECRET: BENCH_STICKY_SECRET,
        ...options.bindings,
      },
    }) as WorkerOptions;
  const weir = weirBuild("weir", bundle);
  // Other builds use the working tree's Durable Objects (an older build may not export every class).
  const sharedObjects = Object.fromEntries(
    Object.entries((weir.durableObjects ?? {}) as Record<string, string | { className: string }>).map(([binding, d]) => [
      binding,
      { className: typeof d === "string" ? d : d.className, scriptName: "weir" },
    ]),
  );
  const helpers: WorkerOptions[] = (options.builds ?? []).map((b) => ({ ...weirBuild(b.name, b.bundle, b.hosts), durableObjects: sharedObjects }) as WorkerOptions);
  for (const helper of options.helpers ?? []) {
    helpers.push({
      name: helper.name,
      modules: true,
      script: await bundleForWorkerd(new URL(helper.entry, import.meta.url)),
      compatibilityDate: workerOptions.compatibilityDate,
      routes: [`${helper.host}/*`],
      bindings: helper.bindings,
      kvNamespaces: helper.routes ? { ROUTES: routesId } : undefined,
    });
  }
  const before = new Set(childPids("workerd"));
  const onLogLine = options.onLogLine;
  const mf = new Miniflare({
    workers: [weir, ...helpers],
    inspectorPort: options.inspectorPort,
    kvPersist: options.kvPersist,
    ...(onLogLine === undefined ? {} : { handleRuntimeStdio: (stdout: Readable, stderr: Readable) => [stdout, stderr].forEach((s) => linesOf(s, onLogLine)) }),
  });
  const url = await mf.ready;
  const workerdPid = childPids("workerd").find((pid) => !before.has(pid));
  if (workerdPid === undefined) throw new Error("cannot find the workerd process Miniflare started");
  return {
    mf,
    url,
    workerdPid,
    routes: () => mf.getKVNamespace("ROUTES"),
    dispose: () => mf.dispose(),
  };
}
