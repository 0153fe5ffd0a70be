/**
 * @module worker/data-plane
 * Every non-admin request: hostname → route (KV via the isolate cache) → revision → the
 * revision's origins. The order of decision (DESIGN §10): a per-version host serves its
 * version; the `Weir-Revision` pin header picks the version (a rule that redirects or
 * responds still wins); then the first matching traffic rule; then the service's weights
 * (sticky key → slot table). Then origin health (DESIGN §13, worker/origin-health.ts):
 * origins marked down or passively ejected are skipped, and a revision with none left
 * hands the request to the primary unless the request named its version. Adds
 * `Weir-Revision` and `Weir-Rule` (unless the service turned them off) and
 * `Weir-Config-Version` to what it sends back.
 */
import type { Selection } from "../core/edge-stats.ts";
import { errorResponse, isWeirError, WeirError } from "../core/errors.ts";
import { MAX_HOST_LENGTH } from "../core/hostnames.ts";
import type { CompiledRoute } from "../core/route-record.ts";
import { firstMatch, rewrittenPathAndQuery, splitRevision, type CompiledRule } from "../core/rule-match.ts";
import { selectRevision } from "../core/selection.ts";
import { stickyKey } from "./affinity.ts";
import type { Env } from "./env.ts";
import { proxy, timeoutMs, viaListsWeir, type ProxyTarget } from "./proxy.ts";
import { noteOriginResult, withoutEjected } from "./origin-health.ts";
import { discardUnreadBody } from "./refused-body.ts";
import { splitRequestUrl, type RequestUrl } from "./request-url.ts";
import { cacheMs, lookupRoute } from "./route-cache.ts";
import { recordFault, recordServed, type WaitUntil } from "./stats-recorder.ts";
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
  if (rule !== null && (rule.action.kind === "redirect" || rule.action.kind === "respond")) return answerByRule(request, env, url, ctx, record, rule);
  // The request named its version (pin header, version host, version-pinned domain): health never moves it.
  const named = index !== -1 || record.pin !== undefined;
  // Edge stats keep what the weights chose apart from what a request named (pin header,
  // version host, version-pinned domain) or a rule sent to one version: only the former,
  // the service's weights or a rule's weighted split, judges a canary (issue 9, §10).
  const selection: Selection = named || rule?.action.kind === "version" ? "pinned" : "weighted";
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
  const usable = healthyTarget(route, index, !named);

  // Forwarding, one path for every request (kept in this function: no extra async frame
  // on the hot path of a service without rules, which allocates what it always did).
  const version = record.revisions[usable.index].version;
  const responseHeaders = weirHeaders(record, version, rule, setCookie);
  const target: ProxyTarget = {
    pathAndQuery: url.pathAndQuery,
    host: url.rawHost,
    https: url.https,
    origins: usable.origins,
    start: usable.origins.length === 1 ? 0 : nextOrigin++ % usable.origins.length,
    timeoutMs: timeoutMs(env.ORIGIN_TIMEOUT_MS),
    responseHeaders,
    retries: null,
    requestEdits: null,
    onAttempt: noteOriginResult,
    tries: 0,
  };
  if (rule !== null) {
    const aborted = await applyRule(request, env, url, ctx, route, rule, version, selection, target, responseHeaders);
    if (aborted !== null) return aborted;
  }
  const started = Date.now();
  try {
    const response = await proxy(request, target);
    // Edge statistics (issue 6): counted in memory, flushed off the request path.
    countProxied(env, ctx, record.service, version, selection, response, started, target);
    if (rule !== null) applyHeaderEdits(response.headers, rule.responseHeaders);
    return response;
  } catch (error) {
    if (!isWeirError(error)) throw error;
    countProxied(env, ctx, record.service, version, selection, error, started, target);
    return errorResponse(error, Object.fromEntries(responseHeaders));
  }
}

/**
 * The steps of a rule that routes, before the request goes to `version`: fault injection
 * (an injected abort is returned as the answer), then the rule's rewrites, timeout,
 * retries and request header edits on `target`, and the mirror's copy.
 */
async function applyRule(
  request: Request,
  env: Env,
  url: RequestUrl,
  ctx: WaitUntil | undefined,
  route: CompiledRoute,
  rule: CompiledRule,
  version: string,
  selection: Selection,
  target: ProxyTarget,
  responseHeaders: [string, string][],
): Promise<Response | null> {
  const service = route.record.service;
  if (rule.fault !== null) {
    if (await faultDelay(rule)) recordFault(env, ctx, service, version, selection, "delay");
    const aborted = await faultAbort(rule, request, new Headers(responseHeaders));
    if (aborted !== null) {
      // The client's answer is the rule's, not the revision's: the revision notes the
      // abort apart from its requests, so no rollout judges an injected failure.
      recordFault(env, ctx, service, version, selection, "abort");
      recordServed(env, ctx, service, rule.name, "rule", aborted.status, 0);
      return aborted;
    }
  }
  target.pathAndQuery = rewrittenPathAndQuery(rule, url.pathAndQuery);
  target.host = rule.rewriteHost ?? url.rawHost;
  if (rule.timeoutMs !== null) target.timeoutMs = rule.timeoutMs;
  // retries go to the revision's next usable origin: never one marked down or ejected
  target.retries = rule.retries;
  target.requestEdits = rule.requestHeaders;
  if (ctx !== undefined && rule.mirror !== null) mirror(request, env, ctx, route, rule.mirror.index, rule, target);
  return null;
}

/**
 * A rule that redirects or responds answers without any revision; edge stats count the
 * answer under the rule's name.
 */
async function answerByRule(request: Request, env: Env, url: RequestUrl, ctx: WaitUntil | undefined, record: CompiledRoute["record"], rule: CompiledRule): Promise<Response> {
  const response = await ruleAnswer(rule, request, url, new Headers(weirHeaders(record, null, rule, undefined)));
  recordServed(env, ctx, record.service, rule.name, "rule", response.status, 0);
  return response;
}

/**
 * Sends a copy of `request` (GET, HEAD, OPTIONS only, when the rule's percent draws it)
 * to the mirror's revision through `waitUntil`, as `main` goes to its own: the same path,
 * host and request header edits, no retries. Its response is discarded, so its failure or
 * slowness never reaches the client; edge stats count it under the mirror's revision as
 * `mirror`, which no rollout judges. A revision with every origin marked down gets no copy.
 */
function mirror(request: Request, env: Env, ctx: WaitUntil, route: CompiledRoute, index: number, rule: CompiledRule, main: ProxyTarget): void {
  const origins = route.usable === null ? route.record.revisions[index].origins : route.usable[index];
  if (origins === null || !mirrors(rule, request)) return;
  const copy = new Request(request.url, { method: request.method, headers: request.headers });
  const target: ProxyTarget = { ...main, origins, start: 0, responseHeaders: [], retries: null, onAttempt: undefined, tries: 0 };
  const service = route.record.service;
  const version = route.record.revisions[index].version;
  const started = Date.now();
  ctx.waitUntil(
    proxy(copy, target).then(
      (res) => {
        countProxied(env, ctx, service, version, "mirror", res, started, target);
        return res.body?.cancel();
      },
      (error: unknown) => {
        if (isWeirError(error)) countProxied(env, ctx, service, version, "mirror", error, started, target);
      },
    ).catch(() => undefined),
  );
}

/**
 * Counts what a proxy call came to: the origin's status, or, when it threw, an origin
 * error for no answer (unreachable, timeout) and the status Weir answered otherwise; with
 * the tries it took beyond the first.
 */
function countProxied(
  env: Env,
  ctx: WaitUntil | undefined,
  service: string,
  version: string,
  kind: Selection,
  answer: Response | WeirError,
  started: number,
  target: ProxyTarget,
): void {
  const status =
    answer instanceof Response ? answer.status : answer.code === "origin_unreachable" || answer.code === "origin_timeout" ? "origin_error" : answer.status;
  const tries = target.tries ?? 0;
  recordServed(env, ctx, service, version, kind, status, Date.now() - started, tries > 1 ? tries - 1 : 0);
}

/**
 * The revision that serves and the origins it may try (DESIGN §13): those health checks do
 * not mark down, less those this isolate ejected. A revision with every origin marked down
 * hands over to the primary when `mayFailOver` (the weights or a rule chose it, the
 * request did not name it) and the primary has an origin left; otherwise it tries its own
 * anyway. A route with no mark costs one null check, an isolate with no failure one more.
 */
function healthyTarget(route: CompiledRoute, index: number, mayFailOver: boolean): { index: number; origins: readonly string[] } {
  let origins: readonly string[] = route.record.revisions[index].origins;
  if (route.usable !== null) {
    const usable = route.usable[index];
    if (usable !== null) origins = usable;
    else if (mayFailOver && index !== 0 && route.usable[0] !== null) {
      index = 0;
      origins = route.usable[0];
    }
  }
  return { index, origins: withoutEjected(origins) };
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
