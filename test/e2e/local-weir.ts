/**
 * @module test/e2e/local-weir
 * A whole local Weir for Node-side tests: `wrangler dev` on a free port with its own
 * temporary state and secrets (the user's `.dev.vars` and `.wrangler/` are not touched),
 * two real origins, and a runner for the real `weir` binary. `stop()` ends every process
 * it started; call it from `afterAll` so it runs on failure too.
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../../cli/main.ts";
import { startOrigin, type DemoOrigin } from "../../scripts/demo-origins.ts";
import { freePort, PROJECT_ROOT, startDevServer, type DevServer } from "../../scripts/dev-server.ts";

export const ADMIN_TOKEN = "e2e-root-token";
const WEIR_BIN = join(PROJECT_ROOT, "bin", "weir.js");

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface LocalWeir {
  port: number;
  /** `http://admin.weir.localhost:PORT` */
  adminUrl: string;
  /** origins answering "Hello World" and "Hello World v3" */
  v1: DemoOrigin;
  v3: DemoOrigin;
  /** `http://<host>.weir.localhost:PORT` for e.g. `svc.test` */
  url(host: string): string;
  /** runs `weir ARGS...` as a separate process against this server */
  weir(args: string[], options?: { env?: Record<string, string>; input?: string; cwd?: string }): Promise<CliResult>;
  /** runs `weir ARGS...` in this process (`main`, what bin/weir.js runs): same code, no Node startup */
  cli(args: string[], env?: Record<string, string>): Promise<CliResult>;
  /** a scratch directory removed by stop() */
  dir: string;
  /** everything `wrangler dev` has printed so far (the Worker's console included) */
  serverOutput(): string;
  stop(): Promise<void>;
}

export async function startLocalWeir(): Promise<LocalWeir> {
  const dir = await mkdtemp(join(tmpdir(), "weir-e2e-"));
  const envFile = join(dir, "secrets.env");
  await writeFile(envFile, `ADMIN_TOKEN=${ADMIN_TOKEN}\nSTICKY_SECRET=e2e-sticky-secret\n`);
  const started: { stop(): Promise<void> }[] = [];
  const stopAll = async () => {
    await Promise.allSettled(started.reverse().map((s) => s.stop()));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const v1 = await startOrigin(0, "Hello World");
    started.push({ stop: v1.close });
    const v3 = await startOrigin(0, "Hello World v3");
    started.push({ stop: v3.close });
    const { port, server } = await startOnFreePorts(dir, envFile);
    started.push(server);
    const adminUrl = `http://admin.weir.localhost:${port}`;
    return {
      port,
      adminUrl,
      v1,
      v3,
      dir,
      serverOutput: () => server.output(),
      url: (host) => `http://${host}.weir.localhost:${port}`,
      weir: (args, options = {}) =>
        runCli(args, {
          env: { WEIR_URL: adminUrl, WEIR_TOKEN: ADMIN_TOKEN, ...options.env },
          input: options.input,
          cwd: options.cwd ?? dir,
        }),
      cli: (args, env = {}) => runInProcess(args, { WEIR_URL: adminUrl, WEIR_TOKEN: ADMIN_TOKEN, ...env }, dir),
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/**
 * `wrangler dev` on free ports. A port found free can be taken by another process before
 * wrangler binds it (test files start servers in parallel, and the machine is shared): on
 * "Address already in use" it tries again on fresh ports.
 */
async function startOnFreePorts(dir: string, envFile: string): Promise<{ port: number; server: DevServer }> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    try {
      const server = await startDevServer({
        port,
        inspectorPort: await freePort(),
        persistTo: join(dir, "state"),
        envFile,
        // A short route cache keeps the walkthrough quick; convergence is awaited, not assumed.
        vars: { ROUTE_CACHE_MS: "300" },
      });
      return { port, server };
    } catch (error) {
      if (attempt >= 3 || !/Address already in use/.test(String(error))) throw error;
    }
  }
}

/** Runs bin/weir.js as `npx weir` would, with only the given WEIR_* settings. */
export function runCli(args: string[], options: { env?: Record<string, string>; input?: string; cwd?: string } = {}): Promise<CliResult> {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1" };
  delete env.WEIR_URL;
  delete env.WEIR_TOKEN;
  Object.assign(env, options.env);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WEIR_BIN, ...args], { cwd: options.cwd ?? PROJECT_ROOT, env, stdio: "pipe" });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString("utf8")));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString("utf8")));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.input ?? "");
  });
}

/** `main` with captured output: exit code, stdout and stderr as the binary would give. */
export async function runInProcess(args: string[], env: Record<string, string>, cwd: string): Promise<CliResult> {
  let stdout = "";
  let stderr = "";
  const code = await main(args, {
    env,
    cwd,
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    now: () => new Date(),
  });
  return { code, stdout, stderr };
}
