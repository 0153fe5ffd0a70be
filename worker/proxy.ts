/**
 * @module worker/proxy
 * Forwards a request to one revision's origins (DESIGN §5): method, path, query and body
 * stream through untouched; X-Forwarded-* and `Via: 1.1 weir` are added; hop-by-hop headers
 * are stripped both ways; redirects are passed back, never followed; WebSocket upgrades go
 * through; a silent origin is cut off after ORIGIN_TIMEOUT_MS (504); a refused connection
 * of an idempotent body-less request moves on to the revision's next origin.
 *
 * `Expect` is dropped: workerd's fetch takes an origin's `100 Continue` for the final
 * response. It does the same with any 1xx (103 Early Hints: the real response then arrives
 * as the 103's body, so it cannot be recovered) and passes on any three-digit status a raw
 * origin writes (600, 999, 42...). A status outside 200–599, other than the 101 of a
 * WebSocket, is answered as `origin_unreachable` (502) naming the status.
 */
import { WeirError } from "../core/errors.ts";
import type { HeaderEdits, RetryPolicy } from "../core/rule-match.ts";
import { clientAcceptEncoding, fitContentCoding, responseBodyMode } from "./content-coding.ts";
import { applyHeaderEdits } from "./rule-step.ts";
import { HOP_BY_HOP_HEADERS } from "../core/hop-by-hop.ts";

const IDEMPOTENT = new Set(["GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"]);
const DEFAULT_TIMEOUT_MS = 30_000;

/** The Via pseudonym Weir adds, and looks for to detect loops. */
export const VIA_PSEUDONYM = "weir";
const VIA_ENTRY = `1.1 ${VIA_PSEUDONYM}`;

/** True when a Via header already lists Weir: the request came back to us. */
export function viaListsWeir(via: string | null): boolean {
  if (via === null) return false;
  for (const entry of via.split(",")) {
    const parts = entry.trim().split(/\s+/);
    if (parts[1]?.toLowerCase() === VIA_PSEUDONYM) return true;
  }
  return false;
}

/** Removes hop-by-hop headers, and every header a Connection header names. */
function stripHopByHop(headers: Headers, keepUpgrade: boolean): void {
  const connection = headers.get("connection");
  if (connection !== null) {
    for (const name of connection.split(",")) {
      const n = name.trim().toLowerCase();
      if (n !== "" && !(keepUpgrade && n === "upgrade")) headers.delete(n);
    }
  }
  for (const name of HOP_BY_HOP_HEADERS) {
    if (keepUpgrade && (name === "upgrade" || name === "connection")) continue;
    headers.delete(name);
  }
}

/** Why a status from the origin cannot be passed on (outside 200–599, not a WebSocket 101). */
function unusableStatus(status: number, statusText: string): string {
  const named = `${status}${statusText === "" ? "" : ` ${statusText.slice(0, 64)}`}`;
  if (status >= 100 && status <= 199) {
    return (
      `the origin answered with the informational status ${named}, and the final response is lost behind it ` +
      "(workerd's fetch stops at the first response): do not send 1xx responses such as 103 Early Hints through Weir"
    );
  }
  return `the origin answered with status ${named}, which is not a valid HTTP status (200–599)`;
}

/** the last ORIGIN_TIMEOUT_MS seen and its value: env vars do not change between requests */
let parsedTimeout: { value: string | undefined; ms: number } = { value: undefined, ms: DEFAULT_TIMEOUT_MS };

export function timeoutMs(value: string | undefined): number {
  if (value === parsedTimeout.value) return parsedTimeout.ms;
  const ms = Number(value);
  parsedTimeout = { value, ms: value !== undefined && value !== "" && Number.isFinite(ms) && ms > 0 ? ms : DEFAULT_TIMEOUT_MS };
  return parsedTimeout.ms;
}

export interface ProxyTarget {
  /** the request's URL from the path on (`/p?q`) */
  pathAndQuery: string;
  /** the Host the client used (with port) */
  host: string;
  https: boolean;
  origins: readonly string[];
  /** index into `origins` to try first */
  start: number;
  timeoutMs: number;
  /** added to the origin's response (Weir-Revision, Set-Cookie, ...) */
  responseHeaders: readonly (readonly [string, string])[];
  /** a traffic rule's retries (DESIGN §10); without them only a refused connection moves on */
  retries?: RetryPolicy | null;
  /** a traffic rule's request header edits, applied last */
  requestEdits?: HeaderEdits | null;
  /** told of every try: `failed` when the origin could not be reached, timed out or answered 5xx (passive health) */
  onAttempt?: (origin: string, failed: boolean) => void;
  /**
   * Written by `proxy`, read by the caller once it returns or throws: the tries it made
   * (edge stats count those beyond the first as retries). A field rather than a callback
   * so a request costs no closure.
   */
  tries?: number;
}

/** Proxies `request` to the target's origins; throws a WeirError when none answers. */
export async function proxy(request: Request, target: ProxyTarget): Promise<Response> {
  const websocket = request.headers.get("upgrade")?.toLowerCase() === "websocket";
  const headers = new Headers(request.headers);
  stripHopByHop(headers, websocket);
  headers.delete("host");
  headers.delete("expect");
  const ip = request.headers.get("cf-connecting-ip");
  if (ip !== null) {
    const xff = headers.get("x-forwarded-for");
    if (xff === null) headers.set("x-forwarded-for", ip);
    // Cloudflare's edge already lists the client last; add it only when missing.
    else if (xff.slice(xff.lastIndexOf(",") + 1).trim() !== ip) headers.set("x-forwarded-for", `${xff}, ${ip}`);
  }
  headers.set("x-forwarded-proto", target.https ? "https" : "http");
  headers.set("x-forwarded-host", target.host);
  headers.append("via", VIA_ENTRY);
  if (target.requestEdits) applyHeaderEdits(headers, target.requestEdits);

  const acceptEncoding = clientAcceptEncoding(request);
  const mode = responseBodyMode(acceptEncoding);
  const retryable = request.body === null && IDEMPOTENT.has(request.method);
  const n = target.origins.length;
  // A rule's retries: up to `attempts` more tries, each on the revision's next origin, on
  // its `on` conditions and when a try outlives perTryTimeout, all within `timeoutMs`.
  const policy = target.retries ?? null;
  const tries = policy === null ? n : 1 + policy.attempts;
  const deadline = Date.now() + target.timeoutMs;
  let response: Response | undefined;
  for (let attempt = 0; attempt < tries; attempt++) {
    target.tries = attempt + 1;
    const origin = target.origins[(target.start + attempt) % n];
    const url = (origin.endsWith("/") ? origin.slice(0, -1) : origin) + target.pathAndQuery;
    const controller = new AbortController();
    const left = Math.max(1, deadline - Date.now());
    const wait = policy?.perTryMs != null ? Math.min(policy.perTryMs, left) : left;
    const timer = setTimeout(() => controller.abort(), wait);
    const last = !retryable || attempt === tries - 1;
    try {
      response = await fetch(url, {
        method: request.method,
        headers,
        body: request.body,
        redirect: "manual",
        signal: controller.signal,
        encodeResponseBody: mode,
      });
      target.onAttempt?.(origin, response.status >= 500 && response.status <= 599);
      if (policy !== null && !last && policy.statuses.has(response.status)) {
        await response.body?.cancel();
        response = undefined;
        continue;
      }
      break;
    } catch (error) {
      target.onAttempt?.(origin, true);
      if (controller.signal.aborted) {
        // a try cut short by perTryTimeout moves on while the whole wait has time left
        if (last || wait >= left) {
          throw new WeirError("origin_timeout", `the origin did not answer within ${target.timeoutMs} ms`, { cause: error });
        }
        continue;
      }
      if (last || (policy !== null && !policy.onConnectFailure)) {
        throw new WeirError("origin_unreachable", "the origin cannot be reached", { cause: error });
      }
    } finally {
      clearTimeout(timer); // only the wait for headers is timed; bodies stream as long as they need
    }
  }
  if (response === undefined) throw new WeirError("origin_unreachable", "the revision has no origin");

  const upgraded = response.webSocket != null;
  if (!upgraded && (response.status < 200 || response.status > 599)) {
    await response.body?.cancel().catch(() => undefined);
    throw new WeirError("origin_unreachable", unusableStatus(response.status, response.statusText));
  }
  const out = new Headers(response.headers);
  stripHopByHop(out, upgraded);
  // Weir's headers replace any the origin sent; a minted cookie joins the origin's.
  for (const [name, value] of target.responseHeaders) {
    if (name === "set-cookie") out.append(name, value);
    else out.set(name, value);
  }
  if (upgraded) return new Response(null, { status: 101, statusText: response.statusText, headers: out, webSocket: response.webSocket });
  const fitted = fitContentCoding(response.body, out, acceptEncoding, mode);
  if (!fitted.ok) {
    await response.body?.cancel();
    throw new WeirError(
      "origin_unreachable",
      `the origin answered with Content-Encoding '${response.headers.get("content-encoding")}', which the client does not accept`,
    );
  }
  return new Response(fitted.body, { status: response.status, statusText: response.statusText, headers: out, encodeBody: mode });
}
