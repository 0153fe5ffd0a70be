/**
 * @module worker/data-plane
 * Every non-admin request: hostname → route (KV via the isolate cache) → revision (pin
 * header, or sticky key → slot table) → the revision's origins. Adds `Weir-Revision`
 * (unless the service turned it off) and `Weir-Config-Version` to what it sends back.
 */
import type { Selection } from "../core/edge-stats.ts";
import { errorResponse, isWeirError, WeirError } from "../core/errors.ts";
import { MAX_HOST_LENGTH } from "../core/hostnames.ts";
import type { CompiledRoute } from "../core/route-record.ts";
import { selectRevision } from "../core/selection.ts";
import { stickyKey } from "./affinity.ts";
import type { Env } from "./env.ts";
import { proxy, timeoutMs, viaListsWeir } from "./proxy.ts";
import { discardUnreadBody } from "./refused-body.ts";
import { splitRequestUrl, type RequestUrl } from "./request-url.ts";
import { cacheMs, lookupRoute } from "./route-cache.ts";
import { recordServed, type WaitUntil } from "./stats-recorder.ts";

export const REVISION_HEADER = "weir-revision";
export const CONFIG_VERSION_HEADER = "weir-config-version";

/** rotates the first origin tried among a revision's origins */
let nextOrigin = 0;

export async function handleDataPlane(
  request: Request,
  env: Env,
  url: RequestUrl = splitRequestUrl(request.url),
  ctx?: WaitUntil,
): Promise<Response> {
  try {
    return await serve(request, env, url, ctx);
  } catch (error) {
    if (!isWeirError(error)) throw error;
    // Refused before the origin saw the body (no_route, loop_detected...): discard it first.
    if (request.body !== null) await discardUnreadBody(request);
    return errorResponse(error);
  }
}

async function serve(request: Request, env: Env, url: RequestUrl, ctx: WaitUntil | undefined): Promise<Response> {
  const host = url.host;
  if (viaListsWeir(request.headers.get("via"))) {
    throw new WeirError("loop_detected", `the request for '${host}' has already passed through Weir (Via): the route loops back to Weir`);
  }

  const found = lookupRoute(env.ROUTES, host, cacheMs(env.ROUTE_CACHE_MS));
  const route: CompiledRoute | null = found instanceof Promise ? await found : found;
  if (route === null) {
    // a Host of any length reaches here; the message does not echo kilobytes of it
    const name = host.length > MAX_HOST_LENGTH ? `'${host.slice(0, 64)}…' (${host.length} characters, more than a hostname can have)` : `'${host}'`;
    throw new WeirError("no_route", `no service is bound to ${name}`);
  }
  const record = route.record;

  let index = -1;
  let setCookie: string | undefined;
  const pinned = request.headers.get(REVISION_HEADER);
  if (pinned !== null) index = record.revisions.findIndex((r) => r.version === pinned);
  // Edge stats keep what the weights chose apart from what a request named (pin header,
  // version host, version-pinned domain): only the former judges a canary (issue 9).
  const selection: Selection = index !== -1 || record.pin !== undefined ? "pinned" : "weighted";
  if (index === -1) {
    // One revision serves everything (pinned host, or the others at weight 0): no key, no cookie.
    if (route.sole !== -1) index = route.sole;
    else {
      const got = stickyKey(request, record.affinity, env.STICKY_SECRET, url.https);
      const sticky = got instanceof Promise ? await got : got;
      index = selectRevision(route, sticky.key);
      setCookie = sticky.setCookie;
    }
  }
  const revision = record.revisions[index];

  const responseHeaders: [string, string][] = [[CONFIG_VERSION_HEADER, String(record.configVersion)]];
  if (record.revisionHeader) responseHeaders.push([REVISION_HEADER, revision.version]);
  if (setCookie !== undefined) responseHeaders.push(["set-cookie", setCookie]);

  const origins = revision.origins;
  const started = Date.now();
  try {
    const response = await proxy(request, {
      pathAndQuery: url.pathAndQuery,
      host: url.rawHost,
      https: url.https,
      origins,
      start: origins.length === 1 ? 0 : nextOrigin++ % origins.length,
      timeoutMs: timeoutMs(env.ORIGIN_TIMEOUT_MS),
      responseHeaders,
    });
    // Edge statistics (issue 6): counted in memory, flushed off the request path.
    recordServed(env, ctx, record.service, revision.version, selection, response.status, Date.now() - started);
    return response;
  } catch (error) {
    if (isWeirError(error)) {
      const originFailed = error.code === "origin_unreachable" || error.code === "origin_timeout";
      recordServed(env, ctx, record.service, revision.version, selection, originFailed ? "origin_error" : error.status, Date.now() - started);
      return errorResponse(error, Object.fromEntries(responseHeaders));
    }
    throw error;
  }
}
