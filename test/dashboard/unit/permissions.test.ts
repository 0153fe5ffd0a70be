/** Who is signed in and which writes the dashboard greys out (DESIGN §11). */
import { describe, expect, it } from "vitest";
import { describeIdentity, identityFrom, writeDenial, type Identity } from "../../../dashboard/client/permissions.js";

const token = (role: Identity["role"], stacks: string[]): Identity => ({ name: "ci", role, stacks, expiresAt: null });
/** what GET /v1/whoami answers for ADMIN_TOKEN */
const ROOT: Identity = { name: "root", role: "admin", stacks: ["*"], expiresAt: null };

describe("identityFrom", () => {
  it("is what /v1/whoami says when it answers", () => {
    expect(identityFrom({ name: "ci-test", role: "viewer", stacks: ["test"], expiresAt: "2026-07-01T00:00:00.000Z" })).toEqual({
      name: "ci-test",
      role: "viewer",
      stacks: ["test"],
      expiresAt: "2026-07-01T00:00:00.000Z",
    });
    expect(identityFrom({ name: "root", role: "admin", stacks: ["*"] }).expiresAt).toBeNull();
  });
  it("refuses an answer that is not an identity rather than guess rights", () => {
    for (const body of [null, {}, { name: "x", role: "owner", stacks: [] }, { name: "x", role: "admin" }]) {
      expect(() => identityFrom(body), JSON.stringify(body)).toThrow(/not an identity/);
    }
  });
});

describe("writeDenial", () => {
  it("lets the root token, admins and deployers change the stacks they cover", () => {
    expect(writeDenial(ROOT, "prod")).toBeNull();
    expect(writeDenial(token("admin", ["*"]), "prod")).toBeNull();
    expect(writeDenial(token("deployer", ["test", "prod"]), "prod")).toBeNull();
  });
  it("says why a viewer, or a token outside its stacks, may not", () => {
    expect(writeDenial(token("viewer", ["*"]), "test")).toBe("Token ci is a viewer: it can look but not change anything");
    expect(writeDenial(token("deployer", ["test"]), "prod")).toBe("Token ci may only change stack test, not stack prod");
    expect(writeDenial(token("admin", ["a", "b"]), "prod")).toBe("Token ci may only change stacks a, b, not stack prod");
  });
});

it("describes the identity for the header", () => {
  expect(describeIdentity(ROOT)).toBe("root · admin · every stack");
  expect(describeIdentity(token("viewer", ["test"]))).toBe("ci · viewer · stack test");
});
