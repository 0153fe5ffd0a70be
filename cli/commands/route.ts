/**
 * @module cli/commands/route
 * `weir route add|ls|rm`: a service's traffic rules (DESIGN §10), after Rio's
 * `rio route add`. Rules apply in order, the first match wins.
 */
import type { Command } from "commander";
import type { Rule, ValueMatch } from "../../core/rule-schema.ts";
import { clientFor, examples, outputOption, printJson, versionNote, type CliContext } from "../context.ts";
import { checkValue, parseServiceRef } from "../refs.ts";
import { ruleFromOptions, type RouteAddOptions } from "../route-options.ts";
import { renderTable } from "../table.ts";
import { DnsLabel } from "../../core/model.ts";

const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];

function condition(kind: string, m: ValueMatch): string {
  if (m.present) return `${kind} ${m.name}`;
  if (m.exact !== undefined) return `${kind} ${m.name}=${m.exact}`;
  if (m.prefix !== undefined) return `${kind} ${m.name}=${m.prefix}*`;
  return `${kind} ${m.name}=regexp(${m.regex})`;
}

/** The MATCH column: Rio's syntax back again. */
export function matchText(rule: Rule): string {
  const m = rule.match;
  if (m === undefined) return "*";
  const parts: string[] = [];
  if (m.path?.exact !== undefined) parts.push(m.path.exact);
  if (m.path?.prefix !== undefined) parts.push(`${m.path.prefix}*`);
  if (m.path?.regex !== undefined) parts.push(`regexp(${m.path.regex})`);
  if (m.methods) parts.push(m.methods.join(","));
  for (const h of m.headers ?? []) parts.push(condition("header", h));
  for (const q of m.query ?? []) parts.push(condition("query", q));
  for (const c of m.cookies ?? []) parts.push(condition("cookie", c));
  if (m.countries) parts.push(`country ${m.countries.join(",")}`);
  return parts.join(" ") || "*";
}

/** The ACTION column. */
export function actionText(rule: Rule): string {
  if (rule.version !== undefined) return `to ${rule.version}`;
  if (rule.weights !== undefined) return `to ${Object.entries(rule.weights).map(([v, p]) => `${v}=${p}%`).join(" ")}`;
  if (rule.redirect !== undefined) {
    const r = rule.redirect;
    return `redirect ${r.scheme ? `${r.scheme}:` : ""}${r.host ? `//${r.host}` : ""}${r.path ?? ""} (${r.status ?? 302})`;
  }
  if (rule.respond !== undefined) return `respond ${rule.respond.status}`;
  return "weights";
}

/** The DETAIL column: everything else the rule does. */
export function detailText(rule: Rule): string {
  const parts: string[] = [];
  const path = rule.rewrite?.path;
  if (path) parts.push(`rewrite-path=${path.prefix ?? path.full}`);
  if (rule.rewrite?.host) parts.push(`rewrite-host=${rule.rewrite.host}`);
  const edits = (e: Rule["requestHeaders"]) => Object.keys(e?.set ?? {}).length + Object.keys(e?.add ?? {}).length + (e?.remove?.length ?? 0);
  if (rule.requestHeaders) parts.push(`request-headers=${edits(rule.requestHeaders)}`);
  if (rule.responseHeaders) parts.push(`response-headers=${edits(rule.responseHeaders)}`);
  if (rule.timeout) parts.push(`timeout=${rule.timeout}`);
  if (rule.retries) parts.push(`retries=${rule.retries.attempts}${rule.retries.perTryTimeout ? `/${rule.retries.perTryTimeout}` : ""}`);
  if (rule.mirror) parts.push(`mirror=${rule.mirror.version}=${rule.mirror.percent ?? 100}%`);
  if (rule.fault?.delay) parts.push(`fault-delay=${rule.fault.delay.ms}ms@${rule.fault.delay.percent}%`);
  if (rule.fault?.abort) parts.push(`fault-abort=${rule.fault.abort.status}@${rule.fault.abort.percent}%`);
  return parts.join(" ");
}

export function ruleRows(rules: readonly Rule[]): string[][] {
  return rules.map((r, i) => [String(i + 1), r.name, matchText(r), actionText(r), detailText(r)]);
}

export function registerRoute(program: Command, ctx: CliContext): void {
  const route = program
    .command("route")
    .description("which traffic goes where: ordered rules per service, the first match wins")
    .addHelpText("after", examples("weir route add test/svc beta --header x-beta=1 --to v3", "weir route ls test/svc", "weir route rm test/svc beta"));

  route
    .command("add")
    .description("add a rule at the end of a service's rules (or --before another)")
    .argument("<stack/name>", "the service")
    .argument("<rule>", "the rule's name, a DNS label unique in the service")
    .option("--path <path>", "/login exact, /api/* prefix (the * dropped), regexp(^/v[0-9]+/) regex")
    .option("--method <method>", "match this method (repeatable)", collect)
    .option("--header <K=V>", "match a header: K=V exact, K present, K=regexp(RE) (repeatable)", collect)
    .option("--query <K=V>", "match a query parameter, like --header (repeatable)", collect)
    .option("--cookie <K=V>", "match a cookie, like --header (repeatable)", collect)
    .option("--country <CC>", "match request.cf.country, ISO 3166-1 alpha-2 (repeatable)", collect)
    .option("--to <V[=P%]>", "route to version V, or split sticky: --to v3=90% --to v0=10% (repeatable)", collect)
    .option("--redirect <URL>", "redirect: sets scheme, host and path (https:, //host or /path set only that part)")
    .option("--redirect-status <code>", "301, 302 (default), 303, 307 or 308")
    .option("--respond <STATUS[:BODY]>", "answer directly, e.g. 503:down for maintenance")
    .option("--rewrite-path <path>", "replace the matched prefix (the whole path for exact and regex matches); the query is kept")
    .option("--rewrite-host <host>", "the host the origin sees in X-Forwarded-Host (workerd always sends the origin URL's own Host)")
    .option("--set-header <K=V>", "set a request header (repeatable)", collect)
    .option("--add-header <K=V>", "add a request header (repeatable)", collect)
    .option("--remove-header <K>", "remove a request header (repeatable)", collect)
    .option("--set-response-header <K=V>", "set a response header (repeatable)", collect)
    .option("--add-response-header <K=V>", "add a response header (repeatable)", collect)
    .option("--remove-response-header <K>", "remove a response header (repeatable)", collect)
    .option("--timeout <duration>", "wait this long for response headers, e.g. 10s (overrides ORIGIN_TIMEOUT_MS)")
    .option("--retries <n>", "retry idempotent body-less requests up to n times, each on the revision's next origin")
    .option("--per-try-timeout <duration>", "give each try this long (at most --timeout)")
    .option("--retry-on <list>", "when to retry: connect-failure and statuses, default connect-failure,502,503,504")
    .option("--mirror <V[=P%]>", "copy P% (default 100%) of GET/HEAD/OPTIONS requests to version V, response discarded")
    .option("--fault-delay <MS@P%>", "delay P% of requests by MS milliseconds")
    .option("--fault-abort <STATUS@P%>", "answer P% of requests with STATUS (never retried)")
    .option("--before <rule>", "insert before this rule instead of at the end")
    .addOption(outputOption(["text", "json"], "text"))
    .addHelpText(
      "after",
      examples(
        "weir route add test/svc beta --header x-beta=1 --to v3                  # canary by header",
        "weir route add test/svc api --path '/api/*' --to v4 --rewrite-path /v2/  # path to a version",
        "weir route add test/svc tls --redirect https: --redirect-status 301      # https redirect",
        "weir route add test/svc maint --respond '503:down for maintenance'      # maintenance response",
        "weir route add test/svc shadow --mirror v4=10%                          # copy 10% to v4",
        "weir route add test/svc split --path '/checkout/*' --to v3=90% --to v0=10% --before beta",
      ),
    )
    .action(async (ref: string, name: string, opts: RouteAddOptions & { before?: string; output: string }, cmd: Command) => {
      const { stack, name: svc } = parseServiceRef(ref);
      const { before, output, ...flags } = opts;
      const rule = ruleFromOptions(name, flags);
      if (before !== undefined) checkValue(DnsLabel, before, "rule name");
      const body = before === undefined ? rule : { ...rule, before };
      const res = await clientFor(cmd, ctx).send("POST", `/v1/services/${stack}/${svc}/rules`, { body });
      if (output === "json") return printJson(ctx, res.json);
      const rules = (res.json as { rules: Rule[] }).rules;
      const at = rules.findIndex((r) => r.name === name) + 1;
      ctx.stdout(`${stack}/${svc}: rule ${name} added (${at} of ${rules.length})${versionNote(res.configVersion)}\n`);
    });

  route
    .command("ls")
    .description("list a service's rules in order")
    .argument("<stack/name>", "the service")
    .addOption(outputOption(["table", "json"], "table"))
    .addHelpText("after", examples("weir route ls test/svc", "weir route ls test/svc -o json"))
    .action(async (ref: string, opts: { output: string }, cmd: Command) => {
      const { stack, name } = parseServiceRef(ref);
      const res = await clientFor(cmd, ctx).send("GET", `/v1/services/${stack}/${name}/rules`);
      if (opts.output === "json") return printJson(ctx, res.json);
      const rules = (res.json as { rules: Rule[] }).rules;
      if (rules.length === 0) return ctx.stdout(`${stack}/${name} has no rules: all traffic follows the weights\n`);
      ctx.stdout(renderTable(["#", "NAME", "MATCH", "ACTION", "DETAIL"], ruleRows(rules)));
    });

  route
    .command("rm")
    .description("remove a rule")
    .argument("<stack/name>", "the service")
    .argument("<rule>", "the rule's name")
    .addOption(outputOption(["text", "json"], "text"))
    .addHelpText("after", examples("weir route rm test/svc beta"))
    .action(async (ref: string, rule: string, opts: { output: string }, cmd: Command) => {
      const { stack, name } = parseServiceRef(ref);
      checkValue(DnsLabel, rule, "rule name");
      const res = await clientFor(cmd, ctx).send("DELETE", `/v1/services/${stack}/${name}/rules/${rule}`);
      if (opts.output === "json") return printJson(ctx, res.json);
      ctx.stdout(`${stack}/${name}: rule ${rule} removed${versionNote(res.configVersion)}\n`);
    });
}
