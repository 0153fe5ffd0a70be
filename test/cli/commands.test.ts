/**
 * Every `weir` command against a running `wrangler dev` (no mocked API): its success path
 * and its error paths, with exit code and the one-line message on stderr. Commands run
 * in-process through `main` (the code bin/weir.js runs) to spare a Node startup each;
 * the spawned binary is exercised by the walkthrough and the configuration tests below.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import type { ServiceList, ServiceView } from "../../core/views.ts";
import { freePort } from "../../scripts/dev-server.ts";
import { waitForConfigVersion } from "../../scripts/edge-request.ts";
import { ADMIN_TOKEN, runCli, startLocalWeir, type LocalWeir } from "../e2e/local-weir.ts";
import { expectFailure, expectSuccess } from "../e2e/cli-checks.ts";

let weir: LocalWeir;

beforeAll(async () => {
  weir = await startLocalWeir();
});

afterAll(async () => {
  await weir?.stop();
});

async function ok(...args: string[]): Promise<string> {
  return expectSuccess(args, await weir.cli(args));
}

async function json<T>(...args: string[]): Promise<T> {
  return JSON.parse(await ok(...args, "-o", "json")) as T;
}

/** A command that must fail: exit code 1, nothing on stdout, one line on stderr. */
async function fails(args: string[], message: string | RegExp, options?: Parameters<LocalWeir["weir"]>[1]): Promise<void> {
  // Settings of its own need a process of its own.
  expectFailure(args, options ? await weir.weir(args, options) : await weir.cli(args), message);
}

describe("weir run", () => {
  it("creates a service with version, affinity and several origins", async () => {
    const view = await json<ServiceView>("run", "--name", "cli/multi", "--version", "v1", "--affinity", "header:X-User", weir.v1.url, weir.v3.url);
    expect(view).toMatchObject({ id: "cli/multi", version: "v1", affinity: "header:X-User", origins: [weir.v1.url, weir.v3.url], weight: 100 });
    expect(view.revisionHeader).toBe(true);
    const quiet = await json<ServiceView>("run", "--name", "cli/quiet", "--no-revision-header", weir.v1.url);
    expect(quiet.revisionHeader).toBe(false);
    const out = await ok("run", "--name", "cli/plain", weir.v1.url);
    expect(out).toMatch(new RegExp(`^cli/plain ${weir.url("plain.cli")} \\(config version \\d+\\)\\n$`));
  });

  it("refuses bad names, bad origins, and an existing service", async () => {
    await Promise.all([
      // through the binary: exit code 1 and the message, from a process of its own
      fails(["run", "--name", "Bad_Name", weir.v1.url], "invalid service 'Bad_Name': must be 'stack/name'", {}),
      fails(["run", "--name", "cli/x", "ftp://127.0.0.1/"], "'ftp://127.0.0.1/' must use http: or https:"),
      fails(["run", "--name", "cli/x", weir.url("plain.cli")], "it would route to itself"),
      fails(["run", "--name", "cli/plain", weir.v1.url], "service cli/plain already exists"),
    ]);
  });
});

describe("weir ps and inspect", () => {
  it("ps -a adds version, affinity, config version and extra origins; -o json is the API's ServiceList", async () => {
    const list = await json<ServiceList>("ps");
    const multi = list.services.find((s) => s.id === "cli/multi")!;
    expect(multi.endpoint).toBe(weir.url("multi.cli"));
    const table = await ok("ps", "-a");
    const row = table.split("\n").find((l) => l.startsWith("cli/multi "))!;
    expect(row).toContain(`version=v1 affinity=header:X-User config=${multi.configVersion} +${weir.v3.url}`);
    expect(row).toMatch(/ 2 +100% +active /);
  });

  it("inspect prints YAML or JSON of one service; unknown services fail", async () => {
    const yaml = parse(await ok("inspect", "cli/multi")) as ServiceView;
    expect(yaml).toMatchObject({ id: "cli/multi", versionEndpoint: weir.url("multi-v1.cli") });
    expect(await json<ServiceView>("inspect", "cli/multi")).toEqual(yaml);
    await fails(["inspect", "cli/nope"], "no service cli/nope", {});
  });
});

describe("weir stage, weight, promote, rm", () => {
  it("stage adds revisions with an initial weight", async () => {
    expect(await ok("stage", "--origin", weir.v3.url, "--weight", "10%", "cli/plain:v2")).toMatch(/^staged cli\/plain:v2: v0 90%, v2 10% \(config version \d+\)\n$/);
    const view = await json<ServiceView>("stage", "--origin", weir.v3.url, "--origin", weir.v1.url, "cli/plain:v3");
    expect(view.revisions.map((r) => [r.version, r.weight, r.state, r.origins.length])).toEqual([
      ["v2", 10, "active", 1],
      ["v3", 0, "staged", 2],
    ]);
    await Promise.all([
      fails(["stage", "--origin", weir.v3.url, "cli/nope:v2"], "no service cli/nope"),
      fails(["stage", "--origin", weir.v3.url, "cli/plain:v2"], "cli/plain already has a revision 'v2'"),
    ]);
  });

  it("weight sets several revisions in one change and refuses sums over 100%", async () => {
    expect(await ok("weight", "cli/plain:v2=25%", "cli/plain:v3=0.5%")).toMatch(/^cli\/plain: v0 74.5%, v2 25%, v3 0.5% \(config version \d+\)\n$/);
    await Promise.all([
      fails(["weight", "cli/plain:v2=60%", "cli/plain:v3=50%"], "staged weights of cli/plain would sum to 110%, more than 100%", {}),
      fails(["weight", "cli/plain:v2=150%"], "invalid weight '150%' for cli/plain:v2: must be a percent from 0 to 100", {}),
      fails(["weight", "cli/plain:v0=10%"], "'v0' is the primary of cli/plain"),
      fails(["weight", "cli/plain:v9=10%"], "cli/plain has no staged revision 'v9'"),
      fails(["weight", "cli/nope:v2=10%"], "no service cli/nope"),
    ]);
    const view = await json<ServiceView>("inspect", "cli/plain");
    expect([view.weight, ...view.revisions.map((r) => r.weight)]).toEqual([74.5, 25, 0.5]);
  });

  it("promote makes a staged revision primary; rm removes revisions and services", async () => {
    await Promise.all([
      fails(["promote", "cli/plain:v9"], "cli/plain has no staged revision 'v9'"),
      fails(["promote", "cli/nope:v2"], "no service cli/nope"),
    ]);
    expect(await ok("promote", "cli/plain:v2")).toMatch(/^promoted cli\/plain:v2: v2 99.5%, v3 0.5% \(config version \d+\)\n$/);
    expect(await ok("rm", "cli/plain:v3")).toMatch(/^removed cli\/plain:v3 \(config version \d+\)\n$/);
    const view = await json<ServiceView>("inspect", "cli/plain");
    expect([view.version, view.weight, view.revisions]).toEqual(["v2", 100, []]);
    await Promise.all([
      fails(["rm", "cli/plain:v3"], "cli/plain has no revision 'v3'"),
      fails(["rm", "cli/nope"], "no service cli/nope"),
    ]);
    await ok("run", "--name", "cli/doomed", weir.v1.url);
    expect(await ok("rm", "cli/doomed")).toMatch(/^removed cli\/doomed \(config version \d+\)\n$/);
    await fails(["inspect", "cli/doomed"], "no service cli/doomed");
  });
});

describe("weir export and apply", () => {
  it("export prints YAML or JSON; apply applies, dry-runs, prunes and retargets", async () => {
    const yaml = await ok("export", "cli");
    const asJson = await json<{ stack: string; services: Record<string, unknown> }>("export", "cli");
    expect(parse(yaml)).toEqual(asJson);
    await fails(["export", "nope"], "no stack 'nope'");

    // A copy under another stack via --stack and standard input.
    const copied = await weir.weir(["apply", "-f", "-", "--stack", "copy"], { input: yaml });
    expect(copied.code).toBe(0);
    expect(copied.stdout).toContain("create copy/plain");
    expect(copied.stdout).toMatch(/applied \(config version \d+\)\n$/);
    expect(parse(await ok("export", "copy"))).toEqual({ ...asJson, stack: "copy" });

    // A file naming one service: --dry-run changes nothing, --prune removes the rest.
    const only = join(weir.dir, "only-plain.json");
    await writeFile(only, JSON.stringify({ stack: "copy", services: { plain: asJson.services.plain } }));
    const before = (await json<ServiceList>("ps")).configVersion;
    const dry = await ok("apply", "-f", only, "--prune", "--dry-run");
    expect(dry).toContain("copy: dry run, nothing changed; would:\ndelete copy/multi");
    expect((await json<ServiceList>("ps")).configVersion).toBe(before);
    expect(await ok("apply", "-f", only)).toBe("copy: no changes\n");
    expect(await ok("apply", "-f", only, "--prune")).toMatch(/^delete copy\/multi\n.*applied \(config version \d+\)\n$/s);
    expect(Object.keys(parse(await ok("export", "copy")).services)).toEqual(["plain"]);

    const bad = join(weir.dir, "bad.yaml");
    await writeFile(bad, "stack: copy\nservices:\n  plain:\n    origins: [http://127.0.0.1:1]\n    revisions:\n      v9: { origins: [http://127.0.0.1:1], weight: 150 }\n");
    const broken = join(weir.dir, "broken.yaml");
    await writeFile(broken, "stack: copy\nservices: [unclosed\n");
    await Promise.all([fails(["apply", "-f", bad], /weight.*between 0 and 100/), fails(["apply", "-f", broken], `${broken} is not valid YAML or JSON`)]);
  });
});

describe("weir history and rollback", () => {
  it("history lists changes of a service; rollback restores the previous or a given config version", async () => {
    await ok("run", "--name", "hist/svc", weir.v1.url);
    const staged = await json<ServiceView>("stage", "--origin", weir.v3.url, "hist/svc:v3");
    await ok("weight", "hist/svc:v3=10%");
    await ok("weight", "hist/svc:v3=50%");

    const history = await json<{ entries: { configVersion: number; actor: string; service: string; summary: string }[] }>("history", "hist/svc");
    expect(history.entries.map((e) => e.service)).toEqual(["hist/svc", "hist/svc", "hist/svc", "hist/svc"]);
    expect(history.entries.every((e) => e.actor === "root")).toBe(true);
    const table = await ok("history", "hist/svc", "-n", "2");
    const lines = table.trimEnd().split("\n");
    expect(lines[0].split(/ {2,}/)).toEqual(["VERSION", "WHEN", "WHO", "SERVICE", "CHANGE"]);
    expect(lines).toHaveLength(3);
    expect(lines[2]).toContain("v3=50%");

    expect(await ok("rollback", "hist/svc")).toMatch(/^rolled back hist\/svc: v0 90%, v3 10% \(config version \d+\)\n$/);
    const restored = await json<ServiceView>("rollback", "hist/svc", "--to", String(staged.configVersion));
    expect(restored.revisions.map((r) => r.weight)).toEqual([0]);
    const edge = await waitForConfigVersion(weir.url("svc.hist"), restored.configVersion);
    expect(edge.body).toBe("Hello World\n");

    await Promise.all([
      fails(["rollback", "hist/nope"], "no service hist/nope"),
      fails(["rollback", "hist/svc", "--to", "99999"], "config version 99999 does not exist yet"),
    ]);
  });
});

describe("weir domain", () => {
  it("adds, lists and removes custom domains, served at the edge", async () => {
    expect(await ok("domain", "add", "shop.example.com", "cli/multi")).toMatch(/^shop\.example\.com → cli\/multi \(config version \d+\)\n$/);
    const pinned = await json<{ host: string; service: string; version?: string }>("domain", "add", "beta.example.com", "cli/plain:v2");
    expect(pinned).toEqual({ host: "beta.example.com", service: "cli/plain", version: "v2" });
    const table = await ok("domain", "ls");
    expect(table).toMatch(/^HOST +TARGET\n/);
    expect(table).toMatch(/beta\.example\.com +cli\/plain:v2\n/);
    expect((await json<{ domains: unknown[] }>("domain", "ls")).domains).toHaveLength(2);

    const version = (await json<ServiceList>("ps")).configVersion;
    const res = await waitForConfigVersion(`http://beta.example.com:${weir.port}`, version);
    expect(res.body).toBe("Hello World v3\n");

    await Promise.all([
      fails(["domain", "add", "shop.example.com", "cli/plain"], "shop.example.com"),
      fails(["domain", "add", "x.example.com", "cli/nope"], "no service cli/nope"),
      fails(["domain", "add", "admin.weir.localhost", "cli/plain"], "Weir names those itself"),
      fails(["domain", "add", "10.0.0.1", "cli/plain"], "'10.0.0.1' is an IP address"),
      fails(["domain", "add", "beta.example.com", "cli/multi"], "'beta.example.com' is already a custom domain of cli/plain:v2"),
      fails(["domain", "rm", "nothing.example.com"], "no custom domain 'nothing.example.com'"),
    ]);
    expect(await ok("domain", "rm", "shop.example.com")).toMatch(/^removed shop\.example\.com \(config version \d+\)\n$/);
    expect((await json<{ domains: { host: string }[] }>("domain", "ls")).domains.map((d) => d.host)).toEqual(["beta.example.com"]);
  });
});

describe("configuration and failures of the client", () => {
  it("inside a project with neither WEIR_URL nor WEIR_TOKEN it reads ADMIN_TOKEN from .dev.vars (loopback only)", async () => {
    const project = join(weir.dir, "project");
    await mkdir(join(project, "sub"), { recursive: true });
    await writeFile(join(project, "wrangler.toml"), 'name = "weir"\n');
    await writeFile(join(project, ".dev.vars"), `# local\nADMIN_TOKEN="${ADMIN_TOKEN}"\nSTICKY_SECRET=x\n`);
    const res = await runCli(["ps", "-o", "json"], { cwd: join(project, "sub"), env: { WEIR_URL: weir.adminUrl } });
    expect(res.stderr).toBe("");
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout).services.length).toBeGreaterThan(0);

    const flags = await runCli(["--url", weir.adminUrl, "--token", ADMIN_TOKEN, "ps", "-o", "json"], { cwd: weir.dir });
    expect(flags.code).toBe(0);
  });

  it("fails with one line for a bad token, no token and an unreachable server", async () => {
    const closed = await freePort();
    await Promise.all([
      fails(["ps"], "invalid token: no such token, or it has been revoked", { env: { WEIR_TOKEN: "wrong" } }),
      fails(["ps"], "no admin token: set WEIR_TOKEN or pass --token", { env: { WEIR_TOKEN: "" } }),
      fails(["ps"], `cannot reach the admin API at http://admin.weir.localhost:${closed}: ECONNREFUSED (is \`npm start\` running?)`, {
        env: { WEIR_URL: `http://admin.weir.localhost:${closed}` },
      }),
    ]);
  });

  it("--help of weir and of a command exits 0 with examples", async () => {
    const [top, weight] = await Promise.all([weir.weir(["--help"]), weir.weir(["weight", "--help"])]);
    expect(top.code).toBe(0);
    expect(top.stdout).toContain("Usage: weir [options] [command]");
    expect(weight.code).toBe(0);
    expect(weight.stdout).toContain("$ weir weight test/svc:v3=50%");
  });
});
