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
