/**
 * @module bench/load/inspector
 * A minimal Chrome DevTools Protocol client for one workerd isolate (Miniflare's
 * `inspectorPort`): heap usage after a forced GC (memory per isolate) and CPU profiles
 * (what a request spends its time on).
 */
import WebSocket from "ws";

export interface CpuProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  hitCount?: number;
  children?: number[];
}

export interface CpuProfile {
  nodes: CpuProfileNode[];
  samples?: number[];
  timeDeltas?: number[];
  startTime: number;
  endTime: number;
}

export interface HeapUsage {
  /** bytes of V8 heap in use */
  used: number;
  /** bytes of ArrayBuffer backing stores outside the heap (typed arrays), when V8 reports it */
  backingStores: number | null;
}

export interface IsolateInspector {
  send<T = unknown>(method: string, params?: Record<string, unknown>): Promise<T>;
  /** the isolate's memory after a full GC */
  heapAfterGc(): Promise<HeapUsage>;
  close(): void;
}

/** Connects to the isolate of worker `name` (workerd names it `core:user:<name>`). */
export async function inspectWorker(port: number, name: string): Promise<IsolateInspector> {
  const targets = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as { id: string; title?: string; webSocketDebuggerUrl?: string }[];
  const target = targets.find((t) => t.id === `core:user:${name}` || t.title === `core:user:${name}`);
  const url = target?.webSocketDebuggerUrl ?? `ws://127.0.0.1:${port}/core:user:${name}`;
  const ws = new WebSocket(url);
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });
  let nextId = 1;
  const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  ws.on("message", (data) => {
    const message = JSON.parse(String(data)) as { id?: number; result?: unknown; error?: { message: string } };
    if (message.id === undefined) return; // events
    const w = waiting.get(message.id);
    waiting.delete(message.id);
    if (message.error) w?.reject(new Error(message.error.message));
    else w?.resolve(message.result);
  });
  const send = <T>(method: string, params: Record<string, unknown> = {}) =>
    new Promise<T>((resolve, reject) => {
      const id = nextId++;
      waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      ws.send(JSON.stringify({ id, method, params }));
    });
  return {
    send,
    async heapAfterGc() {
      await send("HeapProfiler.collectGarbage");
      const usage = await send<{ usedSize: number; backingStorageSize?: number }>("Runtime.getHeapUsage");
      return { used: usage.usedSize, backingStores: usage.backingStorageSize ?? null };
    },
    close: () => ws.close(),
  };
}

/** Self time per function of a profile, largest first, as `[label, ms]`. */
export function selfTimes(profile: CpuProfile): [string, number][] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const totals = new Map<string, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) {
    const node = byId.get(samples[i]);
    if (!node) continue;
    const f = node.callFrame;
    const file = f.url.slice(f.url.lastIndexOf("/") + 1);
    const label = `${f.functionName || "(anonymous)"} ${file}:${f.lineNumber + 1}`;
    totals.set(label, (totals.get(label) ?? 0) + (deltas[i] ?? 0) / 1000);
  }
  return [...totals].sort((a, b) => b[1] - a[1]);
}
