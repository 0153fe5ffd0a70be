// Hostile bodies found by the rules/health probe (probe-a), through the real Worker and
// ConfigStore: a JSON body nested 100,000 levels deep exhausted the isolate's memory and took
// `wrangler dev` down; it is a 400 that changes nothing. (The YAML alias bomb the probe also
// found is covered by test/admin/hostile-input.test.ts.)
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
