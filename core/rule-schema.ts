/**
 * @module core/rule-schema
 * Traffic rules (DESIGN §10) as zod schemas: the one source of validation for the admin
 * API bodies, the stack file, the route record and the OpenAPI document. The shape
 * (types, keys) fails as a 400; every value check lives in one `superRefine` per rule so
 * its 422 names the rule and the field ("rule 'beta': match.path.regex: ..."). Checks
 * that need the service (versions exist) or are costly (catastrophic backtracking) run
 * at write time in core/rule-operations.ts, never when the data plane reads a record.
 */
import { z } from "zod";
import { parseDuration } from "./duration.ts";
import { DNS_LABEL } from "./dns-label.ts";
import { isWholeBasisPoints, percentToBp, TOTAL_BP } from "./weights.ts";
import { HOP_BY_HOP_HEADERS } from "./hop-by-hop.ts";
import { shortValue } from "./printable.ts";

/** Rules a service holds at most: each one is read in order on every request that reaches it. */
export const MAX_RULES = 50;
/** Conditions of one kind (headers, query, cookies, methods, countries) in one rule. */
export const MAX_CONDITIONS = 16;
/** A regex longer than this is refused (DESIGN §10). */
export const MAX_REGEX_LENGTH = 256;
/** Matching reads at most this many characters of a path (DESIGN §10). */
export const MAX_PATH_MATCH = 2048;
/** Longest value of a path or header condition or edit. */
const MAX_VALUE = 2048;
/**
 * A service's rules as JSON (UTF-8) take at most this many bytes: they are kept in every route
 * record of the service and twice (before, after) in each of its history entries, and a
 * Durable Object's SQLite refuses a value over 2 MB (22 rules of 16,384 '☃' once made every
 * further write a 500).
 */
export const MAX_RULES_BYTES = 512 * 1024;
/** A `respond` body is kept in every route record of the service: small pages only. */
export const MAX_RESPOND_BODY = 16_384;
export const MAX_RETRY_ATTEMPTS = 10;
/** Longest injected delay and longest rule timeout. */
export const MAX_DELAY_MS = 60_000;
export const MAX_TIMEOUT_MS = 300_000;

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** RFC 9110 field-value: visible ASCII, spaces and tabs, obs-text; no CR, LF or NUL. */
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
/**
 * Header names a rule may not edit: hop-by-hop (they describe one connection, not the
 * message), Host (workerd sends the origin URL's own host; see `rewrite.host`) and
 * Content-Length (the body's framing is the runtime's). On requests Via is also Weir's own:
 * removing it would hide a loop (DESIGN §5).
 */
const FORBIDDEN_EDITS = new Set([...HOP_BY_HOP_HEADERS, "host", "content-length"]);
const FORBIDDEN_REQUEST_EDITS = new Set([...FORBIDDEN_EDITS, "via"]);

/** `connect-failure` or an HTTP status the origin answered (4xx/5xx) worth another try. */
export const RETRY_CONNECT_FAILURE = "connect-failure";
export const DEFAULT_RETRY_ON = [RETRY_CONNECT_FAILURE, "502", "503", "504"] as const;
export const REDIRECT_STATUSES = [301, 302, 303, 307, 308] as const;
/** Statuses whose response carries no body (RFC 9110 §6.4.1; the Response constructor refuses one). */
export const NO_BODY_STATUSES = [204, 205, 304] as const;

const Text = z.string();

const ValueMatch = z.strictObject({
  name: Text,
  exact: Text.optional(),
  prefix: Text.optional(),
  regex: Text.optional(),
  present: z.literal(true).optional(),
});
export type ValueMatch = z.infer<typeof ValueMatch>;

const PathMatch = z.strictObject({ exact: Text.optional(), prefix: Text.optional(), regex: Text.optional() });
export type PathMatch = z.infer<typeof PathMatch>;

export const RuleMatch = z.strictObject({
  path: PathMatch.optional(),
  methods: z.array(Text).optional(),
  headers: z.array(ValueMatch).optional(),
  query: z.array(ValueMatch).optional(),
  cookies: z.array(ValueMatch).optional(),
  /** request.cf.country: ISO 3166-1 alpha-2 (and Cloudflare's T1 for Tor, XX for unknown) */
  countries: z.array(Text).optional(),
});
export type RuleMatch = z.infer<typeof RuleMatch>;

/**
 * An object keyed by names the user chose (header names, versions). zod skips a
 * `__proto__` key without a word (it cannot be assigned to the parsed object), so it is
 * refused instead of vanishing (as core/model.ts `namedRecord` does).
 */
function keyed<V extends z.ZodType>(value: V) {
  return z.preprocess((input, ctx) => {
    if (typeof input === "object" && input !== null && !Array.isArray(input) && Object.hasOwn(input, "__proto__")) {
      ctx.addIssue({ code: "custom", path: ["__proto__"], message: "'__proto__' is not a name a rule can use" });
    }
    return input;
  }, z.record(z.string(), value));
}

const HeaderEdits = z.strictObject({
  set: keyed(Text).optional(),
  add: keyed(Text).optional(),
  remove: z.array(Text).optional(),
});
export type HeaderEdits = z.infer<typeof HeaderEdits>;

const Percent = z.number();

/** The shape of a rule: types and keys only (a mismatch is a 400). */
export const RuleShape = z.strictObject({
  name: Text,
  match: RuleMatch.optional(),
  version: Text.optional(),
  /** a sticky split of this rule's traffic, percent by version, summing to 100 */
  weights: keyed(Percent).optional(),
  redirect: z
    .strictObject({
      scheme: z.enum(["http", "https"]).optional(),
      host: Text.optional(),
      path: Text.optional(),
      status: z.number().int().optional(),
    })
    .optional(),
  respond: z.strictObject({ status: z.number().int(), body: Text.optional(), contentType: Text.optional() }).optional(),
  rewrite: z
    .strictObject({
      /** `prefix` replaces a matched path prefix; `full` replaces the whole path */
      path: z.strictObject({ prefix: Text.optional(), full: Text.optional() }).optional(),
      /** sent to the origin as X-Forwarded-Host (workerd cannot send another Host) */
      host: Text.optional(),
    })
    .optional(),
  requestHeaders: HeaderEdits.optional(),
  responseHeaders: HeaderEdits.optional(),
  /** wait for the origin's response headers ("10s"); overrides ORIGIN_TIMEOUT_MS */
  timeout: Text.optional(),
  retries: z
    .strictObject({
      attempts: z.number().int(),
      perTryTimeout: Text.optional(),
      on: z.array(Text).optional(),
    })
    .optional(),
  mirror: z.strictObject({ version: Text, percent: Percent.optional() }).optional(),
  fault: z
    .strictObject({
      delay: z.strictObject({ ms: z.number().int(), percent: Percent }).optional(),
      abort: z.strictObject({ status: z.number().int(), percent: Percent }).optional(),
    })
    .optional(),
});
export type Rule = z.infer<typeof RuleShape>;

type Problem = (field: string, message: string) => void;

/** The first problem of a regex source, or undefined when it compiles and is short enough. */
export function regexProblem(source: string): string | undefined {
  if (source.length > MAX_REGEX_LENGTH) return `is ${source.length} characters long; at most ${MAX_REGEX_LENGTH}`;
  try {
    new RegExp(source);
  } catch (error) {
    return `does not compile: ${(error as Error).message}`;
  }
  // Without the `u` flag `\p{L}` is the text "p{L}" and `\u{1F600}` the text "u{1F600}": they compile
  // but never matches what was meant.
  for (let i = 0; i < source.length; i++) {
    if (source[i] !== "\\") continue;
    const escape = source.slice(i, i + 3);
    if (escape === "\\p{" || escape === "\\P{" || escape === "\\u{") {
      return `uses ${escape}…}, which needs the u flag; Weir's regexes have no flags: write a character class instead`;
    }
    i++;
  }
  return undefined;
}

function percentProblem(value: number): string | undefined {
  if (!(value >= 0 && value <= 100)) return "must be between 0 and 100";
  if (!isWholeBasisPoints(value)) return "must have at most two decimals";
  return undefined;
}

function exactlyOne(obj: Record<string, unknown>, keys: readonly string[]): string | undefined {
  const given = keys.filter((k) => obj[k] !== undefined);
  if (given.length === 1) return undefined;
  return given.length === 0 ? `needs one of ${keys.join(" | ")}` : `takes exactly one of ${keys.join(" | ")}, not ${given.join(" and ")}`;
}

function checkValueMatches(list: readonly ValueMatch[] | undefined, field: string, problem: Problem, nameCheck: (name: string) => string | undefined): void {
  if (list === undefined) return;
  if (list.length > MAX_CONDITIONS) problem(field, `at most ${MAX_CONDITIONS} conditions`);
  list.forEach((m, i) => {
    const at = `${field}[${i}]`;
    const nameProblem = nameCheck(m.name);
    if (nameProblem) problem(`${at}.name`, nameProblem);
    const one = exactlyOne(m, ["exact", "prefix", "regex", "present"]);
    if (one) problem(at, one);
    for (const key of ["exact", "prefix"] as const) {
      const v = m[key];
      if (v !== undefined && v.length > MAX_VALUE) problem(`${at}.${key}`, `longer than ${MAX_VALUE} characters`);
    }
    if (m.regex !== undefined) {
      const p = regexProblem(m.regex);
      if (p) problem(`${at}.regex`, p);
    }
  });
}

const headerName = (name: string) => (TOKEN.test(name) ? undefined : `'${shortValue(name)}' is not a valid header name (an HTTP token)`);
const plainName = (name: string) =>
  name.length === 0 ? "must not be empty" : name.length > 256 ? "longer than 256 characters" : undefined;

function checkEdits(edits: HeaderEdits | undefined, field: string, forbidden: ReadonlySet<string>, problem: Problem): void {
  if (edits === undefined) return;
  const names = [...Object.keys(edits.set ?? {}), ...Object.keys(edits.add ?? {}), ...(edits.remove ?? [])];
  if (names.length > MAX_CONDITIONS * 2) problem(field, `at most ${MAX_CONDITIONS * 2} header edits`);
  for (const [kind, map] of [["set", edits.set], ["add", edits.add]] as const) {
    for (const [name, value] of Object.entries(map ?? {})) {
      const at = `${field}.${kind}.${shortValue(name)}`;
      if (!TOKEN.test(name)) problem(at, `'${shortValue(name)}' is not a valid header name (an HTTP token)`);
      else if (forbidden.has(name.toLowerCase())) problem(at, `'${shortValue(name)}' cannot be edited by a rule`);
      if (!FIELD_VALUE.test(value) || value.length > MAX_VALUE) problem(at, "the value must be a header value (no control characters, at most 2048 characters)");
    }
  }
  (edits.remove ?? []).forEach((name, i) => {
    const at = `${field}.remove[${i}]`;
    if (!TOKEN.test(name)) problem(at, `'${shortValue(name)}' is not a valid header name (an HTTP token)`);
    else if (forbidden.has(name.toLowerCase())) problem(at, `'${shortValue(name)}' cannot be edited by a rule`);
  });
}

function durationProblem(text: string): { ms?: number; problem?: string } {
  const ms = parseDuration(text);
  if (ms === undefined) return { problem: `'${shortValue(text)}' is not a duration such as 500ms, 10s or 1m` };
  if (ms < 1 || ms > MAX_TIMEOUT_MS) return { problem: `must be between 1ms and ${MAX_TIMEOUT_MS / 1000}s` };
  return { ms };
}

/** An http(s) host as a redirect or rewrite names it: a hostname, optionally with a port. */
const HOST = /^(?=.{1,253}(:\d{1,5})?$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?(:\d{1,5})?$/;

/** Why `host` is not a redirect or rewrite host (a hostname, optionally with a port 1–65535), or undefined. */
function hostProblem(host: string): string | undefined {
  if (!HOST.test(host)) return `'${host.slice(0, 300)}' is not a hostname`;
  const port = /:(\d+)$/.exec(host)?.[1];
  if (port !== undefined && !(Number(port) >= 1 && Number(port) <= 65535)) return `'${shortValue(host)}' names port ${port}; a port is 1–65535`;
  return undefined;
}

const pathText = (text: string) =>
  !text.startsWith("/") ? "must start with '/'" : /[\s?#]/.test(text) || !FIELD_VALUE.test(text) ? "must be a path without spaces, '?' or '#'" : text.length > MAX_VALUE ? `longer than ${MAX_VALUE} characters` : undefined;

/** Every value check of one rule that needs nothing but the rule. */
export function checkRule(rule: Rule, problem: Problem): void {
  if (!DNS_LABEL.test(rule.name)) problem("name", "must be a DNS label: lowercase letters, digits and '-', 1–63 characters");
  const m = rule.match;
  if (m?.path !== undefined) {
    const one = exactlyOne(m.path, ["exact", "prefix", "regex"]);
    if (one) problem("match.path", one);
    for (const key of ["exact", "prefix"] as const) {
      const v = m.path[key];
      if (v === undefined) continue;
      if (!v.startsWith("/")) problem(`match.path.${key}`, "must start with '/'");
      if (v.length > MAX_PATH_MATCH) problem(`match.path.${key}`, `longer than ${MAX_PATH_MATCH} characters`);
    }
    if (m.path.regex !== undefined) {
      const p = regexProblem(m.path.regex);
      if (p) problem("match.path.regex", p);
    }
  }
  if (m?.methods !== undefined) {
    if (m.methods.length === 0 || m.methods.length > MAX_CONDITIONS) problem("match.methods", `lists 1–${MAX_CONDITIONS} methods`);
    m.methods.forEach((method, i) => {
      if (!/^[A-Z]+$/.test(method) || method.length > 32) problem(`match.methods[${i}]`, `'${shortValue(method)}' is not an uppercase HTTP method`);
    });
  }
  checkValueMatches(m?.headers, "match.headers", problem, headerName);
  checkValueMatches(m?.query, "match.query", problem, plainName);
  checkValueMatches(m?.cookies, "match.cookies", problem, (name) => (TOKEN.test(name) ? undefined : `'${shortValue(name)}' is not a valid cookie name`));
  if (m?.countries !== undefined) {
    if (m.countries.length === 0 || m.countries.length > 64) problem("match.countries", "lists 1–64 countries");
    m.countries.forEach((c, i) => {
      if (!/^[A-Z][A-Z0-9]$/.test(c)) problem(`match.countries[${i}]`, `'${shortValue(c)}' is not an uppercase ISO 3166-1 alpha-2 code`);
    });
  }

  const actions = (["version", "weights", "redirect", "respond"] as const).filter((k) => rule[k] !== undefined);
  if (actions.length > 1) problem(actions[1], `a rule takes at most one of version | weights | redirect | respond, not ${actions.join(" and ")}`);
  if (rule.version !== undefined && !DNS_LABEL.test(rule.version)) problem("version", `'${shortValue(rule.version)}' is not a version name`);
  if (rule.weights !== undefined) {
    const entries = Object.entries(rule.weights);
    if (entries.length === 0) problem("weights", "names no version");
    let sum = 0;
    for (const [version, percent] of entries) {
      if (!DNS_LABEL.test(version)) problem(`weights.${shortValue(version)}`, `'${shortValue(version)}' is not a version name`);
      const p = percentProblem(percent);
      if (p) problem(`weights.${shortValue(version)}`, p);
      else sum += percentToBp(percent);
    }
    if (entries.length > 0 && sum !== TOTAL_BP) problem("weights", `sum to ${sum / 100}%; a rule's split must sum to 100%`);
  }
  if (rule.redirect !== undefined) {
    const r = rule.redirect;
    if (r.scheme === undefined && r.host === undefined && r.path === undefined) problem("redirect", "needs at least one of scheme | host | path");
    const hostIssue = r.host === undefined ? undefined : hostProblem(r.host);
    if (hostIssue) problem("redirect.host", hostIssue);
    if (r.path !== undefined) {
      const p = pathText(r.path);
      if (p) problem("redirect.path", p);
    }
    if (r.status !== undefined && !(REDIRECT_STATUSES as readonly number[]).includes(r.status)) {
      problem("redirect.status", `must be one of ${REDIRECT_STATUSES.join(", ")}`);
    }
  }
  if (rule.respond !== undefined) {
    const r = rule.respond;
    if (r.status < 200 || r.status > 599) problem("respond.status", "must be between 200 and 599");
    if (r.body !== undefined && r.body.length > MAX_RESPOND_BODY) problem("respond.body", `longer than ${MAX_RESPOND_BODY} characters`);
    // served as UTF-8: half a surrogate pair has no UTF-8 form (it went out as invalid bytes)
    const lone = r.body === undefined ? -1 : r.body.search(LONE_SURROGATE);
    if (lone !== -1) problem("respond.body", `character ${lone + 1} is half of a UTF-16 surrogate pair, not text`);
    if (r.body !== undefined && (NO_BODY_STATUSES as readonly number[]).includes(r.status)) {
      problem("respond.body", `a ${r.status} response has no body (it would be dropped): leave body out`);
    }
    if (r.contentType !== undefined && (!FIELD_VALUE.test(r.contentType) || r.contentType.length > 256 || r.contentType === "")) {
      problem("respond.contentType", "must be a header value");
    }
  }
  if (rule.rewrite !== undefined) {
    const { path, host } = rule.rewrite;
    if (rule.redirect !== undefined || rule.respond !== undefined) problem("rewrite", "does nothing on a rule that redirects or responds itself");
    if (path !== undefined) {
      const one = exactlyOne(path, ["prefix", "full"]);
      if (one) problem("rewrite.path", one);
      const text = path.prefix ?? path.full;
      const p = text === undefined ? undefined : pathText(text);
      if (p) problem(path.prefix !== undefined ? "rewrite.path.prefix" : "rewrite.path.full", p);
      if (path.prefix !== undefined && rule.match?.path?.prefix === undefined) {
        problem("rewrite.path.prefix", "replaces a matched path prefix: the rule needs match.path.prefix (use rewrite.path.full to replace the whole path)");
      }
    }
    const hostIssue = host === undefined ? undefined : hostProblem(host);
    if (hostIssue) problem("rewrite.host", hostIssue);
  }
  checkEdits(rule.requestHeaders, "requestHeaders", FORBIDDEN_REQUEST_EDITS, problem);
  checkEdits(rule.responseHeaders, "responseHeaders", FORBIDDEN_EDITS, problem);

  const timeout = rule.timeout === undefined ? undefined : durationProblem(rule.timeout);
  if (timeout?.problem) problem("timeout", timeout.problem);
  if (rule.retries !== undefined) {
    const r = rule.retries;
    if (r.attempts < 1 || r.attempts > MAX_RETRY_ATTEMPTS) problem("retries.attempts", `must be between 1 and ${MAX_RETRY_ATTEMPTS}`);
    if (r.perTryTimeout !== undefined) {
      const perTry = durationProblem(r.perTryTimeout);
      if (perTry.problem) problem("retries.perTryTimeout", perTry.problem);
      else if (timeout?.ms !== undefined && (perTry.ms as number) > timeout.ms) {
        problem("retries.perTryTimeout", `${r.perTryTimeout} is longer than the rule's timeout ${rule.timeout}`);
      }
    }
    if (r.on !== undefined) {
      if (r.on.length === 0) problem("retries.on", `lists nothing; leave it out for the default ${DEFAULT_RETRY_ON.join(", ")}`);
      // the list is kept in every route record of the service: bounded, each condition once
      if (r.on.length > MAX_CONDITIONS) problem("retries.on", `lists ${r.on.length} conditions; at most ${MAX_CONDITIONS}`);
      const seen = new Set<string>();
      r.on.slice(0, MAX_CONDITIONS).forEach((cond, i) => {
        if (cond !== RETRY_CONNECT_FAILURE && !/^[45]\d\d$/.test(cond)) {
          problem(`retries.on[${i}]`, `'${shortValue(cond)}' is neither '${RETRY_CONNECT_FAILURE}' nor a 4xx/5xx status`);
        } else if (seen.has(cond)) problem(`retries.on[${i}]`, `'${shortValue(cond)}' is listed twice`);
        seen.add(cond);
      });
    }
    if (rule.redirect !== undefined || rule.respond !== undefined) problem("retries", "does nothing on a rule that redirects or responds itself");
  }
  if (rule.mirror !== undefined) {
    if (!DNS_LABEL.test(rule.mirror.version)) problem("mirror.version", `'${shortValue(rule.mirror.version)}' is not a version name`);
    else if (rule.mirror.version === rule.version) {
      problem("mirror.version", `'${shortValue(rule.version)}' already serves this rule's traffic: a copy would send each request to it twice`);
    }
    const p = rule.mirror.percent === undefined ? undefined : percentProblem(rule.mirror.percent);
    if (p) problem("mirror.percent", p);
  }
  if (rule.fault !== undefined) {
    const { delay, abort } = rule.fault;
    if (delay === undefined && abort === undefined) problem("fault", "needs delay or abort");
    if (delay !== undefined) {
      if (delay.ms < 1 || delay.ms > MAX_DELAY_MS) problem("fault.delay.ms", `must be between 1 and ${MAX_DELAY_MS}`);
      const p = percentProblem(delay.percent);
      if (p) problem("fault.delay.percent", p);
    }
    if (abort !== undefined) {
      if (abort.status < 200 || abort.status > 599) problem("fault.abort.status", "must be between 200 and 599");
      const p = percentProblem(abort.percent);
      if (p) problem("fault.abort.percent", p);
    }
  }
}

/** One rule, every value check naming the rule and the field (422). */
export const Rule = RuleShape.superRefine((rule, ctx) => addRuleIssues(rule, ctx));

function addRuleIssues(rule: Rule, ctx: z.RefinementCtx): void {
  checkRule(rule, (field, message) =>
    // The message names the rule and the field; the issue's path stays the rule's own
    // (`rules.0`), so an error reads "rules.0: rule 'beta': match.path.regex: ...".
    ctx.addIssue({ code: "custom", message: `rule '${shortValue(rule.name)}': ${field}: ${message}` }),
  );
}

/** An ordered rule list: first match wins; names unique. */
export const RuleList = z.array(Rule).superRefine((rules, ctx) => {
  if (rules.length > MAX_RULES) ctx.addIssue({ code: "custom", message: `a service holds at most ${MAX_RULES} rules, not ${rules.length}` });
  const seen = new Set<string>();
  rules.forEach((rule, i) => {
    if (seen.has(rule.name)) ctx.addIssue({ code: "custom", path: [i], message: `rule '${shortValue(rule.name)}': name: another rule of the service has this name` });
    seen.add(rule.name);
  });
});

// ---- admin API bodies ----

export const RulesBody = z.strictObject({ rules: RuleList });
export type RulesBody = z.infer<typeof RulesBody>;

/** `POST …/rules`: one rule, appended, or placed before the rule named `before`. */
export const AddRuleBody = RuleShape.extend({ before: z.string().optional() }).superRefine(({ before: _, ...rule }, ctx) => addRuleIssues(rule, ctx));
export type AddRuleBody = z.infer<typeof AddRuleBody>;

/** The ms of a validated duration text. */
export function durationMs(text: string): number {
  return parseDuration(text) as number;
}

/** Retry conditions as the data plane uses them. */
export function retryOn(rule: Rule): readonly string[] {
  return rule.retries?.on ?? DEFAULT_RETRY_ON;
}
