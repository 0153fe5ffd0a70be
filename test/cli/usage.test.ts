/**
 * The CLI's own checks, run in-process through `main` (what bin/weir.js runs): help for
 * every command, and refusals that happen before any request — pointed at a closed port,
 * so a check that let a request through would fail with "cannot reach" instead.
 */
import type { Command } from "commander";
import { describe, expect, it } from "vitest";
import type { CliContext } from "../../cli/context.ts";
import { main } from "../../cli/main.ts";
import { createProgram } from "../../cli/program.ts";

function capture() {
  const out = { stdout: "", stderr: "" };
  const ctx: CliContext = {
    env: { WEIR_URL: "http://admin.weir.localhost:1", WEIR_TOKEN: "t" },
    cwd: "/",
    stdout: (t) => void (out.stdout += t),
    stderr: (t) => void (out.stderr += t),
    now: () => new Date("2026-11-26T10:00:00Z"),
  };
  return { ctx, out };
}

async function run(...args: string[]) {
  const { ctx, out } = capture();
  const code = await main(args, ctx);
  return { code, ...out };
}

function commandPaths(cmd: Command, prefix: string[] = []): string[][] {
  return cmd.commands.flatMap((c) => [[...prefix, c.name()], ...commandPaths(c, [...prefix, c.name()])]);
}

describe("help", () => {
  const paths = commandPaths(createProgram(capture().ctx));

  it("covers every command of DESIGN §8", () => {
    expect(paths.map((p) => p.join(" "))).toEqual(expect.arrayContaining([
      "run",
      "ps",
      "inspect",
      "stage",
      "weight",
      "promote",
      "rm",
      "export",
      "apply",
      "history",
      "rollback",
      "domain",
      "domain add",
      "domain ls",
      "domain rm",
      "token",
      "token create",
      "token ls",
      "token rm",
    ]));
  });

  it.each(paths.map((p) => [p.join(" "), p]))("weir %s --help describes it with an example", async (_name, path) => {
    const res = await run(...(path as string[]), "--help");
    expect(res.code).toBe(0);
    expect(res.stderr).toBe("");
    expect(res.stdout).toContain(`Usage: weir ${(path as string[]).join(" ")}`);
    expect(res.stdout).toMatch(/Examples?:\n  \$ weir /);
  });

  it("weir --help lists the commands and the connection options", async () => {
    const res = await run("--help");
    expect(res.code).toBe(0);
    expect(res.stdout).toContain("--url <url>");
    expect(res.stdout).toContain("WEIR_TOKEN");
    expect(res.stdout).toContain("$ weir weight test/svc:v3=50%");
  });

  it("documents the flags of DESIGN §8", async () => {
    const flags: Record<string, string[]> = {
      run: ["--name", "--version", "--affinity"],
      ps: ["-a, --all", "-o, --output"],
      stage: ["--origin", "--weight"],
      weight: ["--duration", "--pause"],
      promote: ["--duration"],
      export: ["-o, --output", '"yaml"', '"json"'],
      apply: ["-f, --file", "--stack", "--dry-run", "--prune"],
      rollback: ["--to"],
      "token create": ["--role <role>", '"viewer"', '"deployer"', '"admin"', "--stack <stack>", "--expires <duration>"],
      "rollout status": ["-w, --watch", "--timeout <duration>"],
    };
    for (const [cmd, expected] of Object.entries(flags)) {
      const { stdout } = await run(...cmd.split(" "), "--help");
      for (const flag of expected) expect(stdout, `${cmd} ${flag}`).toContain(flag);
    }
  });
});

describe("refusals before any request: exit 1, one line on stderr", () => {
  it.each([
    [["run", "--name", "Bad_Name", "http://127.0.0.1:9001"], "error: invalid service 'Bad_Name': must be 'stack/name'\n"],
    [["run", "--name", "t/s", "--version", "V1", "http://127.0.0.1:9001"], /^error: invalid version 'V1': must be a DNS label/],
    [["run", "--name", "t/s", "--affinity", "sticky", "http://127.0.0.1:9001"], /^error: invalid affinity 'sticky': must be 'cookie', 'header:<Name>', 'ip' or 'none'/],
    [["run", "http://127.0.0.1:9001"], "error: required option '--name <stack/name>' not specified\n"],
    [["run", "--name", "t/s"], "error: missing required argument 'origin'\n"],
    [["stage", "t/s:v2"], "error: required option '--origin <url>' not specified\n"],
    [["stage", "--origin", "http://x", "t/s"], "error: invalid revision 't/s': must be 'stack/name:version'\n"],
    [["stage", "--origin", "http://x", "--weight", "101", "t/s:v2"], /^error: invalid weight '101': must be a percent from 0 to 100/],
    [["weight", "t/s:v3=150%"], "error: invalid weight '150%' for t/s:v3: must be a percent from 0 to 100 with at most two decimals, like 50% or 0.5%\n"],
    [["weight", "t/s:v3=1%", "t/o:v3=1%"], "error: one weight change covers one service: t/s and t/o given\n"],
    [["weight", "t/s:v3=1%", "t/s:v3=2%"], "error: t/s:v3 is given twice\n"],
    [["weight", "t/s:v3=1%", "--duration", "soon"], "error: invalid duration 'soon': write it like 90s, 10m or 1h30m\n"],
    [["promote", "t/s"], "error: invalid revision 't/s': must be 'stack/name:version'\n"],
    [["promote", "t/s:v3", "--duration", "1 day"], "error: invalid duration '1 day': write it like 90s, 10m or 1h30m\n"],
    [["rm", "T/s"], "error: invalid service 'T/s': stack and name must be DNS labels\n"],
    [["inspect", "svc"], "error: invalid service 'svc': must be 'stack/name'\n"],
    [["export", "Bad"], /^error: invalid stack 'Bad': must be a DNS label/],
    [["export", "t", "-o", "xml"], /^error: option '-o, --output <format>' argument 'xml' is invalid. Allowed choices are yaml, json.\n$/],
    [["ps", "-o", "yaml"], /^error: option '-o, --output <format>' argument 'yaml' is invalid/],
    [["apply"], "error: required option '-f, --file <file>' not specified\n"],
    [["apply", "-f", "/nonexistent/stack.yaml"], "error: cannot read /nonexistent/stack.yaml: ENOENT\n"],
    [["history", "svc"], "error: invalid service 'svc': must be 'stack/name'\n"],
    [["history", "-n", "0"], /^error: option '-n, --limit <count>' argument '0' is invalid. must be a positive whole number\n$/],
    [["rollback", "t/s", "--to", "last"], /^error: option '--to <version>' argument 'last' is invalid. must be a config version/],
    [["domain", "add", "no_dots", "t/s"], /^error: invalid domain: /],
    [["domain", "add", "shop.example.com", "t/s:V"], /^error: invalid version 'V' in 't\/s:V'/],
    [["weight", "t/s:v3=10%", "--wait"], "error: --wait only applies with --duration: a change without one is done when the command returns\n"],
    [["weight", "t/s:v3=10%", "--duration", "1m", "--timeout", "5m"], "error: --timeout only applies with --wait\n"],
    [["promote", "t/s:v3", "--duration", "1m", "--wait", "--timeout", "soon"], "error: invalid duration 'soon': write it like 90s, 10m or 1h30m\n"],
    [["rollout", "status", "t/s", "--timeout", "1m"], "error: --timeout only applies with --watch\n"],
    [["token", "create", "ci"], "error: required option '--role <role>' not specified\n"],
    [["token", "create", "ci", "--role", "owner", "--stack", "t"], /^error: option '--role <role>' argument 'owner' is invalid. Allowed choices are viewer, deployer, admin.\n$/],
    [["token", "create", "ci", "--role", "viewer"], "error: give the token's stacks: --stack S (repeatable), or --stack '*' for every stack\n"],
    [["token", "create", "ci", "--role", "viewer", "--stack", "*", "--stack", "t"], "error: invalid --stack: '*' already covers every stack: give it alone\n"],
    [["token", "create", "ci", "--role", "viewer", "--stack", "Prod"], "error: invalid --stack: must be '*' or a stack name (a DNS label)\n"],
    [["token", "create", "root", "--role", "viewer", "--stack", "t"], "error: invalid token name 'root': 'root' is the name of ADMIN_TOKEN; choose another\n"],
    [["token", "create", "ci", "--role", "viewer", "--stack", "t", "--expires", "forever"], "error: invalid duration 'forever': write it like 90s, 10m or 1h30m\n"],
    [["token", "rm", "CI"], /^error: invalid token name 'CI': must be a DNS label/],
    [["deploy"], "error: unknown command 'deploy' (Did you mean apply?)\n"],
    [["ps", "--bogus"], "error: unknown option '--bogus'\n"],
  ] as [string[], string | RegExp][])("weir %j", async (args, message) => {
    const res = await run(...args);
    expect(res.code).toBe(1);
    expect(res.stdout).toBe("");
    expect(res.stderr).toMatch(/^error: [^\n]+\n$/);
    if (typeof message === "string") expect(res.stderr).toBe(message);
    else expect(res.stderr).toMatch(message);
  });

  it("an unreachable admin API is one line too", async () => {
    const res = await run("ps");
    expect(res.code).toBe(1);
    expect(res.stderr).toBe("error: cannot reach the admin API at http://admin.weir.localhost:1: ECONNREFUSED (is `npm start` running?)\n");
  });
});
