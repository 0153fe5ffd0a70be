// API tokens (DESIGN §11) through the real admin API, ConfigStore and SQLite: creation with
// a secret shown once, listing without secrets, revocation effective on the next request,
// expiry, lastUsedAt at most once a minute, escalation refused, whoami, history's WHO, and
// no secret in any list, history, error message or log line.
import { afterAll, describe, expect, it } from "vitest";
// helpers first: they load the admin app, whose zod-openapi import must precede any core schema
import { api, env, expectError, inStore, json, origin, run, storeStub, uniqueStack } from "./helpers.ts";
import { runDurableObjectAlarm } from "cloudflare:test";
import { SECRET_PATTERN } from "../../core/token.ts";
import { migrate, SCHEMA_VERSION, schemaVersion } from "../../admin/store/schema.ts";
import { makeToken, tapConsole, uniqueTokenName, type MadeToken } from "./token-helpers.ts";

const logs = tapConsole();

const secrets: string[] = [];
const remember = (t: MadeToken) => {
  secrets.push(t.token);
  return t;
};

describe("POST /v1/tokens", () => {
  it("201 with the secret (weir_ + 32 bytes base64url) once; only its SHA-256 is stored", async () => {
    const name = uniqueTokenName("ci");
    const before = Date.now();
    const made = remember(await makeToken("deployer", ["test"], { name, expires: "90d" }));
    expect(made).toEqual({
      name,
      role: "deployer",
      stacks: ["test"],
      createdAt: expect.any(String),
      createdBy: "root",
      expiresAt: expect.any(String),
      token: expect.stringMatching(SECRET_PATTERN),
    });
    const lifetime = Date.parse(made.expiresAt as string) - Date.parse(made.createdAt);
    expect(lifetime).toBe(90 * 86_400_000);
    expect(Date.parse(made.createdAt)).toBeGreaterThanOrEqual(before - 1000);

    const stored = await inStore((_s, state) => state.storage.sql.exec(`SELECT * FROM tokens WHERE name = ?`, name).one());
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(made.token)));
    expect(new Uint8Array(stored.hash as ArrayBuffer)).toEqual(digest);
    expect(JSON.stringify(Object.values(stored).map((v) => (v instanceof ArrayBuffer ? [...new Uint8Array(v)] : v)))).not.toContain(made.token.slice(5));
  });

  // Probe (session 2): a 1 MiB `expires` came back whole in the error message.
  it("quotes a long or unprintable expires cut short and escaped", async () => {
    const body = (expires: string) => ({ body: { name: uniqueTokenName("long"), role: "viewer", stacks: ["*"], expires } });
    const long = await expectError(await api("POST", "/v1/tokens", body(`${"9".repeat(100_000)}d`)), 422, "invalid");
    expect(long).toBe(`expires ${"9".repeat(64)}… must be between 1s and 3650d`);
    const garbage = await expectError(await api("POST", "/v1/tokens", body(`\u001b[31m${"x".repeat(100_000)}`)), 400, "bad_request");
    expect(garbage.length).toBeLessThan(200);
    expect(garbage).toContain("expires '\\u001b[31mxxx");
  });

  it("409 for a taken name; 400/422 for bodies that break the schema", async () => {
    const made = remember(await makeToken("viewer", ["*"]));
    expect(await expectError(await api("POST", "/v1/tokens", { body: { name: made.name, role: "viewer", stacks: ["*"] } }), 409, "conflict")).toContain(
      `a token named '${made.name}' already exists`,
    );
    await expectError(await api("POST", "/v1/tokens", { body: { name: "x", role: "viewer" } }), 400, "bad_request");
    await expectError(await api("POST", "/v1/tokens", { body: { name: "x", role: "owner", stacks: ["*"] } }), 422, "invalid");
    await expectError(await api("POST", "/v1/tokens", { body: { name: "root", role: "viewer", stacks: ["*"] } }), 422, "invalid");
    await expectError(await api("POST", "/v1/tokens", { body: { name: "x", role: "viewer", stacks: ["*", "a"] } }), 422, "invalid");
    await expectError(await api("POST", "/v1/tokens", { body: { name: "x", role: "viewer", stacks: ["a"], expires: "soon" } }), 400, "bad_request");
    await expectError(await api("POST", "/v1/tokens", { body: { name: "x", role: "viewer", stacks: ["a"], expires: "0s" } }), 422, "invalid");
    await expectError(await api("POST", "/v1/tokens", { body: { name: "x", role: "viewer", stacks: ["a"], token: "weir_mine" } }), 400, "bad_request");
  });
});

// Probe (session 2): token writes ignored If-Match, even a malformed one.
describe("If-Match on token writes", () => {
  it("is checked against the config version: 412 on a mismatch, 400 malformed, and nothing changes", async () => {
    const etag = (await api("GET", "/v1/whoami")).headers.get("etag") as string;
    const stale = `"${Number(JSON.parse(etag)) + 1000}"`;
    const name = uniqueTokenName("im");
    const body = { name, role: "viewer", stacks: ["*"] };
    expect(await expectError(await api("POST", "/v1/tokens", { body, headers: { "if-match": stale } }), 412, "precondition_failed")).toContain(
      "If-Match does not match the current config version",
    );
    await expectError(await api("POST", "/v1/tokens", { body, headers: { "if-match": "garbage" } }), 400, "bad_request");
    const listed = async () => (await json(await api("GET", "/v1/tokens"))).tokens.map((t: { name: string }) => t.name) as string[];
    expect(await listed()).not.toContain(name);
    const made = remember(await json<MadeToken>(await api("POST", "/v1/tokens", { body, headers: { "if-match": etag } }), 201));

    await expectError(await api("DELETE", `/v1/tokens/${name}`, { headers: { "if-match": stale } }), 412, "precondition_failed");
    expect((await json(await api("GET", "/v1/whoami", { token: made.token }))).name).toBe(name);
    await json(await api("DELETE", `/v1/tokens/${name}`, { headers: { "if-match": "*" } }));
    expect(await listed()).not.toContain(name);
  });
});

describe("using a token", () => {
  it("whoami names it; history's WHO is its name, with the client IP of each change", async () => {
    const stack = uniqueStack("who");
    const made = remember(await makeToken("deployer", [stack]));
    expect(await json(await api("GET", "/v1/whoami", { token: made.token }))).toEqual({
      name: made.name,
      role: "deployer",
      stacks: [stack],
      expiresAt: null,
    });
    const from = (ip: string) => ({ token: made.token, headers: { "cf-connecting-ip": ip } });
    await json(await api("POST", "/v1/services", { ...from("203.0.113.7"), body: { name: `${stack}/svc`, origins: [origin("hello")] } }), 201);
    await json(await api("POST", `/v1/services/${stack}/svc/revisions`, { ...from("2001:DB8::42"), body: { version: "v2", origins: [origin("helloV3")] } }), 201);
    // an address that is not one is not recorded
    await json(await api("PUT", `/v1/services/${stack}/svc/weights`, { ...from("<script>"), body: { weights: { v2: 10 } } }));
    await json(await api("PUT", `/v1/services/${stack}/svc/weights`, { token: made.token, headers: {}, body: { weights: { v2: 20 } } }));
    const history = await json(await api("GET", `/v1/history?service=${stack}/svc`, { token: made.token }));
    expect(history.entries.map((e: { actor: string; ip: string | null; operation: string }) => [e.actor, e.ip, e.operation])).toEqual([
      [made.name, "203.0.113.7", "run"],
      [made.name, "2001:db8::42", "stage"],
      [made.name, null, "weight"],
      [made.name, expect.stringMatching(/^2001:db8:/), "weight"],
    ]);
  });

  it("a store of layout 2 (history without IPs) gains the column, its old entries without an IP", async () => {
    const stack = uniqueStack("old");
    await run(stack);
    const { columns, version } = await inStore((_s, state) => {
      const sql = state.storage.sql;
      // back to layout 2 as an older Weir left it
      sql.exec(`ALTER TABLE history DROP COLUMN ip`);
      sql.exec(`UPDATE meta SET value = 2 WHERE key = 'schema_version'`);
      state.storage.transactionSync(() => migrate(sql, () => undefined));
      state.storage.transactionSync(() => migrate(sql, () => undefined)); // and again: nothing left to do
      return {
        columns: sql.exec<{ name: string }>(`SELECT name FROM pragma_table_info('history')`).toArray().map((r) => r.name),
        version: schemaVersion(sql),
      };
    });
    expect(columns.filter((c) => c === "ip")).toEqual(["ip"]);
    expect(version).toBe(SCHEMA_VERSION);
    const entries = (await json(await api("GET", `/v1/history?service=${stack}/svc`))).entries;
    expect(entries.map((e: { ip: string | null }) => e.ip)).toEqual([null]);
  });

  it("a timed rollout's steps are the starter's, without an IP (the store takes them, not a request)", async () => {
    const stack = uniqueStack("steps");
    const made = remember(await makeToken("deployer", [stack]));
    const as = { token: made.token, headers: { "cf-connecting-ip": "198.51.100.9" } };
    await json(await api("POST", "/v1/services", { ...as, body: { name: `${stack}/svc`, origins: [origin("hello")] } }), 201);
    await json(await api("POST", `/v1/services/${stack}/svc/revisions`, { ...as, body: { version: "v2", origins: [origin("helloV3")] } }), 201);
    await json(await api("PUT", `/v1/services/${stack}/svc/weights`, { ...as, body: { weights: { v2: 50 }, duration: "1m", interval: "1m" } }), 202);
    // the alarm runs the due step at once (as in rollouts.test.ts): the rollout ends within this test
    expect(await runDurableObjectAlarm(storeStub())).toBe(true);
    expect((await json(await api("GET", `/v1/services/${stack}/svc/rollout`))).status).toBe("completed");
    const entries = (await json(await api("GET", `/v1/history?service=${stack}/svc`))).entries as { actor: string; ip: string | null; operation: string }[];
    expect(entries.map((e) => [e.operation, e.actor, e.ip])).toEqual([
      ["run", made.name, "198.51.100.9"],
      ["stage", made.name, "198.51.100.9"],
      ["rollout", made.name, "198.51.100.9"],
      ["rollout step", made.name, null],
    ]);
  });

  it("revocation holds on the very next request", async () => {
    const made = remember(await makeToken("viewer", ["*"]));
    expect((await api("GET", "/v1/services", { token: made.token })).status).toBe(200);
    const revoked = await json(await api("DELETE", `/v1/tokens/${made.name}`));
    expect(revoked).toMatchObject({ name: made.name, role: "viewer", stacks: ["*"] });
    expect(revoked).not.toHaveProperty("token");
    const message = await expectError(await api("GET", "/v1/services", { token: made.token }), 401, "unauthorized");
    expect(message).toBe("invalid token: no such token, or it has been revoked");
    await expectError(await api("DELETE", `/v1/tokens/${made.name}`), 404, "not_found");
    const listed = await json(await api("GET", "/v1/tokens"));
    expect(listed.tokens.map((t: { name: string }) => t.name)).not.toContain(made.name);
  });

  it("an expired token is a 401 that says it expired, and stays listed until removed", async () => {
    const made = remember(await makeToken("viewer", ["*"], { expires: "1s" }));
    expect((await api("GET", "/v1/whoami", { token: made.token })).status).toBe(200);
    const wait = Date.parse(made.expiresAt as string) - Date.now() + 50;
    await new Promise((r) => setTimeout(r, Math.max(0, wait)));
    const message = await expectError(await api("GET", "/v1/whoami", { token: made.token }), 401, "unauthorized");
    expect(message).toBe(`token '${made.name}' expired at ${made.expiresAt}`);
    const listed = await json(await api("GET", "/v1/tokens"));
    expect(listed.tokens.find((t: { name: string }) => t.name === made.name)).toMatchObject({ expiresAt: made.expiresAt });
  });

  it("an unknown or malformed secret is invalid, never a 500", async () => {
    for (const token of ["weir_" + "A".repeat(43), "weir_short", "weir_" + "!".repeat(43), "x".repeat(5000)]) {
      expect(await expectError(await api("GET", "/v1/whoami", { token }), 401, "unauthorized")).toBe("invalid token: no such token, or it has been revoked");
    }
  });

  // Probe (session 2): every malformed header used to be "missing 'Authorization: Bearer <token>' header".
  it("a malformed Authorization header is a 401 that says what is wrong with it, never echoing it", async () => {
    const made = remember(await makeToken("viewer", ["*"]));
    const asHeader = (authorization: string) => api("GET", "/v1/whoami", { token: null, headers: { authorization } });
    const refusals: [string, string][] = [
      [`Basic ${btoa(`user:${made.token}`)}`, "the Authorization header must use the Bearer scheme: 'Authorization: Bearer <token>'"],
      [made.token, "the Authorization header must use the Bearer scheme: 'Authorization: Bearer <token>'"],
      ["Bearer", "the Authorization header has no token after 'Bearer'"],
      [`Bearer ${made.token} ${made.token}`, "the Authorization header must carry exactly one token: 'Bearer <token>'"],
      [`Bearer ${made.token}, Bearer ${env.ADMIN_TOKEN}`, "the Authorization header must carry exactly one token: 'Bearer <token>'"],
      ["   ", "missing 'Authorization: Bearer <token>' header"],
    ];
    for (const [header, message] of refusals) {
      const res = await asHeader(header);
      expect(res.headers.get("www-authenticate"), header).toBe('Bearer realm="weir"');
      const text = await expectError(res, 401, "unauthorized");
      expect(text, header).toBe(message);
      expect(text).not.toContain(made.token.slice(5));
    }
    // the scheme in any case, and any whitespace around the token, is still the token
    for (const header of [`bearer ${made.token}`, `BEARER\t${made.token}  `, `Bearer    ${made.token}`]) {
      expect((await json(await asHeader(header))).name, header).toBe(made.name);
    }
  });

  it("lastUsedAt: null until used, then written at most once a minute", async () => {
    const made = remember(await makeToken("viewer", ["*"]));
    const lastUsed = async () =>
      ((await json(await api("GET", "/v1/tokens"))).tokens as { name: string; lastUsedAt: string | null }[]).find((t) => t.name === made.name)
        ?.lastUsedAt;
    expect(await lastUsed()).toBeNull();
    const before = Date.now();
    await json(await api("GET", "/v1/whoami", { token: made.token }));
    const first = (await lastUsed()) as string;
    expect(Date.parse(first)).toBeGreaterThanOrEqual(before - 1000);
    for (let i = 0; i < 3; i++) await json(await api("GET", "/v1/whoami", { token: made.token }));
    expect(await lastUsed()).toBe(first);
    // a use a minute after the recorded one is recorded again
    const earlier = new Date(Date.parse(first) - 61_000).toISOString();
    await inStore((_s, state) => state.storage.sql.exec(`UPDATE tokens SET last_used_at = ? WHERE name = ?`, earlier, made.name));
    await json(await api("GET", "/v1/whoami", { token: made.token }));
    expect(Date.parse((await lastUsed()) as string)).toBeGreaterThan(Date.parse(earlier));
  });
});

describe("no more rights than your own", () => {
  it("only an admin on every stack manages tokens", async () => {
    const deployer = remember(await makeToken("deployer", ["*"]));
    const scopedAdmin = remember(await makeToken("admin", ["test"]));
    const body = { name: uniqueTokenName("esc"), role: "viewer", stacks: ["test"] };
    for (const [who, role] of [[deployer, "deployer on every stack"], [scopedAdmin, "admin on stack test"]] as const) {
      for (const [method, path] of [["POST", "/v1/tokens"], ["GET", "/v1/tokens"], ["DELETE", `/v1/tokens/${deployer.name}`]]) {
        const message = await expectError(await api(method, path, { token: who.token, body: method === "POST" ? body : undefined }), 403, "forbidden");
        expect(message).toBe(`token '${who.name}' (${role}) cannot ${method} ${path}: that needs admin on every stack`);
      }
    }
  });

  it("an expiring admin cannot mint a token that outlives it; a shorter one it can", async () => {
    const temp = remember(await makeToken("admin", ["*"], { expires: "1h" }));
    const forever = { name: uniqueTokenName("long"), role: "admin", stacks: ["*"] };
    const message = await expectError(await api("POST", "/v1/tokens", { token: temp.token, body: forever }), 403, "forbidden");
    expect(message).toContain(`token '${temp.name}' (admin on every stack) cannot create a token that outlives it`);
    await expectError(await api("POST", "/v1/tokens", { token: temp.token, body: { ...forever, expires: "2h" } }), 403, "forbidden");
    const child = remember(await makeToken("deployer", ["test"], { as: temp.token, expires: "30m" }));
    expect(child.createdBy).toBe(temp.name);
    // and the child works
    expect((await json(await api("GET", "/v1/whoami", { token: child.token }))).role).toBe("deployer");
  });
});

describe("lists filtered to the token's stacks", () => {
  it("services, history and domains show only its stacks; naming another stack is a 403", async () => {
    const mine = uniqueStack("mine");
    const other = uniqueStack("other");
    await run(mine);
    await run(other);
    await json(await api("POST", "/v1/domains", { body: { host: `${mine}.example.com`, target: `${mine}/svc` } }), 201);
    await json(await api("POST", "/v1/domains", { body: { host: `${other}.example.com`, target: `${other}/svc` } }), 201);
    const viewer = remember(await makeToken("viewer", [mine]));
    const as = { token: viewer.token };

    const services = await json(await api("GET", "/v1/services", as));
    expect(services.services.map((s: { id: string }) => s.id)).toEqual([`${mine}/svc`]);
    const history = await json(await api("GET", "/v1/history?limit=1000", as));
    expect(new Set(history.entries.map((e: { service: string }) => e.service))).toEqual(new Set([`${mine}/svc`]));
    // filtered before the limit: the token's latest entry, though other stacks changed since
    await run(other, "later");
    const latest = await json(await api("GET", "/v1/history?limit=1", as));
    expect(latest.entries.map((e: { service: string; operation: string }) => `${e.operation} ${e.service}`)).toEqual([`domain add ${mine}/svc`]);
    const domains = await json(await api("GET", "/v1/domains", as));
    expect(domains.domains.map((d: { host: string }) => d.host)).toEqual([`${mine}.example.com`]);

    await expectError(await api("GET", `/v1/services?stack=${other}`, as), 403, "forbidden");
    await expectError(await api("GET", `/v1/history?service=${other}/svc`, as), 403, "forbidden");
    expect((await json(await api("GET", `/v1/services?stack=${mine}`, as))).services).toHaveLength(1);
  });

  // Probe (session 2): a scoped token got 403 "needs viewer on stack 'B'" (or stack '')
  // where the root token got the validator's 400 for the same malformed request.
  it("a stack name that is not a DNS label is the same 400 for a scoped token as for root", async () => {
    const mine = uniqueStack("mine");
    await run(mine);
    const scoped = remember(await makeToken("viewer", [mine]));
    const requests: [string, string, string][] = [
      ["GET", "/v1/services/B/svc", "invalid path: stack: must be a DNS label"],
      ["GET", `/v1/stacks/${"a".repeat(64)}`, "invalid path: stack: must be a DNS label"],
      ["GET", "/v1/services/B/svc/stats", "invalid path: stack: must be a DNS label"],
      ["PUT", "/v1/services/B/svc/weights", "invalid path: stack: must be a DNS label"],
      ["GET", "/v1/services?stack=", "invalid query: stack: must be a DNS label"],
      ["GET", "/v1/services?stack=B", "invalid query: stack: must be a DNS label"],
      ["GET", "/v1/history?service=B/x", "invalid query: service: stack and name must be DNS labels"],
      ["GET", `/v1/history?service=${mine}`, "invalid query: service: must be 'stack/name'"],
    ];
    for (const [method, path, message] of requests) {
      for (const token of [scoped.token, undefined]) {
        const body = method === "PUT" ? { weights: { v1: 10 } } : undefined;
        const text = await expectError(await api(method, path, { token, ...(body ? { body } : {}) }), 400, "bad_request");
        expect(text, `${method} ${path} ${token ? "scoped" : "root"}`).toContain(message);
      }
    }
  });
});

describe("secrets stay secret", () => {
  afterAll(async () => {
    expect(secrets.length).toBeGreaterThan(5);
    console.warn("console tap check");
    expect(logs.lines()).toContain("console tap check");
    const tokens = JSON.stringify(await json(await api("GET", "/v1/tokens")));
    const history = JSON.stringify(await json(await api("GET", "/v1/history?limit=1000")));
    const lines = logs.lines().join("\n");
    for (const secret of secrets) {
      // neither the secret nor its random part appears anywhere
      for (const text of [tokens, history, lines]) expect(text).not.toContain(secret.slice(5));
    }
  });

  it("error messages never echo a presented token", async () => {
    const made = remember(await makeToken("viewer", ["*"], { expires: "1s" }));
    await new Promise((r) => setTimeout(r, Math.max(0, Date.parse(made.expiresAt as string) - Date.now() + 50)));
    for (const token of [made.token, made.token + "x", "wrong-" + made.token]) {
      const res = await api("GET", "/v1/services", { token });
      const text = await res.text();
      expect(res.status).toBe(401);
      expect(text).not.toContain(made.token.slice(5));
    }
  });
});
