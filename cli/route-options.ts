/**
 * @module cli/route-options
 * `weir route add` flags → one traffic rule (DESIGN §10), after Rio's `rio route add`:
 * `--path /login` is exact, a trailing `*` makes a prefix (the `*` dropped), `regexp(RE)`
 * a regex; `--header K=V` is exact, `--header K` present, `K=regexp(RE)` a regex (the same
 * for `--query` and `--cookie`). The rule is then checked with the core schema, so the CLI
 * refuses exactly what the API would, before sending anything.
 */
import { WeirError } from "../core/errors.ts";
import { Rule, type PathMatch } from "../core/rule-schema.ts";
import { parsePercent } from "./refs.ts";

export interface RouteAddOptions {
  path?: string;
  method?: string[];
  header?: string[];
  query?: string[];
  cookie?: string[];
  country?: string[];
  to?: string[];
  redirect?: string;
  redirectStatus?: string;
  respond?: string;
  rewritePath?: string;
  rewriteHost?: string;
  setHeader?: string[];
  addHeader?: string[];
  removeHeader?: string[];
  setResponseHeader?: string[];
  addResponseHeader?: string[];
  removeResponseHeader?: string[];
  timeout?: string;
  retries?: string;
  perTryTimeout?: string;
  retryOn?: string;
  mirror?: string;
  faultDelay?: string;
  faultAbort?: string;
}

const bad = (message: string) => new WeirError("bad_request", message);

/** Rio's path syntax: `regexp(RE)`, `/prefix/*`, or an exact path. */
export function parsePathSyntax(text: string): PathMatch {
  const re = /^regexp\((.*)\)$/s.exec(text);
  if (re) return { regex: re[1] };
  // "regexp(^/a" would otherwise be sent as an exact path and refused for its missing '/'
  if (text.startsWith("regexp(")) throw bad(`--path '${text}': a regex is written regexp(PATTERN), with the closing ')'`);
  if (text.endsWith("*")) return { prefix: text.slice(0, -1) };
  return { exact: text };
}

/** `K=V` exact, `K` present, `K=regexp(RE)` regex. */
function valueMatch(text: string, flag: string) {
  const eq = text.indexOf("=");
  if (eq === 0) throw bad(`${flag} '${text}': the name is missing`);
  if (eq === -1) return { name: text, present: true as const };
  const name = text.slice(0, eq);
  const value = text.slice(eq + 1);
  const re = /^regexp\((.*)\)$/s.exec(value);
  return re ? { name, regex: re[1] } : { name, exact: value };
}

function pair(text: string, flag: string): [string, string] {
  const eq = text.indexOf("=");
  if (eq <= 0) throw bad(`${flag} '${text}': must be NAME=VALUE`);
  return [text.slice(0, eq), text.slice(eq + 1)];
}

function pairs(list: string[] | undefined, flag: string): Record<string, string> | undefined {
  if (list === undefined) return undefined;
  const out: Record<string, string> = {};
  for (const text of list) {
    const [k, v] = pair(text, flag);
    if (Object.hasOwn(out, k)) throw bad(`${flag} names '${k}' twice`);
    out[k] = v;
  }
  return out;
}

function edits(set: string[] | undefined, add: string[] | undefined, remove: string[] | undefined, prefix: string) {
  if (set === undefined && add === undefined && remove === undefined) return undefined;
  return {
    ...(set ? { set: pairs(set, `--set-${prefix}header`) } : {}),
    ...(add ? { add: pairs(add, `--add-${prefix}header`) } : {}),
    ...(remove ? { remove } : {}),
  };
}

function integer(text: string, flag: string): number {
  if (!/^\d{1,9}$/.test(text)) throw bad(`${flag} '${text}': must be a whole number`);
  return Number(text);
}

/** `VALUE@P%` of the fault flags. */
function atPercent(text: string, flag: string): [number, number] {
  const at = text.lastIndexOf("@");
  if (at <= 0) throw bad(`${flag} '${text}': must be VALUE@P%, like 500@5%`);
  return [integer(text.slice(0, at), flag), parsePercent(text.slice(at + 1), ` in ${flag}`)];
}

/** `scheme://host/path`, or any part of it: `https:`, `//host`, `/path`. */
export function parseRedirect(text: string): { scheme?: "http" | "https"; host?: string; path?: string } {
  if (/[?#]/.test(text)) throw bad(`--redirect '${text}': cannot carry a query or fragment (the redirect keeps the request's query string)`);
  const m = /^(?:([A-Za-z][A-Za-z0-9+.-]*):)?(?:\/\/([^/?#]*))?(\/[^?#]*)?$/.exec(text);
  if (!m || (m[1] === undefined && m[2] === undefined && m[3] === undefined)) {
    throw bad(`--redirect '${text}': must be a URL like https://new.example.com/path, or part of one (https:, //host, /path)`);
  }
  const scheme = m[1]?.toLowerCase();
  if (scheme !== undefined && scheme !== "http" && scheme !== "https") throw bad(`--redirect '${text}': the scheme must be http or https`);
  return {
    ...(scheme ? { scheme: scheme as "http" | "https" } : {}),
    ...(m[2] ? { host: m[2] } : {}),
    ...(m[3] ? { path: m[3] } : {}),
  };
}

/** The rule `weir route add NAME` flags describe, checked against the core schema. */
export function ruleFromOptions(name: string, o: RouteAddOptions): Rule {
  const match: Record<string, unknown> = {};
  const path = o.path === undefined ? undefined : parsePathSyntax(o.path);
  if (path) match.path = path;
  if (o.method) match.methods = o.method.map((m) => m.toUpperCase());
  if (o.header) match.headers = o.header.map((h) => valueMatch(h, "--header"));
  if (o.query) match.query = o.query.map((q) => valueMatch(q, "--query"));
  if (o.cookie) match.cookies = o.cookie.map((c) => valueMatch(c, "--cookie"));
  if (o.country) match.countries = o.country.map((c) => c.toUpperCase());

  const rule: Record<string, unknown> = { name };
  if (Object.keys(match).length > 0) rule.match = match;

  const actions = [o.to && "--to", o.redirect !== undefined && "--redirect", o.respond !== undefined && "--respond"].filter(Boolean);
  if (actions.length > 1) throw bad(`a rule takes one of --to, --redirect or --respond, not ${actions.join(" and ")}`);
  if (o.to) {
    if (o.to.length === 1 && !o.to[0].includes("=")) rule.version = o.to[0];
    else {
      const weights: Record<string, number> = {};
      for (const text of o.to) {
        const [version, percent] = pair(text, "--to");
        if (Object.hasOwn(weights, version)) throw bad(`--to names '${version}' twice`);
        weights[version] = parsePercent(percent, ` for ${version}`);
      }
      rule.weights = weights;
    }
  }
  if (o.redirect !== undefined) {
    rule.redirect = { ...parseRedirect(o.redirect), ...(o.redirectStatus ? { status: integer(o.redirectStatus, "--redirect-status") } : {}) };
  } else if (o.redirectStatus !== undefined) throw bad("--redirect-status needs --redirect");
  if (o.respond !== undefined) {
    const colon = o.respond.indexOf(":");
    const status = integer(colon === -1 ? o.respond : o.respond.slice(0, colon), "--respond");
    rule.respond = colon === -1 ? { status } : { status, body: o.respond.slice(colon + 1) };
  }
  if (o.rewritePath !== undefined || o.rewriteHost !== undefined) {
    rule.rewrite = {
      ...(o.rewritePath !== undefined ? { path: path?.prefix !== undefined ? { prefix: o.rewritePath } : { full: o.rewritePath } } : {}),
      ...(o.rewriteHost !== undefined ? { host: o.rewriteHost } : {}),
    };
  }
  const requestHeaders = edits(o.setHeader, o.addHeader, o.removeHeader, "");
  if (requestHeaders) rule.requestHeaders = requestHeaders;
  const responseHeaders = edits(o.setResponseHeader, o.addResponseHeader, o.removeResponseHeader, "response-");
  if (responseHeaders) rule.responseHeaders = responseHeaders;
  if (o.timeout !== undefined) rule.timeout = o.timeout;
  if (o.retries !== undefined) {
    rule.retries = {
      attempts: integer(o.retries, "--retries"),
      ...(o.perTryTimeout !== undefined ? { perTryTimeout: o.perTryTimeout } : {}),
      ...(o.retryOn !== undefined ? { on: o.retryOn.split(",").map((s) => s.trim()) } : {}),
    };
  } else if (o.perTryTimeout !== undefined || o.retryOn !== undefined) throw bad("--per-try-timeout and --retry-on need --retries");
  if (o.mirror !== undefined) {
    const eq = o.mirror.indexOf("=");
    rule.mirror = eq === -1 ? { version: o.mirror } : { version: o.mirror.slice(0, eq), percent: parsePercent(o.mirror.slice(eq + 1), " in --mirror") };
  }
  if (o.faultDelay !== undefined || o.faultAbort !== undefined) {
    const fault: Record<string, unknown> = {};
    if (o.faultDelay !== undefined) {
      const [ms, percent] = atPercent(o.faultDelay, "--fault-delay");
      fault.delay = { ms, percent };
    }
    if (o.faultAbort !== undefined) {
      const [status, percent] = atPercent(o.faultAbort, "--fault-abort");
      fault.abort = { status, percent };
    }
    rule.fault = fault;
  }

  const result = Rule.safeParse(rule);
  if (!result.success) throw bad(`invalid rule: ${result.error.issues.map((i) => i.message).join("; ")}`);
  return result.data;
}
