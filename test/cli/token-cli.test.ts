/**
 * API tokens end to end (DESIGN §11, issue 11) through the real `weir` binary against a
 * running `wrangler dev`: `weir token create|ls|rm`, the CLI unchanged with a scoped token
 * in WEIR_TOKEN (a CI job that stages a revision and rolls it out with --wait), refusals
 * outside the token's scope, revocation, the audit trail (WHO and IP), the brute-force
 * limit of the real binding from wrangler.toml, and no secret in any output or log.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TokenView } from "../../core/token.ts";
import { SECRET_PATTERN } from "../../core/token.ts";
import { edgeGet, type EdgeResponse } from "../../scripts/edge-request.ts";
import { startLocalWeir, type CliResult, type LocalWeir } from "../e2e/local-weir.ts";
import { expectFailure, expectSuccess } from "../e2e/cli-checks.ts";

let weir: LocalWeir;
const secrets: string[] = [];
const outputs: string[] = [];

beforeAll(async () => {
  weir = await startLocalWeir();
});

afterAll(async () => {
  // no secret in anything the CLI printed, nor in wrangler dev's output (the Worker's logs)
  const server = weir?.serverOutput() ?? "";
  expect(server).toContain("Ready on");
  const everything = [...outputs, server].join("\n");
  for (const secret of secrets) expect(everything).not.toContain(secret.slice(5));
  await weir?.stop();
});

/**
 * `weir ARGS` as root unless `token` is given, in this process (the code bin/weir.js runs,
 * without a Node startup each time) or, with `binary`, as the real binary; its output is
 * kept for the secret check.
 */
async function cli(args: string[], token?: string, binary = false): Promise<CliResult> {
  const env: Record<string, string> = token === undefined ? {} : { WEIR_TOKEN: token };
  const res = binary ? await weir.weir(args, { env }) : await weir.cli(args, env);
  outputs.push(res.stdout, res.stderr);
  return res;
}

/** The real binary with WEIR_TOKEN set, as a CI job runs it. */
async function job(args: string[], token: string): Promise<string> {
  return expectSuccess(args, await cli(args, token, true));
}

async function ok(args: string[], token?: string): Promise<string> {
  return expectSuccess(args, await cli(args, token));
}

async function fails(args: string[], token: string | undefined, message: string): Promise<void> {
  expectFailure(args, await cli(args, token), message);
}

/** `weir token create …`: the secret alone on stdout, the hint on stderr. */
async function create(name: string, ...flags: string[]): Promise<string> {
  const res = await cli(["token", "create", name, ...flags], undefined, true);
  expect(res.code, res.stderr).toBe(0);
  expect(res.stdout).toMatch(/^weir_[A-Za-z0-9_-]{43}\n$/);
  const secret = res.stdout.trim();
  expect(secret).toMatch(SECRET_PATTERN);
  secrets.push(secret);
  // the one place the secret is meant to appear
  outputs.splice(outputs.indexOf(res.stdout), 1);
  expect(res.stderr).toContain(`token ${name} created: `);
  expect(res.stderr).toContain("it is shown only this once");
  expect(res.stderr).not.toContain(secret);
  return secret;
}

describe("weir token", () => {
  it("create prints the secret once; ls shows the token without it; a CI job deploys its stack with it", async () => {
    const ci = await create("ci-e2e", "--role", "deployer", "--stack", "e2e", "--expires", "90d");
    const stderr = outputs.at(-1) as string;
    expect(stderr).toMatch(/^token ci-e2e created: deployer on stack e2e, expires \d{4}-\d\d-\d\dT[\d:.]+Z\.\n/);

    const table = await ok(["token", "ls"]);
    expect(table.split("\n")[0]).toMatch(/^NAME +ROLE +STACKS +CREATED +BY +EXPIRES +LAST USED$/);
    expect(table).toMatch(/\nci-e2e +deployer +e2e +(just now|\d+ seconds? ago) +root +in 2 months +never\n/);
    const listed = JSON.parse(await ok(["token", "ls", "-o", "json"])) as { tokens: TokenView[] };
    expect(listed.tokens.find((t) => t.name === "ci-e2e")).toEqual({
      name: "ci-e2e",
      role: "deployer",
      stacks: ["e2e"],
      createdAt: expect.any(String),
      createdBy: "root",
      expiresAt: expect.any(String),
      lastUsedAt: null,
    });

    // the CI job: stage a revision and roll it out with --wait, with the scoped token only
    expect(await job(["run", "--name", "e2e/api", weir.v1.url], ci)).toContain("e2e/api http://api.e2e.weir.localhost:");
    await job(["stage", "--origin", weir.v3.url, "e2e/api:v2"], ci);
    const rolled = await job(["weight", "e2e/api:v2=100%", "--duration", "10s", "--interval", "5s", "--wait"], ci);
    expect(rolled).toContain("e2e/api rollout (weights over 10s) completed: step 2/2");
    await ok(["promote", "e2e/api:v2"], ci);
    const exported = await ok(["export", "e2e"], ci);
    expect(exported).toContain("stack: e2e");
    await ok(["inspect", "e2e/api"], ci);
    expect(await ok(["rollout", "status", "e2e/api"], ci)).toContain("completed");

    // history: WHO is the token, and --wide shows the client IP wrangler dev reports
    const history = JSON.parse(await ok(["history", "e2e/api", "-o", "json"], ci)) as { entries: { actor: string; ip: string | null; operation: string }[] };
    expect(new Set(history.entries.filter((e) => e.operation !== "rollout step").map((e) => e.actor))).toEqual(new Set(["ci-e2e"]));
    const ip = history.entries[0].ip;
    expect(ip).toMatch(/^(127\.0\.0\.1|::1|::ffff:127\.0\.0\.1)$/);
    const wide = await ok(["history", "e2e/api", "--wide"], ci);
    expect(wide.split("\n")[0]).toMatch(/^VERSION +WHEN +WHO +IP +SERVICE +CHANGE$/);
    expect(wide).toMatch(new RegExp(`\\n\\d+ +.+? +ci-e2e +${ip!.replace(/\./g, "\\.")} +e2e/api +run e2e/api`));
    expect(wide).toMatch(/\n\d+ +.+? +ci-e2e +- +e2e\/api +rollout e2e\/api step 1\/2/);

    // lastUsedAt is now set
    const used = (JSON.parse(await ok(["token", "ls", "-o", "json"])) as { tokens: TokenView[] }).tokens.find((t) => t.name === "ci-e2e");
    expect(used?.lastUsedAt).not.toBeNull();
  });

  it("outside its scope or role the CLI says what is missing; lists show its stacks only", async () => {
    await ok(["run", "--name", "other/svc", weir.v1.url]);
    const ci = await create("ci-scope", "--role", "deployer", "--stack", "e2e");
    await fails(["run", "--name", "other/x", weir.v1.url], ci, "token 'ci-scope' (deployer on stack e2e) cannot POST /v1/services: that needs deployer on stack 'other'");
    await fails(["weight", "other/svc:v9=10%"], ci, "that needs deployer on stack 'other'");
    await fails(["token", "ls"], ci, "cannot GET /v1/tokens: that needs admin on every stack");
    await fails(["token", "create", "sneaky", "--role", "admin", "--stack", "*"], ci, "that needs admin on every stack");
    const ps = await ok(["ps"], ci);
    expect(ps).toContain("e2e/api ");
    expect(ps).not.toContain("other/svc");

    const viewer = await create("dash-e2e", "--role", "viewer", "--stack", "*");
    expect(await ok(["ps"], viewer)).toContain("other/svc");
    await fails(["rm", "other/svc"], viewer, "token 'dash-e2e' (viewer on every stack) cannot DELETE /v1/services/other/svc: that needs deployer on stack 'other'");
  });

  it("rm revokes at once; an unknown or revoked token is refused with a one-line error", async () => {
    const temp = await create("temp-e2e", "--role", "viewer", "--stack", "e2e");
    await ok(["ps"], temp);
    expect(await ok(["token", "rm", "temp-e2e"])).toBe("revoked token temp-e2e\n");
    const refused = await cli(["ps"], temp, true);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe("error: invalid token: no such token, or it has been revoked\n");
    await fails(["token", "rm", "temp-e2e"], undefined, "no token 'temp-e2e'");
    expect(await ok(["token", "ls"])).not.toContain("temp-e2e");
  });

  it("past 20 failed authentications from one address the API answers 429 with Retry-After; the right token still works", async () => {
    // Up to 41 tries: a window of the real binding may end during the burst and restart the count.
    let res: EdgeResponse | undefined;
    const statuses: number[] = [];
    for (let i = 0; i < 41 && res?.status !== 429; i++) {
      res = await edgeGet(`${weir.adminUrl}/v1/whoami`, { authorization: "Bearer wrong" });
      statuses.push(res.status);
    }
    // (earlier tests' failed attempts from this address count too: the exact count is
    // test/admin/auth-failures.test.ts's)
    expect(statuses.filter((s) => s === 401).length).toBeGreaterThanOrEqual(10);
    expect(new Set(statuses)).toEqual(new Set([401, 429]));
    expect(statuses.at(-1)).toBe(429);
    expect(res!.headers["retry-after"]).toBe("60");
    expect((JSON.parse(res!.body) as { error: { code: string } }).error.code).toBe("rate_limited");
    await fails(["ps"], "weir_" + "x".repeat(43), "too many failed authentications from this address");
    await ok(["ps"]);
  });
});
