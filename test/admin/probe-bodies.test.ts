// Hostile bodies found by the rules/health probe (probe-a), each through the real Worker and
// ConfigStore: a JSON body nested 100,000 levels deep (it exhausted the isolate's memory and
// took `wrangler dev` down), and a YAML stack file whose aliases expand past the yaml
// library's limit (a 500). Both are 400s that change nothing.
import { describe, expect, it } from "vitest";
import { api, currentVersion, expectError, run, uniqueStack } from "./helpers.ts";

const sendJson = (method: string, path: string, body: string) => api(method, path, { body, headers: { "content-type": "application/json" } });

describe("deeply nested JSON bodies", () => {
  it("a rules body nested past 32 levels is a 400 saying so; nothing is written", async () => {
    const stack = uniqueStack("deep");
    await run(stack);
    const version = await currentVersion();
    const nested = (depth: number) => `{"rules":[{"name":"x","match":${'{"a":'.repeat(depth)}1${"}".repeat(depth)}}]}`;
    const message = await expectError(await sendJson("PUT", `/v1/services/${stack}/svc/rules`, nested(40)), 400, "bad_request");
    expect(message).toBe("body nests objects and arrays deeper than 32 levels (at rules.0.match.a…)");
    // the body that crashed the server: ~500 KB, 100,000 levels
    expect(await expectError(await sendJson("PUT", `/v1/services/${stack}/svc/rules`, nested(100_000)), 400, "bad_request")).toContain("deeper than 32 levels");
    const arrays = `{"rules":${"[".repeat(200_000)}${"]".repeat(200_000)}}`;
    expect(await expectError(await sendJson("POST", `/v1/services/${stack}/svc/rules`, arrays), 400, "bad_request")).toContain("deeper than 32 levels");
    expect(await expectError(await sendJson("PUT", `/v1/stacks/${stack}`, arrays), 400, "bad_request")).toContain("deeper than 32 levels");
    expect(await currentVersion()).toBe(version);
  });

  it("an ordinary deep body (a stack file with rules) still passes", async () => {
    const stack = uniqueStack("deep");
    const view = await run(stack);
    const file = {
      stack,
      services: { svc: { version: "v0", origins: view.origins, rules: [{ name: "beta", match: { headers: [{ name: "x-beta", exact: "1" }] }, respond: { status: 200 } }] } },
    };
    const res = await sendJson("PUT", `/v1/stacks/${stack}`, JSON.stringify(file));
    expect(res.status, await res.clone().text()).toBe(200);
    await res.arrayBuffer();
  });
});

describe("YAML aliases", () => {
  it("a stack file whose aliases expand past the limit ('billion laughs') is a 400, not a 500", async () => {
    const stack = uniqueStack("laughs");
    await run(stack);
    const version = await currentVersion();
    const levels = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"];
    for (const [prev, name] of [["a", "b"], ["b", "c"], ["c", "d"], ["d", "e"], ["e", "f"]]) levels.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(", ")}]`);
    const yaml = `${levels.join("\n")}\nstack: ${stack}\nservices: {}\n`;
    const res = await api("PUT", `/v1/stacks/${stack}`, { body: yaml, headers: { "content-type": "application/yaml" } });
    expect(await expectError(res, 400, "bad_request")).toMatch(/^body is not valid YAML: .*alias/i);
    expect(await currentVersion()).toBe(version);
  });
});
