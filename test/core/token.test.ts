// core/token (DESIGN §11): the create body, the secret's format and token lifetimes.
import { describe, expect, it } from "vitest";
import { WeirError } from "../../core/errors.ts";
import { CreateTokenBody, formatSecret, SECRET_PATTERN, tokenExpiry } from "../../core/token.ts";

describe("CreateTokenBody", () => {
  it("takes a DNS-label name, a role, stacks or '*', and an optional lifetime", () => {
    expect(CreateTokenBody.parse({ name: "ci-test", role: "deployer", stacks: ["test"], expires: "90d" })).toEqual({
      name: "ci-test",
      role: "deployer",
      stacks: ["test"],
      expires: "90d",
    });
    expect(CreateTokenBody.parse({ name: "ops", role: "admin", stacks: ["*"] }).stacks).toEqual(["*"]);
  });

  it.each([
    [{ name: "Bad_Name", role: "viewer", stacks: ["test"] }, "name"],
    [{ name: "root", role: "admin", stacks: ["*"] }, "'root' is the name of ADMIN_TOKEN"],
    [{ name: "x", role: "owner", stacks: ["test"] }, "role"],
    [{ name: "x", role: "viewer", stacks: [] }, "name at least one stack"],
    [{ name: "x", role: "viewer", stacks: ["*", "test"] }, "give it alone"],
    [{ name: "x", role: "viewer", stacks: ["test", "test"] }, "names a stack twice"],
    [{ name: "x", role: "viewer", stacks: ["Prod"] }, "must be '*' or a stack name"],
    [{ name: "x", role: "viewer", stacks: ["test"], secret: "mine" }, "secret"],
    [{ name: "x", role: "viewer" }, "stacks"],
  ])("refuses %j", (body, message) => {
    const result = CreateTokenBody.safeParse(body);
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error?.issues)).toContain(message);
  });
});

describe("formatSecret", () => {
  it("is weir_ and 32 bytes of base64url, unpadded", () => {
    const bytes = new Uint8Array(32).map((_, i) => (i * 37 + 251) & 0xff);
    const secret = formatSecret(bytes);
    expect(secret).toMatch(SECRET_PATTERN);
    expect(secret).toHaveLength(5 + 43);
    const b64 = secret.slice(5).replace(/-/g, "+").replace(/_/g, "/") + "=";
    expect(Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))).toEqual(bytes);
    // bytes that encode to '+' and '/' in plain base64 come out as '-' and '_'
    expect(formatSecret(new Uint8Array(32).fill(0xff))).toBe(`weir_${"_".repeat(42)}8`);
    expect(formatSecret(new Uint8Array(32).fill(0xfb))).toMatch(/^weir_[-_+\w]+$/);
    expect(formatSecret(new Uint8Array(32).fill(0xfb))).not.toMatch(/[+/=]/);
  });

  it("refuses anything but 32 bytes", () => {
    expect(() => formatSecret(new Uint8Array(16))).toThrow("32 random bytes");
  });
});

describe("tokenExpiry", () => {
  const now = Date.parse("2026-05-01T00:00:00.000Z");

  it("adds the lifetime to now; none means never", () => {
    expect(tokenExpiry("90d", now)).toBe("2026-07-30T00:00:00.000Z");
    expect(tokenExpiry("12h", now)).toBe("2026-05-01T12:00:00.000Z");
    expect(tokenExpiry(undefined, now)).toBeNull();
  });

  it("400 for a lifetime that does not parse, 422 for one out of range", () => {
    const code = (text: string) => {
      try {
        tokenExpiry(text, now);
      } catch (e) {
        return [(e as WeirError).code, (e as WeirError).message];
      }
      return undefined;
    };
    expect(code("forever")).toEqual(["bad_request", "expires 'forever' does not parse: write a duration like '12h', '30d' or '90d'"]);
    expect(code("0s")).toEqual(["invalid", "expires 0s must be between 1s and 3650d"]);
    expect(code("3651d")?.[0]).toBe("invalid");
  });
});
