/**
 * @module core/rule-match
 * Traffic rules compiled once per route record (DESIGN §10) and matched per request.
 * Compilation resolves versions to positions in the record's revision list, decodes a
 * split's slot table, parses durations and builds each regex once; matching is then
 * string comparisons (exact and prefix), one `RegExp.test` per regex condition, and no
 * allocation unless a rule reads the query string (parsed once per request, lazily).
 * Matching reads at most the first MAX_PATH_MATCH characters of a path.
 */
import { base64ToBytes } from "./base64.ts";
import { readCookie } from "./cookie-header.ts";
import { murmur3 } from "./hash.ts";
import { durationMs, MAX_PATH_MATCH, RETRY_CONNECT_FAILURE, retryOn, type Rule, type ValueMatch } from "./rule-schema.ts";
import { SLOT_COUNT, slotOf, soleOwner } from "./slot-table.ts";
import { percentToBp } from "./weights.ts";

/** A rule as the record carries it: the rule, and the owner bytes of its split. */
export type RecordRule = Rule & {
  /** base64 of SLOT_COUNT bytes, each a position in the record's revisions; with `weights` */
  slots?: string;
};

const EXACT = 0;
const PREFIX = 1;
const REGEX = 2;
const PRESENT = 3;

interface Condition {
  /** header names lowercase; query and cookie names as written */
  name: string;
  kind: typeof EXACT | typeof PREFIX | typeof REGEX | typeof PRESENT;
  value: string;
  re: RegExp | null;
}

export type RuleAction =
  /** the service's own weights */
  | { kind: "weights" }
  | { kind: "version"; index: number }
  /** a sticky split on the rule's own slot table; `single` ≥ 0 when one revision owns every slot */
  | { kind: "split"; slots: Uint8Array; salt: number; single: number }
  | { kind: "redirect"; scheme: string | null; host: string | null; path: string | null; status: number }
  | { kind: "respond"; status: number; body: string; contentType: string };

export interface HeaderEdits {
  set: [string, string][];
  add: [string, string][];
  remove: string[];
}

export interface RetryPolicy {
  /** retries after the first try */
  attempts: number;
  perTryMs: number | null;
  onConnectFailure: boolean;
  statuses: ReadonlySet<number>;
}

export interface CompiledRule {
  name: string;
  path: Condition | null;
  methods: readonly string[] | null;
  headers: readonly Condition[] | null;
  query: readonly Condition[] | null;
  cookies: readonly Condition[] | null;
  countries: readonly string[] | null;
  action: RuleAction;
  /** the path prefix that `rewritePath` replaces; null: the whole path */
  rewriteFrom: string | null;
  rewritePath: string | null;
  rewriteHost: string | null;
  requestHeaders: HeaderEdits | null;
  responseHeaders: HeaderEdits | null;
  timeoutMs: number | null;
  retries: RetryPolicy | null;
  mirror: { index: number; bp: number } | null;
  fault: { delayMs: number; delayBp: number; abortStatus: number; abortBp: number } | null;
}

/** The per-rule hash seed of a split: a key lands independently of the service's own table. */
export function ruleSalt(service: string, rule: string): number {
  return murmur3(`${service}#${rule}`, 0x5745_4952);
}

function condition(m: ValueMatch, lowerName: boolean): Condition {
  const name = lowerName ? m.name.toLowerCase() : m.name;
  if (m.exact !== undefined) return { name, kind: EXACT, value: m.exact, re: null };
  if (m.prefix !== undefined) return { name, kind: PREFIX, value: m.prefix, re: null };
  if (m.regex !== undefined) return { name, kind: REGEX, value: m.regex, re: new RegExp(m.regex) };
  return { name, kind: PRESENT, value: "", re: null };
}

function edits(e: Rule["requestHeaders"]): HeaderEdits | null {
  if (e === undefined) return null;
  return { set: Object.entries(e.set ?? {}), add: Object.entries(e.add ?? {}), remove: e.remove ?? [] };
}

/**
 * Compiles a record's rules. `versions` is the record's revision list in order; a rule
 * naming a version not in it, or a split table that points past it, is a RangeError (the
 * record is unusable and the route cache keeps its last good one).
 */
export function compileRules(rules: readonly RecordRule[], versions: readonly string[], service: string): CompiledRule[] {
  const indexOf = (version: string): number => {
    const i = versions.indexOf(version);
    if (i === -1) throw new RangeError(`a rule names '${version}', which the record does not hold`);
    return i;
  };
  return rules.map((rule): CompiledRule => {
    const m = rule.match;
    const p = m?.path;
    let action: RuleAction = { kind: "weights" };
    if (rule.version !== undefined) action = { kind: "version", index: indexOf(rule.version) };
    else if (rule.weights !== undefined) {
      if (rule.slots === undefined) throw new RangeError(`rule '${rule.name}' has weights but no slot table`);
      const slots = base64ToBytes(rule.slots);
      if (slots.length !== SLOT_COUNT) throw new RangeError(`rule '${rule.name}' slot table has the wrong length`);
      for (let i = 0; i < SLOT_COUNT; i++) {
        if (slots[i] >= versions.length) throw new RangeError(`rule '${rule.name}' slot table points past the revisions`);
      }
      action = { kind: "split", slots, salt: ruleSalt(service, rule.name), single: soleOwner(slots) };
    } else if (rule.redirect !== undefined) {
      const r = rule.redirect;
      action = { kind: "redirect", scheme: r.scheme ?? null, host: r.host ?? null, path: r.path ?? null, status: r.status ?? 302 };
    } else if (rule.respond !== undefined) {
      const r = rule.respond;
      action = { kind: "respond", status: r.status, body: r.body ?? "", contentType: r.contentType ?? "text/plain; charset=utf-8" };
    }
    const retries = rule.retries;
    const on = retries === undefined ? [] : retryOn(rule);
    const f = rule.fault;
    return {
      name: rule.name,
      path: p === undefined ? null : condition({ name: "", ...p }, false),
      methods: m?.methods ?? null,
      headers: m?.headers?.map((c) => condition(c, true)) ?? null,
      query: m?.query?.map((c) => condition(c, false)) ?? null,
      cookies: m?.cookies?.map((c) => condition(c, false)) ?? null,
      countries: m?.countries ?? null,
      action,
      rewriteFrom: rule.rewrite?.path?.prefix !== undefined ? (p?.prefix ?? null) : null,
      rewritePath: rule.rewrite?.path?.prefix ?? rule.rewrite?.path?.full ?? null,
      rewriteHost: rule.rewrite?.host ?? null,
      requestHeaders: edits(rule.requestHeaders),
      responseHeaders: edits(rule.responseHeaders),
      timeoutMs: rule.timeout === undefined ? null : durationMs(rule.timeout),
      retries:
        retries === undefined
          ? null
          : {
              attempts: retries.attempts,
              perTryMs: retries.perTryTimeout === undefined ? null : durationMs(retries.perTryTimeout),
              onConnectFailure: on.includes(RETRY_CONNECT_FAILURE),
              statuses: new Set(on.filter((s) => s !== RETRY_CONNECT_FAILURE).map(Number)),
            },
      mirror: rule.mirror === undefined ? null : { index: indexOf(rule.mirror.version), bp: percentToBp(rule.mirror.percent ?? 100) },
      fault:
        f === undefined
          ? null
          : {
              delayMs: f.delay?.ms ?? 0,
              delayBp: f.delay === undefined ? 0 : percentToBp(f.delay.percent),
              abortStatus: f.abort?.status ?? 0,
              abortBp: f.abort === undefined ? 0 : percentToBp(f.abort.percent),
            },
    };
  });
}

/** What matching needs of a request; built by the data plane only for routes with rules. */
export class RuleRequest {
  /** the path (no query), at most MAX_PATH_MATCH characters of it */
  readonly path: string;
  /** the path was longer than what `path` holds: no exact match can hold */
  readonly truncated: boolean;
  private params: URLSearchParams | null = null;
  private cookieHeader: string | null | undefined = undefined;
  private countryCode: string | undefined | null = null;

  constructor(
    readonly method: string,
    /** `/path?query` as the client sent it */
    readonly pathAndQuery: string,
    readonly headers: { get(name: string): string | null },
    /** the client's country (request.cf.country), read only when a rule asks */
    private readonly readCountry: () => string | undefined,
  ) {
    let end = pathAndQuery.indexOf("?");
    if (end === -1) end = pathAndQuery.length;
    this.truncated = end > MAX_PATH_MATCH;
    this.path = pathAndQuery.slice(0, Math.min(end, MAX_PATH_MATCH));
  }

  /** The first value of query parameter `name` (decoded), or null. */
  queryParam(name: string): string | null {
    if (this.params === null) {
      const q = this.pathAndQuery.indexOf("?");
      this.params = new URLSearchParams(q === -1 ? "" : this.pathAndQuery.slice(q + 1));
    }
    return this.params.get(name);
  }

  get country(): string | undefined {
    if (this.countryCode === null) this.countryCode = this.readCountry();
    return this.countryCode;
  }

  cookie(name: string): string | null {
    if (this.cookieHeader === undefined) this.cookieHeader = this.headers.get("cookie");
    return readCookie(this.cookieHeader, name) ?? null;
  }
}

function test(c: Condition, value: string | null): boolean {
  if (value === null) return false;
  switch (c.kind) {
    case EXACT:
      return value === c.value;
    case PREFIX:
      return value.startsWith(c.value);
    case REGEX:
      return (c.re as RegExp).test(value.length > MAX_PATH_MATCH ? value.slice(0, MAX_PATH_MATCH) : value);
    default:
      return true;
  }
}

/** True when every condition of `rule` holds for `req`. */
export function ruleMatches(rule: CompiledRule, req: RuleRequest): boolean {
  const p = rule.path;
  if (p !== null) {
    if (p.kind === EXACT) {
      if (req.truncated || req.path !== p.value) return false;
    } else if (p.kind === PREFIX) {
      if (!req.path.startsWith(p.value)) return false;
    } else if (!(p.re as RegExp).test(req.path)) return false;
  }
  if (rule.methods !== null && !rule.methods.includes(req.method)) return false;
  if (rule.headers !== null) {
    for (const c of rule.headers) if (!test(c, req.headers.get(c.name))) return false;
  }
  if (rule.query !== null) {
    for (const c of rule.query) if (!test(c, req.queryParam(c.name))) return false;
  }
  if (rule.cookies !== null) {
    for (const c of rule.cookies) if (!test(c, req.cookie(c.name))) return false;
  }
  if (rule.countries !== null && (req.country === undefined || !rule.countries.includes(req.country))) return false;
  return true;
}

/** The first rule whose match holds, or null (DESIGN §10: first match wins). */
export function firstMatch(rules: readonly CompiledRule[], req: RuleRequest): CompiledRule | null {
  for (let i = 0; i < rules.length; i++) if (ruleMatches(rules[i], req)) return rules[i];
  return null;
}

/** The revision position a split gives `key`. */
export function splitRevision(action: Extract<RuleAction, { kind: "split" }>, key: string): number {
  return action.slots[slotOf(murmur3(key, action.salt))];
}

/** The path sent to the origin after a rule's rewrite; the query string is always kept. */
export function rewrittenPathAndQuery(rule: CompiledRule, pathAndQuery: string): string {
  if (rule.rewritePath === null) return pathAndQuery;
  let q = pathAndQuery.indexOf("?");
  if (q === -1) q = pathAndQuery.length;
  const rest = rule.rewriteFrom === null ? "" : pathAndQuery.slice(rule.rewriteFrom.length, q);
  return rule.rewritePath + rest + pathAndQuery.slice(q);
}
