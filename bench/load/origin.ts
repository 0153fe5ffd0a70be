/**
 * @module bench/load/origin
 * Starts and stops the origin process (bench/load/origin-process.ts) of a load benchmark.
 */
import { fork, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";

export interface OriginProcess {
  /** `http://127.0.0.1:<port>` */
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/** Starts the origin on `port` (0: any free port; a stopped origin's port brings it back there). */
export async function startOrigin(port = 0): Promise<OriginProcess> {
  const child: ChildProcess = fork(fileURLToPath(new URL("./origin-process.ts", import.meta.url)), [String(port)], {
    execArgv: ["--import", "tsx"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const [message] = (await Promise.race([
    once(child, "message"),
    once(child, "exit").then(([code]) => {
      throw new Error(`the origin process exited with ${code} before listening`);
    }),
  ])) as [{ port: number }];
  return {
    url: `http://127.0.0.1:${message.port}`,
    pid: child.pid!,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = once(child, "exit");
      child.kill();
      await exited;
    },
  };
}
