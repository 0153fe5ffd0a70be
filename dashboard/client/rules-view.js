// @ts-check
/**
 * @module dashboard/client/rules-view
 * A traffic rule (DESIGN §10) in two short phrases: what it matches and what it does. Reads
 * whatever fields a rule has and skips what it does not know, so rules grown later still
 * show. Pure, unit-tested.
 */
import { formatPercent } from "./format.js";

/** @typedef {Record<string, any>} Rule a rule as `GET /v1/services/{stack}/{name}` lists it */

/**
 * "exact /login", "prefix /api/", "regex ^/v[0-9]+/"
 * @param {Record<string, any> | undefined} m
 */
function stringMatch(m) {
  if (!m || typeof m !== "object") return "";
  if (m.present === true) return "present";
  for (const kind of ["exact", "prefix", "regex"]) if (typeof m[kind] === "string") return `${kind} ${m[kind]}`;
  return "";
}

/**
 * "header x-beta exact 1, query canary present"
 * @param {string} label
 * @param {unknown} list
 */
function namedMatches(label, list) {
  if (!Array.isArray(list) || list.length === 0) return [];
  return list.map((m) => `${label} ${m?.name ?? "?"} ${stringMatch(m)}`.trim());
}

/**
 * What the rule matches: "path prefix /api/ · GET, POST · header x-beta exact 1", or
 * "every request" without a match block.
 * @param {Rule} rule
 */
export function ruleMatchSummary(rule) {
  const m = rule.match;
  if (!m || typeof m !== "object") return "every request";
  const parts = [];
  if (m.path) parts.push(`path ${stringMatch(m.path)}`);
  if (Array.isArray(m.methods) && m.methods.length) parts.push(m.methods.join(", "));
  parts.push(...namedMatches("header", m.headers), ...namedMatches("query", m.query), ...namedMatches("cookie", m.cookies));
  if (Array.isArray(m.countries) && m.countries.length) parts.push(`country ${m.countries.join(", ")}`);
  return parts.length ? parts.join(" · ") : "every request";
}

/**
 * What the rule does: "→ v3", "split v3 90%, v0 10%", "redirect 301 https://…",
 * "respond 503", or "service weights", followed by its extras ("rewrite /v2/", "timeout
 * 10s", "mirror v4 10%", ...).
 * @param {Rule} rule
 */
export function ruleActionSummary(rule) {
  const parts = [];
  if (typeof rule.version === "string") parts.push(`→ ${rule.version}`);
  else if (rule.weights && typeof rule.weights === "object") {
    parts.push(`split ${Object.entries(rule.weights).map(([v, w]) => `${v} ${formatPercent(Number(w))}`).join(", ")}`);
  } else if (rule.redirect && typeof rule.redirect === "object") {
    const r = rule.redirect;
    const target = `${r.scheme ? `${r.scheme}://` : ""}${r.host ?? ""}${r.path ?? ""}`;
    parts.push(`redirect ${r.status ?? 302}${target ? ` ${target}` : ""}`);
  } else if (rule.respond && typeof rule.respond === "object") {
    parts.push(`respond ${rule.respond.status ?? ""}`.trim());
  } else parts.push("service weights");

  const rw = rule.rewrite;
  if (rw && typeof rw === "object") {
    // `prefix` replaces the matched prefix, `full` the whole path
    const path = rw.path ? (typeof rw.path === "string" ? rw.path : (rw.path.prefix ?? rw.path.full ?? JSON.stringify(rw.path))) : "";
    parts.push(`rewrite${path ? ` path ${path}` : ""}${rw.host ? ` host ${rw.host}` : ""}`);
  }
  const headerEdits = ["requestHeaders", "responseHeaders"].filter((k) => rule[k] && typeof rule[k] === "object");
  if (headerEdits.length) parts.push(`edits ${headerEdits.map((k) => (k === "requestHeaders" ? "request" : "response")).join(" and ")} headers`);
  if (rule.timeout !== undefined) parts.push(`timeout ${rule.timeout}`);
  if (rule.retries && typeof rule.retries === "object") parts.push(`retries ${rule.retries.attempts ?? ""}`.trim());
  if (rule.mirror && typeof rule.mirror === "object") parts.push(`mirror ${rule.mirror.version} ${formatPercent(Number(rule.mirror.percent ?? 100))}`);
  if (rule.fault && typeof rule.fault === "object") parts.push("fault injection");
  return parts.join(" · ");
}

/**
 * The rules of a service view, in order, or an empty list when it has none (or the API
 * does not know rules yet).
 * @param {object} service
 * @returns {Rule[]}
 */
export function rulesOf(service) {
  const rules = "rules" in service ? service.rules : undefined;
  return Array.isArray(rules) ? rules.filter((r) => r && typeof r === "object") : [];
}
