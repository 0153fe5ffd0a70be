/**
 * `weir route add|ls|rm` end to end (DESIGN §10) against a real `wrangler dev`: rules made
 * from Rio's flags reach the edge, `inspect` lists them in order, `ps` shows rules=N,
 * export/apply round-trips them, and each refusal is one line with exit code 1.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { edgeGet, waitForConfigVersion } from "../../scripts/edge-request.ts";
import { startLocalWeir, type LocalWeir } from "../e2e/local-weir.ts";
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

async function fails(args: string[], message: string | RegExp): Promise<void> {
  expectFailure(args, await weir.cli(args), message);
}

describe("weir route", () => {
  it("adds rules in order (--before), lists them, serves them at the edge, removes them", async () => {
    await ok("run", "--name", "rt/svc", weir.v1.url);
    await ok("stage", "--origin", weir.v3.url, "rt/svc:v3");
    const added = await ok("route", "add", "rt/svc", "beta", "--header", "x-beta=1", "--to", "v3");
    expect(added).toMatch(/^rt\/svc: rule beta added \(1 of 1\) \(config version \d+\)\n$/);
    await ok("route", "add", "rt/svc", "maint", "--path", "/down/*", "--respond", "503:down for maintenance", "--before", "beta");
    const json = JSON.parse(await ok("route", "add", "rt/svc", "tls", "--path", "/login", "--redirect", "https:", "--redirect-status", "301", "-o", "json"));
    expect(json.rules.map((r: { name: string }) => r.name)).toEqual(["maint", "beta", "tls"]);

    const table = (await ok("route", "ls", "rt/svc")).split("\n");
    expect(table[0]).toMatch(/^#\s+NAME\s+MATCH\s+ACTION\s+DETAIL$/);
    expect(table[1]).toMatch(/^1\s+maint\s+\/down\/\*\s+respond 503$/);
    expect(table[2]).toMatch(/^2\s+beta\s+header x-beta=1\s+to v3$/);
    expect(table[3]).toMatch(/^3\s+tls\s+\/login\s+redirect https: \(301\)$/);

    const inspected = parse(await ok("inspect", "rt/svc")) as { rules: { name: string }[] };
    expect(inspected.rules.map((r) => r.name)).toEqual(["maint", "beta", "tls"]);
    const ps = (await ok("ps")).split("\n").find((l) => l.startsWith("rt/svc "));
    expect(ps).toMatch(/rules=3$/);

    const base = weir.url("svc.rt");
    await waitForConfigVersion(`${base}/`, json.configVersion);
    const beta = await edgeGet(`${base}/`, { "x-beta": "1" });
    expect([beta.body.trim(), beta.headers["weir-rule"]]).toEqual(["Hello World v3", "beta"]);
    const down = await edgeGet(`${base}/down/x`);
    expect([down.status, down.body]).toEqual([503, "down for maintenance"]);
    const login = await edgeGet(`${base}/login?next=1`);
    expect([login.status, login.headers.location]).toEqual([301, `https://svc.rt.weir.localhost:${weir.port}/login?next=1`]);
    expect((await edgeGet(`${base}/`)).body.trim()).toBe("Hello World");

    const removed = await ok("route", "rm", "rt/svc", "maint");
    expect(removed).toMatch(/^rt\/svc: rule maint removed \(config version \d+\)\n$/);
    expect(JSON.parse(await ok("route", "ls", "rt/svc", "-o", "json")).rules.map((r: { name: string }) => r.name)).toEqual(["beta", "tls"]);
  });

  it("refuses with one line: ReDoS, unknown version, taken name, missing rule, a revision a rule names", async () => {
    await ok("run", "--name", "rt/bad", weir.v1.url);
    await ok("stage", "--origin", weir.v3.url, "rt/bad:v3");
    await ok("route", "add", "rt/bad", "beta", "--cookie", "cohort=regexp(^b)", "--to", "v3");
    await fails(["route", "add", "rt/bad", "evil", "--path", "regexp((a+)+$)", "--to", "v3"], "rule 'evil': match.path.regex: /(a+)+$/ can backtrack catastrophically");
    await fails(["route", "add", "rt/bad", "x", "--to", "v9"], "rule 'x': version: 'v9' is not a revision of rt/bad");
    await fails(["route", "add", "rt/bad", "beta", "--to", "v3"], "rt/bad already has a rule 'beta'");
    await fails(["route", "add", "rt/bad", "x", "--to", "v3=50%", "--to", "v0=40%"], "rule 'x': weights: sum to 90%");
    await fails(["route", "add", "rt/bad", "x", "--set-header", "connection=close"], "'connection' cannot be edited by a rule");
    await fails(["route", "rm", "rt/bad", "ghost"], "rt/bad has no rule 'ghost'");
    await fails(["route", "ls", "rt/nope"], "no service rt/nope");
    await fails(["rm", "rt/bad:v3"], "removing rt/bad:v3 is refused: rule 'beta' names it");
  });

  it("export then apply leaves rules as they are; a rule split survives the round trip", async () => {
    await ok("run", "--name", "rtfile/svc", weir.v1.url);
    await ok("stage", "--origin", weir.v3.url, "rtfile/svc:v3");
    await ok("route", "add", "rtfile/svc", "api", "--path", "/api/*", "--to", "v3=25%", "--to", "v0=75%", "--rewrite-path", "/v2/", "--timeout", "5s", "--retries", "2");
    await ok("route", "add", "rtfile/svc", "shadow", "--mirror", "v3=10%", "--fault-delay", "100@1%");
    const yaml = await ok("export", "rtfile");
    expect(yaml).toContain("rules:");
    const file = join(weir.dir, "rtfile.yaml");
    await writeFile(file, yaml);
    expect(await ok("apply", "-f", file)).toMatch(/^rtfile: no changes\n$/);
    expect(await ok("export", "rtfile")).toBe(yaml);
  });
});
