/**
 * @module worker/rule-step
 * The data plane's traffic-rule step (DESIGN §10), thin over core/rule-match.ts: the
 * request view matching reads, the answers a rule gives itself (redirect, respond, an
 * injected abort), injected delays, header edits and the mirror. Only routes whose record
 * carries rules reach any of this; a service without rules pays one null check.
 */
import type { CompiledRule, HeaderEdits } from "../core/rule-match.ts";
import { RuleRequest } from "../core/rule-match.ts";
import { discardUnreadBody } from "./refused-body.ts";
import type { RequestUrl } from "./request-url.ts";

export const RULE_HEADER = "weir-rule";
const MIRRORED_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
/** statuses whose response has no body (the Response constructor refuses one) */
const NULL_BODY = new Set([204, 205, 304]);
const BP = 10_000;

/** The request as matching sees it; `request.cf` (costly to read) only if a rule asks for the country. */
export function ruleRequestOf(request: Request, url: RequestUrl): RuleRequest {
  return new RuleRequest(request.method, url.pathAndQuery, request.headers, () => {
    const country = (request.cf as { country?: unknown } | undefined)?.country;
    return typeof country === "string" ? country : undefined;
  });
}

/** True with probability bp / 10,000. */
export function chance(bp: number): boolean {
  return bp >= BP || (bp > 0 && Math.random() * BP < bp);
}

export function applyHeaderEdits(headers: Headers, edits: HeaderEdits | null): void {
  if (edits === null) return;
  for (const name of edits.remove) headers.delete(name);
  for (const [name, value] of edits.set) headers.set(name, value);
  for (const [name, value] of edits.add) headers.append(name, value);
}

/** A request the Worker answers without reading its body: the body is discarded first (worker/refused-body.ts). */
async function refuseBody(request: Request): Promise<void> {
  if (request.body !== null) await discardUnreadBody(request);
}

function answer(request: Request, status: number, body: string | null, headers: Headers): Response {
  const empty = NULL_BODY.has(status) || request.method === "HEAD";
  return new Response(empty ? null : body, { status, headers });
}

/**
 * The response of a rule that answers itself (`redirect`, `respond`), or null when the
 * rule routes to a revision. `headers` are Weir's response headers; the rule's
 * responseHeaders edits apply on top.
 */
export async function ruleAnswer(rule: CompiledRule, request: Request, url: RequestUrl, headers: Headers): Promise<Response> {
  const action = rule.action;
  if (action.kind === "redirect") {
    await refuseBody(request);
    const q = url.pathAndQuery.indexOf("?");
    const path = action.path ?? (q === -1 ? url.pathAndQuery : url.pathAndQuery.slice(0, q));
    const query = q === -1 ? "" : url.pathAndQuery.slice(q);
    const scheme = action.scheme ?? (url.https ? "https" : "http");
    headers.set("location", `${scheme}://${action.host ?? url.rawHost}${path}${query}`);
    applyHeaderEdits(headers, rule.responseHeaders);
    return answer(request, action.status, null, headers);
  }
  if (action.kind === "respond") {
    await refuseBody(request);
    headers.set("content-type", action.contentType);
    applyHeaderEdits(headers, rule.responseHeaders);
    return answer(request, action.status, action.body, headers);
  }
  throw new TypeError(`rule '${rule.name}' does not answer by itself`);
}

/** Waits out an injected delay when the rule's fault draws one; true when it did. */
export async function faultDelay(rule: CompiledRule): Promise<boolean> {
  const fault = rule.fault;
  if (fault === null || fault.delayBp === 0 || !chance(fault.delayBp)) return false;
  await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
  return true;
}

/** The injected abort's response when the rule's fault draws one, else null. Never retried. */
export async function faultAbort(rule: CompiledRule, request: Request, headers: Headers): Promise<Response | null> {
  const fault = rule.fault;
  if (fault === null || fault.abortBp === 0 || !chance(fault.abortBp)) return null;
  await refuseBody(request);
  headers.set("content-type", "text/plain; charset=utf-8");
  applyHeaderEdits(headers, rule.responseHeaders);
  return answer(request, fault.abortStatus, `fault injected by rule '${rule.name}'\n`, headers);
}

/** True when the rule's mirror takes a copy of this request (GET, HEAD, OPTIONS only). */
export function mirrors(rule: CompiledRule, request: Request): boolean {
  // a WebSocket upgrade is a connection, not a request to copy
  return rule.mirror !== null && MIRRORED_METHODS.has(request.method) && request.headers.get("upgrade") === null && chance(rule.mirror.bp);
}
