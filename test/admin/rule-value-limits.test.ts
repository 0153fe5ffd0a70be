// Rule and weight values found by the rules/health probe (probe-a), through the real Worker
// and ConfigStore: each refusal is a 422 naming the rule and field, and changes nothing.
import { describe, expect, it } from "vitest";
import { api, currentVersion, expectError, origin, run, stage, uniqueStack } from "./helpers.ts";

async function service() {
  const stack = uniqueStack("prules");
  await run(stack);
  await stage(stack, "svc", "v3", origin("helloV3"));
  return { stack, rules: `/v1/services/${stack}/svc/rules` };
}

describe("percentages take two decimals (DESIGN §10, §8)", () => {
  it("1e-9 is not a percent with two decimals: rule weights, mirror and fault percents, service weights", async () => {
    const { stack, rules } = await service();
    const version = await currentVersion();
    const bodies: [unknown, string][] = [
      [{ name: "w", weights: { v3: 1e-9, v0: 99.999999999 } }, "rule 'w': weights.v3: must have at most two decimals"],
      [{ name: "m", mirror: { version: "v3", percent: 1e-9 } }, "rule 'm': mirror.percent: must have at most two decimals"],
      [{ name: "f", fault: { abort: { status: 503, percent: 1e-9 } } }, "rule 'f': fault.abort.percent: must have at most two decimals"],
    ];
    for (const [body, message] of bodies) expect(await expectError(await api("POST", rules, { body }), 422, "invalid")).toContain(message);
    expect(await expectError(await api("PUT", `/v1/services/${stack}/svc/weights`, { body: { weights: { v3: 1e-9 } } }), 422, "invalid")).toContain(
      "weights.v3: must have at most two decimals",
    );
    expect(await currentVersion()).toBe(version);
  });
});

describe("rule values the probe found accepted", () => {
  it("retries.on is bounded and lists each condition once (10,000 entries were stored in every route record)", async () => {
    const { rules } = await service();
    const version = await currentVersion();
    const many = await expectError(await api("POST", rules, { body: { name: "r", retries: { attempts: 2, on: Array(10_000).fill("503") } } }), 422, "invalid");
    expect(many).toContain("rule 'r': retries.on: lists 10000 conditions; at most 16");
    expect(many.length).toBeLessThan(2000);
    expect(await expectError(await api("POST", rules, { body: { name: "r", retries: { attempts: 2, on: ["503", "502", "503"] } } }), 422, "invalid")).toContain(
      "rule 'r': retries.on[2]: '503' is listed twice",
    );
    expect(await currentVersion()).toBe(version);
  });

  it.each([
    ["redirect", { redirect: { host: "new.example.com:0" } }, "redirect.host: 'new.example.com:0' names port 0; a port is 1–65535"],
    ["redirect", { redirect: { host: "new.example.com:70000" } }, "redirect.host: 'new.example.com:70000' names port 70000"],
    ["rewrite", { rewrite: { host: "api.internal:99999" } }, "rewrite.host: 'api.internal:99999' names port 99999"],
  ])("a %s host with a port outside 1–65535 is a 422", async (_what, fields, message) => {
    const { rules } = await service();
    expect(await expectError(await api("POST", rules, { body: { name: "h", ...fields } }), 422, "invalid")).toContain(`rule 'h': ${message}`);
  });

  it("a port in range is still fine", async () => {
    const { rules } = await service();
    const res = await api("POST", rules, { body: { name: "h", redirect: { host: "new.example.com:65535" } } });
    expect(res.status, await res.clone().text()).toBe(201);
    await res.arrayBuffer();
  });

  it.each([204, 205, 304])("respond %i with a body is a 422 (the body was silently dropped)", async (status) => {
    const { rules } = await service();
    expect(await expectError(await api("POST", rules, { body: { name: "s", respond: { status, body: "nope" } } }), 422, "invalid")).toContain(
      `rule 's': respond.body: a ${status} response has no body`,
    );
    const res = await api("POST", rules, { body: { name: "s", respond: { status } } });
    expect(res.status, await res.clone().text()).toBe(201);
    await res.arrayBuffer();
  });

  it("a mirror to the version the rule already routes to is a 422 (each request went to it twice)", async () => {
    const { rules } = await service();
    expect(await expectError(await api("POST", rules, { body: { name: "m", version: "v3", mirror: { version: "v3", percent: 100 } } }), 422, "invalid")).toContain(
      "rule 'm': mirror.version: 'v3' already serves this rule's traffic",
    );
  });
});

describe("error messages stay short whatever the body (a 1 MiB body once made an 8 MB 422)", () => {
  const big = "X".repeat(60_000);
  it.each<[string, unknown, string]>([
    ["a 60 KB name with 16 bad conditions", { name: big, match: { headers: Array.from({ length: 16 }, () => ({ name: "a b", exact: "1" })) } }, `rule '${"X".repeat(64)}…': name: must be a DNS label`],
    ["a 900 KB version", { name: "v", version: "V".repeat(900_000) }, `rule 'v': version: '${"V".repeat(64)}…' is not a version name`],
    ["a 900 KB timeout", { name: "t", timeout: "1".repeat(900_000) }, `rule 't': timeout: '${"1".repeat(64)}…' is not a duration`],
    ["100,000 countries", { name: "c", match: { countries: Array(100_000).fill("zz") } }, "rule 'c': match.countries: lists 1–64 countries"],
    ["100,000 methods", { name: "c", match: { methods: Array(100_000).fill("get") } }, "rule 'c': match.methods: lists 1–16 methods"],
  ])("POST of %s: a 422 under 5,000 characters naming the first problems", async (_what, body, first) => {
    const { rules } = await service();
    const message = await expectError(await api("POST", rules, { body }), 422, "invalid");
    expect(message).toContain(first);
    expect(message.length).toBeLessThan(5000);
  });

  it("PUT of 5,000 bad rules lists ten problems and counts the rest", async () => {
    const { rules } = await service();
    const body = { rules: Array.from({ length: 5000 }, (_, i) => ({ name: `R${i}`, version: "BAD" })) };
    const message = await expectError(await api("PUT", rules, { body }), 422, "invalid");
    expect(message).toMatch(/; and \d+ more problems$/);
    expect(message.length).toBeLessThan(5000);
  });

  it("a 900 KB `before` is quoted short", async () => {
    const { rules } = await service();
    const message = await expectError(await api("POST", rules, { body: { name: "b", before: "b".repeat(900_000) } }), 422, "invalid");
    expect(message).toBe(`before: ${rules.split("/").slice(3, 5).join("/")} has no rule '${"b".repeat(64)}…'`);
  });
});

describe("regexes that compile but cannot mean what they say", () => {
  it.each(["^/\\p{L}+$", "\\P{Lu}", "^/\\u{1F600}"])("%s needs the u flag: a 422 (it was accepted and matched the literal text)", async (regex) => {
    const { rules } = await service();
    expect(await expectError(await api("POST", rules, { body: { name: "u", match: { path: { regex } }, respond: { status: 200 } } }), 422, "invalid")).toContain(
      "rule 'u': match.path.regex: uses \\",
    );
  });

  it("an escaped backslash before p{ is fine", async () => {
    const { rules } = await service();
    const res = await api("POST", rules, { body: { name: "u", match: { headers: [{ name: "x-a", regex: "^\\\\p\\{" }] }, respond: { status: 200 } } });
    expect(res.status, await res.clone().text()).toBe(201);
    await res.arrayBuffer();
  });
});

describe("the size of a service's rules (SQLite refuses a value over 2 MB)", () => {
  const snowmen = "☃".repeat(16_384); // 48 KiB as UTF-8
  const rule = (i: number) => ({ name: `r${i}`, match: { path: { exact: `/r${i}` } }, respond: { status: 200, body: snowmen } });

  it("rules added one by one stop with a 422 at 512 KiB, never a 500; what is stored can still change", async () => {
    const { stack, rules } = await service();
    let refused: Response | undefined;
    for (let i = 0; i < 50 && refused === undefined; i++) {
      const res = await api("POST", rules, { body: rule(i) });
      if (res.status === 201) await res.arrayBuffer();
      else refused = res;
    }
    expect(refused, "one POST was refused").toBeDefined();
    const version = await currentVersion();
    expect(await expectError(refused as Response, 422, "invalid")).toContain(`the rules of ${stack}/svc would take`);
    const stored = (await (await api("GET", rules)).json()) as { rules: unknown[] };
    expect(stored.rules.length).toBe(10);
    const del = await api("DELETE", `${rules}/r0`);
    expect(del.status, await del.clone().text()).toBe(200);
    await del.arrayBuffer();
    expect(await currentVersion()).toBe(version + 1);
  });

  it("a PUT or a stack file over the limit is a 422 and changes nothing", async () => {
    const { stack, rules } = await service();
    const version = await currentVersion();
    const list = Array.from({ length: 11 }, (_, i) => rule(i));
    expect(await expectError(await api("PUT", rules, { body: { rules: list } }), 422, "invalid")).toContain("a service's rules take at most 512 KiB");
    const file = { stack, services: { svc: { origins: [origin("hello")], rules: list } } };
    expect(await expectError(await api("PUT", `/v1/stacks/${stack}`, { body: file }), 422, "invalid")).toContain("at most 512 KiB");
    expect(await currentVersion()).toBe(version);
  });
});

describe("respond bodies are text", () => {
  it("half a surrogate pair is a 422 (it was served as invalid UTF-8); a whole pair is fine", async () => {
    const { rules } = await service();
    expect(await expectError(await api("POST", rules, { body: '{"name":"s","respond":{"status":200,"body":"a\\ud800b"}}', headers: { "content-type": "application/json" } }), 422, "invalid")).toContain(
      "rule 's': respond.body: character 2 is half of a UTF-16 surrogate pair",
    );
    expect(await expectError(await api("POST", rules, { body: '{"name":"s","respond":{"status":200,"body":"\\udc00"}}', headers: { "content-type": "application/json" } }), 422, "invalid")).toContain(
      "character 1 is half",
    );
    const res = await api("POST", rules, { body: { name: "s", respond: { status: 200, body: "☃ 😀" } } });
    expect(res.status, await res.clone().text()).toBe(201);
    await res.arrayBuffer();
  });
});
