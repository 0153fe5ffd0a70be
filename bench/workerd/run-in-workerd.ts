/**
 * @module bench/workerd/run-in-workerd
 * Bundles a bench worker with esbuild (installed with wrangler) and serves it from workerd
 * through Miniflare, so a suite can time pure core code inside the runtime Weir ships on.
 */
import { build } from "esbuild";
import { Miniflare } from "miniflare";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The compatibility date of wrangler.toml, so the bench isolate matches the Worker's. */
function compatibilityDate(): string {
  const toml = readFileSync(new URL("../../wrangler.toml", import.meta.url), "utf8");
  const m = /^compatibility_date\s*=\s*"([^"]+)"/m.exec(toml);
  if (!m) throw new Error("wrangler.toml has no compatibility_date");
  return m[1];
}

export interface BenchWorker {
  get<T>(path: string): Promise<T>;
  dispose(): Promise<void>;
}

/** Bundles a bench worker (an entry URL) for workerd as one ES module, in memory. */
export async function bundleForWorkerd(entry: URL): Promise<string> {
  const out = await build({
    entryPoints: [fileURLToPath(entry)],
    bundle: true,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    mainFields: ["module", "main"],
    conditions: ["workerd", "worker", "browser"],
    write: false,
    logLevel: "silent",
  });
  return out.outputFiles[0].text;
}

export async function startBenchWorker(entry: string): Promise<BenchWorker> {
  const script = await bundleForWorkerd(new URL(entry, import.meta.url));
  const mf = new Miniflare({
    modules: true,
    script,
    compatibilityDate: compatibilityDate(),
  });
  await mf.ready;
  return {
    async get<T>(path: string): Promise<T> {
      const response = await mf.dispatchFetch(new URL(path, "http://bench.local").href);
      const body = await response.text();
      if (!response.ok) throw new Error(`bench worker answered ${response.status}: ${body}`);
      return JSON.parse(body) as T;
    },
    dispose: () => mf.dispose(),
  };
}
