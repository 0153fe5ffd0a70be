/**
 * @module scripts/dev-server
 * Starts `wrangler dev` for `npm start`, `npm run demo` and the end-to-end tests, and
 * stops it with every process it spawned (wrangler runs workerd as children, so the
 * whole process group is signalled).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const PROJECT_ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const WRANGLER = join(PROJECT_ROOT, "node_modules", "wrangler", "bin", "wrangler.js");
const READY = /Ready on (http:\/\/\S+)/;

export interface DevServerOptions {
  port: number;
  /** local KV and Durable Object state; wrangler's default is `.wrangler/state` */
  persistTo?: string;
  /** read secrets from this file instead of the project's `.dev.vars` */
  envFile?: string;
  /** extra `--var NAME:value` overrides */
  vars?: Record<string, string>;
  inspectorPort?: number;
  /** copy wrangler's output to this process's stdout/stderr */
  echo?: boolean;
  readyTimeoutMs?: number;
}

export interface DevServer {
  /** `http://127.0.0.1:PORT` */
  url: string;
  port: number;
  /** wrangler's output so far, for error messages */
  output(): string;
  stop(): Promise<void>;
  /** resolves when wrangler exits, with its exit code */
  exited: Promise<number | null>;
}

export function wranglerDevArgs(options: DevServerOptions): string[] {
  const args = ["dev", "--ip", "127.0.0.1", "--port", String(options.port), "--show-interactive-dev-session=false"];
  if (options.persistTo) args.push("--persist-to", options.persistTo);
  if (options.envFile) args.push("--env-file", options.envFile);
  if (options.inspectorPort) args.push("--inspector-port", String(options.inspectorPort));
  for (const [k, v] of Object.entries(options.vars ?? {})) args.push("--var", `${k}:${v}`);
  return args;
}

export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const child = spawn(process.execPath, [WRANGLER, ...wranglerDevArgs(options)], {
    cwd: PROJECT_ROOT,
    // Its own process group, so stop() reaches workerd too.
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      // Weir does not use request.cf locally; skip the fetch that fails offline.
      CLOUDFLARE_CF_FETCH_ENABLED: process.env.CLOUDFLARE_CF_FETCH_ENABLED ?? "false",
      WRANGLER_SEND_METRICS: "false",
      FORCE_COLOR: "0",
    },
  });
  let output = "";
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const ready = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`wrangler dev was not ready within ${(options.readyTimeoutMs ?? 90_000) / 1000} s:\n${output.slice(-2000)}`)),
      options.readyTimeoutMs ?? 90_000,
    );
    const onData = (stream: NodeJS.WriteStream) => (chunk: Buffer) => {
      const text = chunk.toString("utf8");
      output += text;
      if (options.echo) stream.write(text);
      const m = READY.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout!.on("data", onData(process.stdout));
    child.stderr!.on("data", onData(process.stderr));
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`wrangler dev exited with code ${code} before it was ready:\n${output.slice(-2000)}`));
    });
  });
  // If this process ends without stop() (a crash, process.exit), take wrangler and
  // workerd with it rather than leave them holding the port.
  const killOnExit = () => signalGroup(child.pid!, "SIGKILL");
  process.on("exit", killOnExit);
  void exited.then(() => process.off("exit", killOnExit));
  const stop = () => stopGroup(child, exited);
  try {
    await ready;
  } catch (err) {
    await stop();
    throw err;
  }
  return { url: `http://127.0.0.1:${options.port}`, port: options.port, output: () => output, stop, exited };
}

/** SIGTERM to the group, SIGKILL if it is still there after a grace period. */
async function stopGroup(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  signalGroup(child.pid, "SIGTERM");
  const timer = setTimeout(() => signalGroup(child.pid!, "SIGKILL"), 5_000);
  await exited;
  clearTimeout(timer);
  // workerd may outlive wrangler by a moment; make sure nothing of the group remains.
  signalGroup(child.pid, "SIGKILL");
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is already gone
  }
}

/** A TCP port that is free right now on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
