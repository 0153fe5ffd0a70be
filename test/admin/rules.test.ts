// Traffic rules through the admin API and the real ConfigStore (DESIGN §10): the routes,
// the 400/404/409/412/422 split, history and rollback (rule slot tables byte for byte),
// the stack-file round trip and dry-run diffs, and rules reaching the edge.
import { describe, expect, it } from "vitest";
import { compileRouteRecord, RouteRecord, routeKey } from "../../core/route-record.ts";
import { splitRevision } from "../../core/rule-match.ts";
import { clearRouteCache } from "../../worker/route-cache.ts";
import { api, call, env, expectError, inStore, json, origin, run, stage, uniqueStack } from "./helpers.ts";

const beta = { name: "beta", match: { headers: [{ name: "x-beta", exact: "1" }] }, version: "v3" };

/** A service `svc` with v0 (hello) and v3 (helloV3), and `rules`. */
async function withRules(prefix: string, rules: unknown[] = []) {
  const stack = uniqueStack(prefix);
  await run(stack);
  await stage(stack, "svc", "v3", origin("helloV3"));
  if (rules.length > 0) await json(await api("PUT", `/v1/services/${stack}/svc/rules`, { body: { rules } }));
  return stack;
}

const rulesPath = (stack: string) => `/v1/services/${stack}/svc/rules`;
const names = (body: { rules: { name: string }[] }) => body.rules.map((r) => r.name);

function storedSlots(stack: string): Promise<string> {
  return inStore((_store, state) => state.storage.sql.exec<{ slots: string }>(`SELECT slots FROM services WHERE id = ?`, `${stack}/svc`).one().slots);
}

describe("the rules routes", () => {
  it("PUT replaces the list, GET reads it back in order with the ETag", async () => {
    const stack = await withRules("rules-put");
    const rules = [beta, { name: "maint", match: { path: { prefix: "/down/" } }, respond: { status: 503, body: "down" } }];
    const put = await api("PUT", rulesPath(stack), { body: { rules } });
    const body = await json(put);
    expect(body).toEqual({ service: `${stack}/svc`, configVersion: expect.any(Number), rules });
    expect(put.headers.get("etag")).toBe(`"${body.configVersion}"`);
    const got = await json(await api("GET", rulesPath(stack)));
    expect(got.rules).toEqual(rules);
    const service = await json(await api("GET", `/v1/services/${stack}/svc`));
    expect(service.rules).toEqual(rules);
  });

  it("POST appends or inserts before a name; DELETE removes; each is a new config version", async () => {
    const stack = await withRules("rules-post", [beta]);
    const a = await json(await api("POST", rulesPath(stack), { body: { name: "last", version: "v0" } }), 201);
    expect(names(a)).toEqual(["beta", "last"]);
    const b = await json(await api("POST", rulesPath(stack), { body: { name: "first", match: { path: { exact: "/x" } }, version: "v0", before: "beta" } }), 201);
    expect(names(b)).toEqual(["first", "beta", "last"]);
    expect(b.configVersion).toBe(a.configVersion + 1);
    const c = await json(await api("DELETE", `${rulesPath(stack)}/beta`));
    expect(names(c)).toEqual(["first", "last"]);
  });

  it("If-Match guards the list: a stale ETag is 412 and changes nothing", async () => {
    const stack = await withRules("rules-412", [beta]);
    const got = await api("GET", rulesPath(stack));
    const etag = got.headers.get("etag") as string;
    await got.arrayBuffer();
    await json(await api("POST", rulesPath(stack), { body: { name: "other" } }), 201);
    await expectError(await api("PUT", rulesPath(stack), { body: { rules: [] }, headers: { "if-match": etag } }), 412, "precondition_failed");
    expect(names(await json(await api("GET", rulesPath(stack))))).toEqual(["beta", "other"]);
  });
});

describe("400 / 404 / 409 / 422", () => {
  it("400: a body that does not parse or has the wrong types", async () => {
    const stack = await withRules("rules-400");
    await expectError(await api("PUT", rulesPath(stack), { body: "{" , headers: { "content-type": "application/json" } }), 400, "bad_request");
    await expectError(await api("PUT", rulesPath(stack), { body: { rules: [{ name: 3 }] } }), 400, "bad_request");
    await expectError(await api("POST", rulesPath(stack), { body: { name: "x", match: { path: "/x" } } }), 400, "bad_request");
    await expectError(await api("PUT", rulesPath(stack), { body: { rules: [], extra: 1 } }), 400, "bad_request");
  });

  it("404: a service or rule the path names that does not exist", async () => {
    const stack = await withRules("rules-404");
    await expectError(await api("GET", `/v1/services/${stack}/nope/rules`), 404, "not_found");
    await expectError(await api("PUT", `/v1/services/${stack}/nope/rules`, { body: { rules: [] } }), 404, "not_found");
    expect(await expectError(await api("DELETE", `${rulesPath(stack)}/ghost`), 404, "not_found")).toBe(`${stack}/svc has no rule 'ghost'`);
  });

  it("409: a name already taken (POST); removing or promoting away a version a rule names", async () => {
    const stack = await withRules("rules-409", [beta, { name: "old", weights: { v0: 50, v3: 50 } }]);
    expect(await expectError(await api("POST", rulesPath(stack), { body: { name: "beta" } }), 409, "conflict")).toBe(`${stack}/svc already has a rule 'beta'`);
    expect(await expectError(await api("DELETE", `/v1/services/${stack}/svc/revisions/v3`), 409, "conflict")).toBe(
      `removing ${stack}/svc:v3 is refused: rules 'beta', 'old' name it; change or remove them first`,
    );
    expect(await expectError(await api("POST", `/v1/services/${stack}/svc/promote`, { body: { version: "v3" } }), 409, "conflict")).toBe(
      `promoting away the primary ${stack}/svc:v0 is refused: rule 'old' names it; change or remove it first`,
    );
  });

  it.each([
    [[{ name: "r", version: "v9" }], "rule 'r': version: 'v9' is not a revision of"],
    [[beta, { ...beta, version: "v0" }], "rule 'beta': name: another rule of the service has this name"],
    [[{ name: "evil", match: { path: { regex: "(a+)+$" } } }], "rule 'evil': match.path.regex: /(a+)+$/ can backtrack catastrophically"],
    [[{ name: "r", match: { path: { regex: "(" } } }], "rule 'r': match.path.regex: does not compile"],
    [[{ name: "r", match: { headers: [{ name: "x", regex: "a".repeat(300) }] } }], "rules.0: rule 'r': match.headers[0].regex: is 300 characters long; at most 256"],
    [[{ name: "r", match: { headers: [{ name: "bad name", present: true }] } }], "rule 'r': match.headers[0].name: 'bad name' is not a valid header name"],
    [[{ name: "r", requestHeaders: { set: { host: "x" } } }], "rule 'r': requestHeaders.set.host: 'host' cannot be edited by a rule"],
    [[{ name: "r", responseHeaders: { remove: ["connection"] } }], "rule 'r': responseHeaders.remove[0]: 'connection' cannot be edited"],
    [[{ name: "r", timeout: "1s", retries: { attempts: 1, perTryTimeout: "2s" } }], "rule 'r': retries.perTryTimeout: 2s is longer than the rule's timeout 1s"],
    [[{ name: "r", weights: { v3: 33.333, v0: 66.667 } }], "rule 'r': weights.v3: must have at most two decimals"],
    [[{ name: "r", weights: { v3: 30, v0: 60 } }], "rule 'r': weights: sum to 90%"],
    [[{ name: "r", match: { path: { exact: "/a", regex: "^/b" } } }], "rule 'r': match.path: takes exactly one of exact | prefix | regex"],
    [[{ name: "r", version: "v3", redirect: { scheme: "https" } }], "rule 'r': redirect: a rule takes at most one of version | weights | redirect | respond"],
  ])("422 naming the rule and field: %j", async (rules, message) => {
    const stack = await withRules("rules-422");
    const before = await storedSlots(stack);
    const text = await expectError(await api("PUT", rulesPath(stack), { body: { rules } }), 422, "invalid");
    expect(text).toContain(message);
    expect(await storedSlots(stack)).toBe(before);
  });

  it("422: POST before a rule that does not exist, or a rule naming an unknown version", async () => {
    const stack = await withRules("rules-422b", [beta]);
    expect(await expectError(await api("POST", rulesPath(stack), { body: { name: "x", before: "ghost" } }), 422, "invalid")).toBe(`before: ${stack}/svc has no rule 'ghost'`);
    await expectError(await api("POST", rulesPath(stack), { body: { name: "x", mirror: { version: "v7" } } }), 422, "invalid");
  });
});

describe("history and rollback", () => {
  it("a rule change is a history entry with before and after; rollback restores rules and their slot tables byte for byte", async () => {
    const stack = await withRules("rules-hist", [{ name: "split", weights: { v3: 10, v0: 90 } }]);
    const slotsAt10 = await storedSlots(stack);
    await json(await api("PUT", rulesPath(stack), { body: { rules: [{ name: "split", weights: { v3: 60, v0: 40 } }, beta] } }));
    expect(await storedSlots(stack)).not.toBe(slotsAt10);
    const history = await json(await api("GET", `/v1/history?service=${stack}/svc`));
    const last = history.entries.at(-1);
    expect(last.operation).toBe("rules");
    expect(last.summary).toBe(`rules ${stack}/svc: split, beta`);
    expect(last.before.rules).toEqual([{ name: "split", weights: { v3: 10, v0: 90 } }]);
    expect(last.after.rules.map((r: { name: string }) => r.name)).toEqual(["split", "beta"]);

    const rolled = await json(await api("POST", `/v1/services/${stack}/svc/rollback`, { body: {} }));
    expect(rolled.rules).toEqual([{ name: "split", weights: { v3: 10, v0: 90 } }]);
    expect(await storedSlots(stack)).toBe(slotsAt10);
  });

  it("a rule split keeps users sticky across a weight change, and back", async () => {
    const stack = await withRules("rules-sticky", [{ name: "split", weights: { v3: 10, v0: 90 } }]);
    const keys = Array.from({ length: 20_000 }, (_, i) => `user-${i}`);
    const picks = async () => {
      const raw = await env.ROUTES.get(routeKey(`svc.${stack}.weir.localhost`), "json");
      const route = compileRouteRecord(RouteRecord.parse(raw));
      const action = route.rules?.[0].action;
      if (action?.kind !== "split") throw new Error("expected a split");
      return keys.map((k) => route.record.revisions[splitRevision(action, k)].version);
    };
    const at10 = await picks();
    await json(await api("PUT", rulesPath(stack), { body: { rules: [{ name: "split", weights: { v3: 50, v0: 50 } }] } }));
    const at50 = await picks();
    // every user on v3 at 10% is still on v3 at 50%; only v0 users moved, and only to v3
    expect(keys.filter((_, i) => at10[i] === "v3" && at50[i] !== "v3")).toEqual([]);
    const moved = keys.filter((_, i) => at10[i] !== at50[i]).length / keys.length;
    expect(Math.abs(moved - 0.4)).toBeLessThan(0.02);
    await json(await api("PUT", rulesPath(stack), { body: { rules: [{ name: "split", weights: { v3: 10, v0: 90 } }] } }));
    expect(await picks()).toEqual(at10);
  });
});

describe("stack file", () => {
  it("export then apply round-trips rules losslessly; a changed file's dry run shows the rule diff", async () => {
    const rules = [
      beta,
      { name: "api", match: { path: { prefix: "/api/" }, methods: ["GET"] }, weights: { v3: 25, v0: 75 }, rewrite: { path: { prefix: "/v2/" } }, timeout: "5s" },
    ];
    const stack = await withRules("rules-file", rules);
    const exported = await api("GET", `/v1/stacks/${stack}`);
    const yaml = await exported.text();
    expect(yaml).toContain("rules:\n    - name: beta");
    const same = await json(await api("PUT", `/v1/stacks/${stack}`, { body: yaml, headers: { "content-type": "application/yaml" } }));
    expect(same.changed).toBe(false);

    const changed = yaml.replace("exact: \"1\"", "exact: \"2\"").replace(/- name: api[\s\S]*$/, "");
    expect(changed).not.toBe(yaml);
    const dry = await json(await api("PUT", `/v1/stacks/${stack}?dry_run=1`, { body: changed, headers: { "content-type": "application/yaml" } }));
    expect(dry.services[0].changes).toEqual([`rule beta: match {"headers":[{"exact":"1","name":"x-beta"}]} → {"headers":[{"exact":"2","name":"x-beta"}]}`, "remove rule api"]);
    expect((await json(await api("GET", rulesPath(stack)))).rules).toEqual(rules);
  });

  it("apply refuses a file whose rule names a version the file does not have (422)", async () => {
    const stack = uniqueStack("rules-file-bad");
    const file = { stack, services: { svc: { origins: [origin("hello")], rules: [{ name: "r", version: "v3" }] } } };
    await expectError(await api("PUT", `/v1/stacks/${stack}`, { body: file }), 422, "invalid");
  });
});

describe("at the edge", () => {
  it("an accepted rule reaches the data plane", async () => {
    const stack = await withRules("rules-edge", [beta]);
    clearRouteCache();
    const hit = await call(`http://svc.${stack}.weir.localhost/`, { headers: { "x-beta": "1" } });
    expect(await hit.text()).toBe("Hello World v3");
    expect(hit.headers.get("weir-rule")).toBe("beta");
    await json(await api("DELETE", `${rulesPath(stack)}/beta`));
    clearRouteCache();
    const miss = await call(`http://svc.${stack}.weir.localhost/`, { headers: { "x-beta": "1" } });
    expect(await miss.text()).toBe("Hello World");
  });
});

describe("rule split tables in history storage", () => {
  const tablesOf = (id: string) =>
    inStore((_s, state) => state.storage.sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM slot_tables WHERE service = ?`, id).one().n);

  it("each change of a split stores one rule table; pruned history takes its rule tables along; kept versions still roll back", async () => {
    const stack = await withRules("rules-store", [{ name: "split", weights: { v3: 10, v0: 90 } }]);
    const id = `${stack}/svc`;
    const at10 = await storedSlots(stack);
    const before = await tablesOf(id);
    for (const p of [20, 30, 40]) await json(await api("PUT", rulesPath(stack), { body: { rules: [{ name: "split", weights: { v3: p, v0: 100 - p } }] } }));
    // the service's own table did not change: one rule table per change
    expect((await tablesOf(id)) - before).toBe(3);
    const entries = (await json(await api("GET", `/v1/history?service=${id}`))).entries;
    const { configVersion: at20 } = entries.at(-3);
    expect(entries.at(-1).after.rules).toEqual([{ name: "split", weights: { v3: 40, v0: 60 } }]);

    await inStore((store) => {
      store.historyKeep = 3;
    });
    try {
      await json(await api("PUT", rulesPath(stack), { body: { rules: [{ name: "split", weights: { v3: 50, v0: 50 } }] } }));
      // only the latest 3 entries are kept: the tables of pruned entries are gone, the kept ones remain
      expect(await tablesOf(id)).toBeLessThanOrEqual(3 + 2);
      const rolled = await json(await api("POST", `/v1/services/${stack}/svc/rollback`, { body: { to: at20 + 1 } }));
      expect(rolled.rules).toEqual([{ name: "split", weights: { v3: 30, v0: 70 } }]);
      await expectError(await api("POST", `/v1/services/${stack}/svc/rollback`, { body: { to: at20 - 1 } }), 410, "gone");
    } finally {
      await inStore((store) => {
        store.historyKeep = 1000;
      });
    }
    expect(at10).not.toBe(await storedSlots(stack));
  });
});
