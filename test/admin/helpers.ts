/**
 * @module test/admin/helpers
 * Calls the real Worker (admin host → admin API, other hosts → data plane) with the real
 * bindings: the one ConfigStore Durable Object, local KV, origins of test/setup/origins.ts.
 * Each test names its own stack, so tests share the store without seeing each other.
 */
import { createExecutionContext, env as bindings, runInDurableObject, waitOnExecutionContext } from "cloudflare:test";
import { expect } from "vitest";
import { CONFIG_STORE_NAME, type ConfigStore } from "../../admin/store/config-store.ts";
import worker from "../../worker/index.ts";
import type { Env } from "../../worker/env.ts";
import type { OriginPorts } from "../origin-ports.ts";

/** the real bindings of the test Worker (typed in test/env.d.ts) */
export const env = bindings;
export const origin = (name: keyof OriginPorts) => `http://127.0.0.1:${env.ORIGINS[name]}`;

export const ADMIN = "http://admin.weir.localhost:8787";
export const BASE = "weir.localhost";

let counter = 0;
/** A stack name no other test uses. */
export function uniqueStack(prefix = "t"): string {
  counter += 1;
  return `${prefix}-${counter}-${crypto.randomUUID().slice(0, 6)}`;
}

export interface CallOptions {
  body?: unknown;
  headers?: Record<string, string>;
  /** null: no Authorization header */
  token?: string | null;
  envOverrides?: Partial<Env>;
}

/** A request to the Worker, straight into its fetch handler. */
export async function call(url: string, init: RequestInit = {}, envOverrides: Partial<Env> = {}): Promise<Response> {
  const ctx = createExecutionContext();
  const response = await worker.fetch(new Request(url, init), { ...env, ...envOverrides } as Env, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

/** An address in the IPv6 documentation prefix 2001:db8::/32. */
export function randomTestIp(): string {
  const words = Array.from(crypto.getRandomValues(new Uint16Array(6)), (w) => w.toString(16));
  return `2001:db8:${words.join(":")}`;
}

/** An admin API request; objects are sent as JSON, strings as they are. */
export async function api(method: string, path: string, options: CallOptions = {}): Promise<Response> {
  const headers = new Headers(options.headers);
  // A client address of its own per request (as Cloudflare sets CF-Connecting-IP): failed
  // authentications of one test never count against another's (admin/auth-failures.ts).
  if (!headers.has("cf-connecting-ip")) headers.set("cf-connecting-ip", randomTestIp());
  if (options.token !== null) headers.set("authorization", `Bearer ${options.token ?? env.ADMIN_TOKEN}`);
  let body: BodyInit | undefined;
  if (typeof options.body === "string") body = options.body;
  else if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    if (!headers.has("content-type")) headers.set("content-type", "application/json");
  }
  return call(`${ADMIN}${path}`, { method, headers, body }, options.envOverrides);
}

/** Asserts the §5 error shape with the given status and code; returns the message. */
export async function expectError(response: Response, status: number, code: string): Promise<string> {
  const body = (await response.json()) as { error: { code: string; message: string } };
  expect({ status: response.status, code: body.error.code }).toEqual({ status, code });
  expect(typeof body.error.message).toBe("string");
  expect(body.error.message.length).toBeGreaterThan(0);
  expect(Object.keys(body)).toEqual(["error"]);
  return body.error.message;
}

export async function json<T = any>(response: Response, status = 200): Promise<T> {
  const text = await response.text();
  expect(response.status, text).toBe(status);
  return JSON.parse(text) as T;
}

/** The current config version, from the ETag of a read. */
export async function currentVersion(): Promise<number> {
  const res = await api("GET", "/v1/domains");
  await res.arrayBuffer();
  return Number(JSON.parse(res.headers.get("etag") as string));
}

/** Creates a service; returns its view. */
export async function run(stack: string, name = "svc", originUrl = origin("hello"), extra: Record<string, unknown> = {}) {
  return json(await api("POST", "/v1/services", { body: { name: `${stack}/${name}`, origins: [originUrl], ...extra } }), 201);
}

export async function stage(stack: string, name: string, version: string, originUrl: string, weight?: number) {
  const body = weight === undefined ? { version, origins: [originUrl] } : { version, origins: [originUrl], weight };
  return json(await api("POST", `/v1/services/${stack}/${name}/revisions`, { body }), 201);
}

export async function setWeights(stack: string, name: string, weights: Record<string, number>) {
  return json(await api("PUT", `/v1/services/${stack}/${name}/weights`, { body: { weights } }));
}

/** The one global ConfigStore. */
export function storeStub(): DurableObjectStub {
  const ns = env.CONFIG_STORE;
  return ns.get(ns.idFromName(CONFIG_STORE_NAME));
}

/** Runs `fn` inside the ConfigStore with its instance and state (reads, failure injection). */
export function inStore<R>(fn: (instance: ConfigStore, state: DurableObjectState) => R | Promise<R>): Promise<R> {
  return runInDurableObject(storeStub(), (instance, state) => fn(instance as unknown as ConfigStore, state));
}
