/**
 * @module test/switchable-origins
 * Origins a workerd test stops and starts (origin health, DESIGN §13): real Node servers of
 * test/setup/origins.ts, driven through its control server. Stopped, connecting to one is
 * refused; started, it listens on the same port again.
 */
import { env } from "cloudflare:test";

export interface SwitchableInfo {
  listening: boolean;
  status: number;
  /** requests other than health checks */
  requests: number;
  /** health checks (User-Agent weir-health…) */
  checks: number;
  lastCheck: { method: string; path: string; headers: Record<string, string> } | null;
}

export interface SwitchableOrigin {
  url: string;
  port: number;
  stop(): Promise<SwitchableInfo>;
  start(): Promise<SwitchableInfo>;
  /** answer `code` to everything from now on */
  answer(code: number): Promise<SwitchableInfo>;
  info(): Promise<SwitchableInfo>;
}

const control = (path: string) => `http://127.0.0.1:${env.ORIGINS.control}${path}`;

async function controlCall<T>(method: string, path: string): Promise<T> {
  const res = await fetch(control(path), { method });
  const text = await res.text();
  if (!res.ok) throw new Error(`control ${method} ${path}: ${res.status} ${text}`);
  return JSON.parse(text) as T;
}

/** A new origin answering `text` to every request (and 200 to /healthz). */
export async function switchableOrigin(text: string): Promise<SwitchableOrigin> {
  const { id, port } = await controlCall<{ id: number; port: number }>("POST", `/origins?text=${encodeURIComponent(text)}`);
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    stop: () => controlCall("POST", `/origins/${id}/stop`),
    start: () => controlCall("POST", `/origins/${id}/start`),
    answer: (code) => controlCall("POST", `/origins/${id}/status?code=${code}`),
    info: () => controlCall("GET", `/origins/${id}`),
  };
}

