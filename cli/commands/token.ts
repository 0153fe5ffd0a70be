/**
 * @module cli/commands/token
 * `weir token create|ls|rm`: API tokens with a role and stacks (DESIGN §11). `create`
 * prints the secret once, alone on stdout (so `$(weir token create …)` captures it), with
 * a hint on stderr to store it now.
 */
import { Option, type Command } from "commander";
import { describeScope, ROLES } from "../../core/access.ts";
import { WeirError } from "../../core/errors.ts";
import { TokenName, TokenStacks, type CreatedToken, type TokenView } from "../../core/token.ts";
import { clientFor, examples, outputOption, printJson, type CliContext } from "../context.ts";
import { checkDuration, checkValue } from "../refs.ts";
import { relativeTime, timeUntil } from "../relative-time.ts";
import { renderTable } from "../table.ts";

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

function expiryText(expiresAt: string | null, now: Date): string {
  if (expiresAt === null) return "never";
  const at = new Date(expiresAt);
  return at.getTime() <= now.getTime() ? `expired ${relativeTime(at, now)}` : timeUntil(at, now);
}

export function tokenRows(tokens: readonly TokenView[], now: Date): string[][] {
  return tokens.map((t) => [
    t.name,
    t.role,
    t.stacks.join(","),
    relativeTime(new Date(t.createdAt), now),
    t.createdBy,
    expiryText(t.expiresAt, now),
    t.lastUsedAt === null ? "never" : relativeTime(new Date(t.lastUsedAt), now),
  ]);
}

export function registerToken(program: Command, ctx: CliContext): void {
  const token = program
    .command("token")
    .description("manage API tokens: a role (viewer, deployer, admin) on some stacks or '*' (needs an admin token for '*')")
    .addHelpText(
      "after",
      examples(
        "weir token create ci-test --role deployer --stack test --expires 90d",
        "weir token create dashboard --role viewer --stack '*'",
        "weir token ls",
        "weir token rm ci-test",
      ),
    );

  token
    .command("create")
    .description("create a token and print its secret once: store it right away, it cannot be shown again")
    .argument("<name>", "the token's name, a DNS label (history names changes by it)")
    .addOption(new Option("--role <role>", "viewer reads, deployer also changes services, admin also manages domains and tokens").choices(ROLES).makeOptionMandatory())
    .option("--stack <stack>", "a stack the token may act on; repeat for more, or '*' for every stack", collect)
    .option("--expires <duration>", "lifetime, e.g. 12h or 90d (default: never expires)")
    .addOption(outputOption(["text", "json"], "text"))
    .addHelpText(
      "after",
      examples(
        "weir token create ci-test --role deployer --stack test --expires 90d",
        "export WEIR_TOKEN=$(weir token create ci-test --role deployer --stack test)",
      ),
    )
    .action(async (name: string, opts: { role: string; stack?: string[]; expires?: string; output: string }, cmd: Command) => {
      checkValue(TokenName, name, "token name");
      const stacks = opts.stack ?? [];
      if (stacks.length === 0) throw new WeirError("bad_request", "give the token's stacks: --stack S (repeatable), or --stack '*' for every stack");
      const checked = TokenStacks.safeParse(stacks);
      if (!checked.success) throw new WeirError("bad_request", `invalid --stack: ${checked.error.issues[0].message}`);
      const body = { name, role: opts.role, stacks, ...(opts.expires !== undefined ? { expires: checkDuration(opts.expires) } : {}) };
      const res = await clientFor(cmd, ctx).send("POST", "/v1/tokens", { body });
      const created = res.json as CreatedToken;
      if (opts.output === "json") return printJson(ctx, created);
      ctx.stdout(`${created.token}\n`);
      const expiry = created.expiresAt === null ? "never expires" : `expires ${created.expiresAt}`;
      ctx.stderr(
        `token ${created.name} created: ${created.role} on ${describeScope(created.stacks)}, ${expiry}.\n` +
          `Store the secret above now (e.g. as WEIR_TOKEN in your CI's secrets): it is shown only this once.\n`,
      );
    });

  token
    .command("ls")
    .description("list tokens: name, role, stacks, when and by whom created, expiry, last use (never a secret)")
    .addOption(outputOption(["table", "json"], "table"))
    .addHelpText("after", examples("weir token ls", "weir token ls -o json"))
    .action(async (opts: { output: string }, cmd: Command) => {
      const res = await clientFor(cmd, ctx).send("GET", "/v1/tokens");
      if (opts.output === "json") return printJson(ctx, res.json);
      const { tokens } = res.json as { tokens: TokenView[] };
      ctx.stdout(renderTable(["NAME", "ROLE", "STACKS", "CREATED", "BY", "EXPIRES", "LAST USED"], tokenRows(tokens, ctx.now())));
    });

  token
    .command("rm")
    .description("revoke a token: its next request is refused")
    .argument("<name>", "the token's name")
    .addOption(outputOption(["text", "json"], "text"))
    .addHelpText("after", examples("weir token rm ci-test"))
    .action(async (name: string, opts: { output: string }, cmd: Command) => {
      checkValue(TokenName, name, "token name");
      const res = await clientFor(cmd, ctx).send("DELETE", `/v1/tokens/${name}`);
      if (opts.output === "json") return printJson(ctx, res.json ?? {});
      ctx.stdout(`revoked token ${name}\n`);
    });
}
