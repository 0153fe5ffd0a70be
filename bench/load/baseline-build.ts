/**
 * @module bench/load/baseline-build
 * Another commit's Worker bundle, to measure a change against the Weir from before it in
 * the same workerd (the health suite's "today's build"): `git archive` of the ref into a
 * temporary directory (no worktree is registered), the working tree's node_modules linked
 * in when the two lockfiles agree (else `npm ci` there, from the warm cache), and
 * `wrangler deploy --dry-run --outdir` run there, as bench/load/weir-bundle.ts does
 * for the working tree. The directory is removed when the process exits.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { PROJECT_ROOT } from "./weir-bundle.ts";

const run = promisify(execFile);

/** The commit `ref` names, and the path of its bundled entry module. */
export async function bundleAt(ref: string): Promise<{ commit: string; bundle: string }> {
  const commit = (await run("git", ["rev-parse", "--verify", `${ref}^{commit}`], { cwd: PROJECT_ROOT })).stdout.trim();
  const dir = mkdtempSync(join(tmpdir(), "weir-bench-baseline-"));
  process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
  const src = join(dir, "src");
  const out = join(dir, "out");
  await run("sh", ["-c", `mkdir -p "${src}" && git archive "${commit}" | tar -x -C "${src}"`], { cwd: PROJECT_ROOT });
  const lock = (root: string) => readFileSync(join(root, "package-lock.json"), "utf8");
  if (lock(src) === lock(PROJECT_ROOT)) symlinkSync(join(PROJECT_ROOT, "node_modules"), join(src, "node_modules"));
  else await run("npm", ["ci", "--prefer-offline", "--no-audit", "--no-fund"], { cwd: src });
  await run(join(PROJECT_ROOT, "node_modules", ".bin", "wrangler"), ["deploy", "--dry-run", "--outdir", out], {
    cwd: src,
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "1" },
  });
  return { commit, bundle: join(out, "index.js") };
}
