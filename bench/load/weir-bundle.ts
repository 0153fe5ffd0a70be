/**
 * @module bench/load/weir-bundle
 * The Worker bundle the load suites run: exactly what `wrangler deploy --dry-run --outdir`
 * produces (wrangler's own esbuild settings, define, and module rules), built once per
 * bench process into a temporary directory removed when the process exits.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

export const PROJECT_ROOT = fileURLToPath(new URL("../../", import.meta.url));

let built: Promise<string> | undefined;

/**
 * Path of the bundled entry module (`index.js`). WEIR_BENCH_BUNDLE names another build's
 * `index.js` instead (an earlier commit's outdir, to compare against it).
 */
export function weirBundle(): Promise<string> {
  const other = process.env.WEIR_BENCH_BUNDLE;
  if (other) return Promise.resolve(other);
  built ??= (async () => {
    const outdir = mkdtempSync(join(tmpdir(), "weir-bench-bundle-"));
    process.once("exit", () => rmSync(outdir, { recursive: true, force: true }));
    const wrangler = join(PROJECT_ROOT, "node_modules", ".bin", "wrangler");
    await promisify(execFile)(wrangler, ["deploy", "--dry-run", "--outdir", outdir], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "1" },
    });
    return join(outdir, "index.js");
  })();
  return built;
}
