// core/access (DESIGN §11): role order, stack scopes, the 403 message, and the rule that a
// token never mints one with more rights than its own.
import { describe, expect, it } from "vitest";
import { accessProblem, coversStack, grantProblem, hasRole, ROLES, ROOT, type Principal, type Role } from "../../core/access.ts";

const token = (role: Role, stacks: string[], expiresAt: string | null = null, name = "t"): Principal => ({ name, role, stacks, expiresAt });

describe("roles and scopes", () => {
  it("orders viewer < deployer < admin", () => {
    expect(ROLES).toEqual(["viewer", "deployer", "admin"]);
    const table = ROLES.map((have) => ROLES.map((need) => hasRole({ role: have }, need)));
    expect(table).toEqual([
      [true, false, false],
      [true, true, false],
      [true, true, true],
    ]);
  });

  it("'*' covers every stack, a list only its own", () => {
    expect(coversStack(["*"], "prod")).toBe(true);
    expect(coversStack(["test", "dev"], "dev")).toBe(true);
    expect(coversStack(["test"], "prod")).toBe(false);
    expect(coversStack([], "test")).toBe(false);
  });
});

describe("accessProblem", () => {
  it("allows a role at or above the need, on a stack in scope", () => {
    expect(accessProblem(token("deployer", ["test"]), { role: "viewer", stack: "test", what: "GET x" })).toBeUndefined();
    expect(accessProblem(token("deployer", ["test"]), { role: "deployer", stack: "test", what: "PUT x" })).toBeUndefined();
    expect(accessProblem(token("viewer", ["*"]), { role: "viewer", stack: "anything", what: "GET x" })).toBeUndefined();
    // lists need only the role: their rows are filtered to the scope
    expect(accessProblem(token("viewer", ["test"]), { role: "viewer", what: "GET /v1/services" })).toBeUndefined();
    expect(accessProblem(ROOT, { role: "admin", allStacks: true, what: "POST /v1/tokens" })).toBeUndefined();
  });

  it("names the token, its role and scope, what was asked and what it needs", () => {
    expect(accessProblem(token("viewer", ["test"], null, "dash"), { role: "deployer", stack: "test", what: "PUT /v1/stacks/test" })).toBe(
      "token 'dash' (viewer on stack test) cannot PUT /v1/stacks/test: that needs deployer on stack 'test'",
    );
    expect(accessProblem(token("deployer", ["a", "b"], null, "ci"), { role: "deployer", stack: "prod", what: "PUT /v1/stacks/prod" })).toBe(
      "token 'ci' (deployer on stacks a, b) cannot PUT /v1/stacks/prod: that needs deployer on stack 'prod'",
    );
    expect(accessProblem(token("admin", ["test"], null, "ops"), { role: "admin", allStacks: true, what: "GET /v1/tokens" })).toBe(
      "token 'ops' (admin on stack test) cannot GET /v1/tokens: that needs admin on every stack",
    );
    expect(accessProblem(token("viewer", ["*"], null, "v"), { role: "admin", what: "POST /v1/domains" })).toBe(
      "token 'v' (viewer on every stack) cannot POST /v1/domains: that needs admin",
    );
  });
});

describe("grantProblem: no more rights than your own", () => {
  const inAnHour = new Date(Date.now() + 3_600_000).toISOString();
  const inADay = new Date(Date.now() + 86_400_000).toISOString();

  it("root grants anything", () => {
    expect(grantProblem(ROOT, { role: "admin", stacks: ["*"], expiresAt: null })).toBeUndefined();
  });

  it("refuses a higher role", () => {
    expect(grantProblem(token("deployer", ["*"], null, "ci"), { role: "admin", stacks: ["test"], expiresAt: null })).toBe(
      "token 'ci' (deployer on every stack) cannot create a token with role admin: that is more than its own role deployer",
    );
    expect(grantProblem(token("deployer", ["*"]), { role: "deployer", stacks: ["test"], expiresAt: null })).toBeUndefined();
    expect(grantProblem(token("deployer", ["*"]), { role: "viewer", stacks: ["test"], expiresAt: null })).toBeUndefined();
  });

  it("refuses stacks outside the granter's scope, '*' included", () => {
    const scoped = token("admin", ["test", "dev"], null, "ops");
    expect(grantProblem(scoped, { role: "viewer", stacks: ["test"], expiresAt: null })).toBeUndefined();
    expect(grantProblem(scoped, { role: "viewer", stacks: ["test", "prod", "live"], expiresAt: null })).toBe(
      "token 'ops' (admin on stacks test, dev) cannot create a token for stacks prod, live: that is outside its own scope",
    );
    expect(grantProblem(scoped, { role: "viewer", stacks: ["*"], expiresAt: null })).toContain("cannot create a token for every stack");
  });

  it("refuses a token that would outlive an expiring granter", () => {
    const expiring = token("admin", ["*"], inADay, "temp");
    expect(grantProblem(expiring, { role: "admin", stacks: ["*"], expiresAt: inAnHour })).toBeUndefined();
    expect(grantProblem(expiring, { role: "admin", stacks: ["*"], expiresAt: inADay })).toBeUndefined();
    expect(grantProblem(expiring, { role: "viewer", stacks: ["*"], expiresAt: null })).toContain("cannot create a token that outlives it");
    expect(grantProblem(token("admin", ["*"], inAnHour), { role: "viewer", stacks: ["*"], expiresAt: inADay })).toContain("outlives");
  });
});
