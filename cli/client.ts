/**
 * @module cli/client
 * The CLI's client of the admin API (DESIGN §8). It finds its URL and token on its own
 * (flags, then WEIR_URL / WEIR_TOKEN, then the local dev server and the project's
 * `.dev.vars`), and, like curl and browsers (RFC 6761), resolves `*.localhost` to
 * loopback itself: Node's resolver does not on every system, and Node's `fetch` ignores
 * a `Host` header, so requests go through `node:http` to 127.0.0.1 with the real Host.
 */
import { existsSync, readFileSync } from "node:fs";
import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { request as httpsRequest } from "node:https";
import { isIP } from "node:net";
import { dirname, join } from "node:path";
import { ERROR_STATUS, WeirError, type ErrorCode } from "../core/errors.ts";
import { normalizeHost } from "../core/hostnames.ts";
import { parseDotenv } from "./dotenv.ts";

/** The admin API of `npm start`. */
export const LOCAL_ADMIN_URL = "http://admin.weir.localhost:8787";

const REQUEST_TIMEOUT_MS = 30_000;

export interface ClientConfig {
  /** admin base URL, without the `/v1` prefix */
  url: string;
  token: string;
}

export interface ConfigSources {
  url?: string;
  token?: string;
  env?: Record<string, string | undefined>;
  cwd?: string;
}

/** Flags win over the environment; a local URL may fall back to the project's `.dev.vars`. */
export function resolveClientConfig(sources: ConfigSources = {}): ClientConfig {
  const env = sources.env ?? process.env;
  const url = sources.url ?? (env.WEIR_URL || undefined) ?? LOCAL_ADMIN_URL;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new WeirError("bad_request", `admin URL '${url}' is not an absolute URL (set --url or WEIR_URL)`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new WeirError("bad_request", `admin URL '${url}' must use http: or https:`);
  }
  let token = sources.token ?? (env.WEIR_TOKEN || undefined);
  // The local token never leaves this machine: only loopback URLs may use it.
  if (!token && isLoopbackHost(parsed.hostname)) {
    token = readDevVars(sources.cwd ?? process.cwd())?.ADMIN_TOKEN;
  }
  if (!token) {
    throw new WeirError(
      "unauthorized",
      "no admin token: set WEIR_TOKEN or pass --token (inside the project, `npm start` creates one in .dev.vars)",
    );
  }
  return { url: url.replace(/\/+$/, ""), token };
}

/** `localhost`, `*.localhost` (RFC 6761) and loopback literals. */
export function isLoopbackHost(hostname: string): boolean {
  const h = normalizeHost(hostname);
  return h === "localhost" || h.endsWith(".localhost") || h === "127.0.0.1" || h === "[::1]";
}

/** Where to open the TCP connection for a URL: `*.localhost` goes to 127.0.0.1. */
export function connectAddress(url: URL): string {
  const h = normalizeHost(url.hostname);
  if (h === "localhost" || h.endsWith(".localhost")) return "127.0.0.1";
  return h.startsWith("[") ? h.slice(1, -1) : h;
}

/** The variables of the `.dev.vars` of the project `cwd` lies in (the nearest `wrangler.toml`). */
export function readDevVars(cwd: string): Record<string, string> | undefined {
  const root = findProjectRoot(cwd);
  const file = root && join(root, ".dev.vars");
  return file && existsSync(file) ? parseDotenv(readFileSync(file, "utf8")) : undefined;
}

function findProjectRoot(start: string): string | undefined {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, "wrangler.toml"))) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

export interface ApiResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  /** the parsed body when it is JSON */
  json: unknown;
  /** the config version from `ETag`, when the response has one */
  configVersion: number | undefined;
}

export interface RequestOptions {
  /** sent as JSON */
  body?: unknown;
  accept?: string;
  query?: Record<string, string | undefined>;
}

export class ApiClient {
  constructor(readonly config: ClientConfig) {}

  /** Sends one request; an error status becomes a WeirError carrying the API's message. */
  async send(method: string, path: string, options: RequestOptions = {}): Promise<ApiResponse> {
    const url = new URL(this.config.url + path);
    for (const [k, v] of Object.entries(options.query ?? {})) if (v !== undefined) url.searchParams.set(k, v);
    const body = options.body === undefined ? undefined : Buffer.from(JSON.stringify(options.body));
    const headers: Record<string, string> = {
      host: url.host,
      authorization: `Bearer ${this.config.token}`,
      accept: options.accept ?? "application/json",
      "user-agent": "weir-cli",
    };
    if (body) {
      headers["content-type"] = "application/json";
      headers["content-length"] = String(body.length);
    }
    const res = await this.exchange(url, method, headers, body);
    if (res.status >= 400) throw apiError(res);
    return res;
  }

  private exchange(url: URL, method: string, headers: Record<string, string>, body?: Buffer): Promise<ApiResponse> {
    const request = url.protocol === "https:" ? httpsRequest : httpRequest;
    const address = connectAddress(url);
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: address,
          port: url.port || (url.protocol === "https:" ? 443 : 80),
          // TLS must still name the real host (SNI, certificate check); SNI never carries an IP.
          servername: url.protocol === "https:" && !isIP(url.hostname.replace(/^\[|\]$/g, "")) ? normalizeHost(url.hostname) : undefined,
          method,
          path: url.pathname + url.search,
          headers,
          timeout: REQUEST_TIMEOUT_MS,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("error", reject);
          res.on("end", () => {
            const text = Buffer.concat(chunks).toString("utf8");
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              text,
              json: parseJsonBody(res.headers["content-type"], text),
              configVersion: parseEtag(res.headers.etag),
            });
          });
        },
      );
      req.on("timeout", () => {
        req.destroy(
          new WeirError("origin_timeout", `the admin API at ${this.config.url} did not answer within ${REQUEST_TIMEOUT_MS / 1000} s`),
        );
      });
      req.on("error", (err: NodeJS.ErrnoException) => {
        if (err instanceof WeirError) return reject(err);
        const hint = isLoopbackHost(url.hostname) ? " (is `npm start` running?)" : "";
        reject(new WeirError("origin_unreachable", `cannot reach the admin API at ${this.config.url}: ${err.code ?? err.message}${hint}`));
      });
      req.end(body);
    });
  }
}

function parseJsonBody(contentType: string | undefined, text: string): unknown {
  if (!contentType?.includes("json") || text === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** `"42"` (or `W/"42"`) → 42 */
export function parseEtag(etag: string | undefined): number | undefined {
  const m = etag && /^(?:W\/)?"?(\d+)"?$/.exec(etag.trim());
  return m ? Number(m[1]) : undefined;
}

const ADMIN_CODES: readonly ErrorCode[] = [
  "bad_request",
  "unauthorized",
  "forbidden",
  "not_found",
  "conflict",
  "gone",
  "precondition_failed",
  "payload_too_large",
  "invalid",
  "rate_limited",
];
const CODE_BY_STATUS = new Map<number, ErrorCode>(ADMIN_CODES.map((code) => [ERROR_STATUS[code], code]));

/** The API's `{"error":{"code","message"}}` as a WeirError; anything else by its status. */
export function apiError(res: Pick<ApiResponse, "status" | "json" | "text">): WeirError {
  const err = (res.json as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  const code =
    typeof err?.code === "string" && err.code in ERROR_STATUS
      ? (err.code as ErrorCode)
      : (CODE_BY_STATUS.get(res.status) ?? "internal");
  const message =
    typeof err?.message === "string" && err.message
      ? err.message
      : `the admin API answered ${res.status}${res.text ? `: ${res.text.split("\n")[0].slice(0, 200)}` : ""}`;
  return new WeirError(code, message);
}
