/**
 * @module cli/commands/domain
 * `weir domain add|ls|rm`: custom hostnames bound to a service or one of its versions.
 */
import type { Command } from "commander";
import { WeirError } from "../../core/errors.ts";
import { customHostProblem } from "../../core/hostnames.ts";
import { clientFor, examples, outputOption, printJson, versionNote, type CliContext } from "../context.ts";
import { parseRevisionRef } from "../refs.ts";
import { renderTable } from "../table.ts";

/** A bound domain as the API returns it. */
export interface DomainEntry {
  host: string;
  /** `stack/name` */
  service: string;
  version?: string;
}

export function domainTarget(d: DomainEntry): string {
  return d.version ? `${d.service}:${d.version}` : d.service;
}

function checkHost(host: string): string {
  const problem = customHostProblem(host);
  if (problem) throw new WeirError("bad_request", `invalid domain: ${problem}`);
  return host;
}

export function registerDomain(program: Command, ctx: CliContext): void {
  const domain = program
    .command("domain")
    .description("bind custom hostnames to services")
    .addHelpText("after", examples("weir domain add shop.example.com shop/web", "weir domain ls", "weir domain rm shop.example.com"));

  domain
    .command("add")
    .description("bind HOST to a service (weighted) or to one version of it")
    .argument("<host>", "the hostname, e.g. shop.example.com")
    .argument("<stack/name[:version]>", "the service, or one version of it")
    .addOption(outputOption(["text", "json"], "text"))
    .addHelpText("after", examples("weir domain add shop.example.com shop/web", "weir domain add beta.example.com shop/web:v4"))
    .action(async (host: string, target: string, opts: { output: string }, cmd: Command) => {
      checkHost(host);
      parseRevisionRef(target, true);
      const res = await clientFor(cmd, ctx).send("POST", "/v1/domains", { body: { host, target } });
      if (opts.output === "json") return printJson(ctx, res.json);
      ctx.stdout(`${host} → ${target}${versionNote(res.configVersion)}\n`);
    });

  domain
    .command("ls")
    .description("list bound domains")
    .addOption(outputOption(["table", "json"], "table"))
    .addHelpText("after", examples("weir domain ls", "weir domain ls -o json"))
    .action(async (opts: { output: string }, cmd: Command) => {
      const res = await clientFor(cmd, ctx).send("GET", "/v1/domains");
      if (opts.output === "json") return printJson(ctx, res.json);
      const { domains } = res.json as { domains: DomainEntry[] };
      ctx.stdout(renderTable(["HOST", "TARGET"], domains.map((d) => [d.host, domainTarget(d)])));
    });

  domain
    .command("rm")
    .description("unbind a domain")
    .argument("<host>", "the hostname")
    .addOption(outputOption(["text", "json"], "text"))
    .addHelpText("after", examples("weir domain rm shop.example.com"))
    .action(async (host: string, opts: { output: string }, cmd: Command) => {
      const res = await clientFor(cmd, ctx).send("DELETE", `/v1/domains/${encodeURIComponent(host)}`);
      if (opts.output === "json") return printJson(ctx, res.json ?? {});
      ctx.stdout(`removed ${host}${versionNote(res.configVersion)}\n`);
    });
}
