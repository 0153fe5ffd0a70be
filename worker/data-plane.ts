/**
 * @module worker/data-plane
 * Every non-admin request: hostname → route (KV via the isolate cache) → revision → the
 * revision's origins. The order of decision (DESIGN §10): a per-version host serves its
 * version; the `Weir-Revision` pin header picks the version (a rule that redirects or
 * responds still wins); then the first matching traffic rule; then the service's weights
 * (sticky key → slot table). Adds `Weir-Revision` and `Weir-Rule` (unless the service
 * turned them off) and `Weir-Config-Version` to what it sends back.
 */
import type { Selection } from "../core/edge-stats.ts";
import { errorResponse, isWeirError, WeirError } from "../core/errors.ts";
import { MAX_HOST_LENGTH } from "../core/hostnames.ts";
import type { CompiledRoute } from "../core/route-record.ts";
import { firstMatch, rewrittenPathAndQuery, splitRevision, type CompiledRule } from "../core/rule-match.ts";
import { selectRevision } from "../core/selection.ts";
import { stickyKey } from "./affinity.ts";
import type { Env } from "./env.ts";
import { proxy, timeoutMs, viaListsWeir } from "./proxy.ts";
import { discardUnreadBody } from "./refused-body.ts";
import { splitRequestUrl, type RequestUrl } from "./request-url.ts";
import { cacheMs, lookupRoute } from "./route-cache.ts";
import { recordServed, type WaitUntil } from "./stats-recorder.ts";
import { applyHeaderEdits, faultAbort, faultDelay, mirrors, ruleAnswer, ruleRequestOf, RULE_HEADER } from "./rule-step.ts";

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
  // Rules ride only on weighted records: per-version hosts never get here with any.
  const rule: CompiledRule | null = route.rules === null ? null : firstMatch(route.rules, ruleRequestOf(request, url));
  if (rule !== null && (rule.action.kind === "redirect" || rule.action.kind === "respond")) {
    return ruleAnswer(rule, request, url, new Headers(weirHeaders(record, null, rule, undefined)));
  }
  // Edge stats keep what the weights chose apart from what a request named (pin header,
  // version host, version-pinned domain) or a rule sent to one version: only the former,
  // the service's weights or a rule's weighted split, judges a canary (issue 9, §10).
  const selection: Selection = index !== -1 || record.pin !== undefined || rule?.action.kind === "version" ? "pinned" : "weighted";
  if (index === -1) {
    const action = rule?.action;
    if (action?.kind === "version") index = action.index;
    // One revision serves everything (a split's sole owner; a pinned host, or the others at
    // weight 0): no key, no cookie.
    else if (action?.kind === "split" && action.single !== -1) index = action.single;
    else if (action?.kind !== "split" && route.sole !== -1) index = route.sole;
    else {
      const got = stickyKey(request, record.affinity, env.STICKY_SECRET, url.https);
      const sticky = got instanceof Promise ? await got : got;
      index = action?.kind === "split" ? splitRevision(action, sticky.key) : selectRevision(route, sticky.key);
      setCookie = sticky.setCookie;
    }
  }
  const revision = record.revisions[index];
  if (rule !== null) return serveByRule(request, env, url, ctx, route, rule, index, setCookie, selection);

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

/** Weir's own response headers for a revision (null: the rule answers itself). */
function weirHeaders(record: CompiledRoute["record"], version: string | null, rule: CompiledRule | null, setCookie: string | undefined): [string, string][] {
  const headers: [string, string][] = [[CONFIG_VERSION_HEADER, String(record.configVersion)]];
  if (record.revisionHeader) {
    if (version !== null) headers.push([REVISION_HEADER, version]);
    if (rule !== null) headers.push([RULE_HEADER, rule.name]);
  }
  if (setCookie !== undefined) headers.push(["set-cookie", setCookie]);
  return headers;
}

/**
 * A request a rule routes to revision `index`: fault injection, the mirror, rewrites,
 * header edits, the rule's timeout and retries, then the rule's response header edits.
 */
async function serveByRule(
  request: Request,
  env: Env,
  url: RequestUrl,
  ctx: WaitUntil | undefined,
  route: CompiledRoute,
  rule: CompiledRule,
  index: number,
  setCookie: string | undefined,
  selection: Selection,
): Promise<Response> {
  const record = route.record;
  const revision = record.revisions[index];
  const responseHeaders = weirHeaders(record, revision.version, rule, setCookie);
  if (rule.fault !== null) {
    await faultDelay(rule);
    const aborted = await faultAbort(rule, request, new Headers(responseHeaders));
    if (aborted !== null) return aborted;
  }

  const pathAndQuery = rewrittenPathAndQuery(rule, url.pathAndQuery);
  const host = rule.rewriteHost ?? url.rawHost;
  const timeout = rule.timeoutMs ?? timeoutMs(env.ORIGIN_TIMEOUT_MS);
  if (ctx !== undefined && rule.mirror !== null && mirrors(rule, request)) {
    const copy = new Request(request.url, { method: request.method, headers: request.headers });
    const mirrorOrigins = record.revisions[rule.mirror.index].origins;
    // A copy, its response discarded: its failure or slowness never reaches the client.
    ctx.waitUntil(
      proxy(copy, { pathAndQuery, host, https: url.https, origins: mirrorOrigins, start: 0, timeoutMs: timeout, responseHeaders: [], requestEdits: rule.requestHeaders })
        .then((res) => res.body?.cancel())
        .catch(() => undefined),
    );
  }

  const origins = revision.origins;
  const started = Date.now();
  try {
    const response = await proxy(request, {
      pathAndQuery,
      host,
      https: url.https,
      origins,
      start: origins.length === 1 ? 0 : nextOrigin++ % origins.length,
      timeoutMs: timeout,
      responseHeaders,
      retries: rule.retries,
      requestEdits: rule.requestHeaders,
    });
    recordServed(env, ctx, record.service, revision.version, selection, response.status, Date.now() - started);
    if (rule.responseHeaders !== null) applyHeaderEdits(response.headers, rule.responseHeaders);
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
