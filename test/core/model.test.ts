import { describe, expect, it } from "vitest";
import {
  Affinity,
  CreateServiceBody,
  DnsLabel,
  OriginUrl,
  Origins,
  Percent,
  primaryWeight,
  ServiceId,
  StackFile,
  StageRevisionBody,
  WeightsBody,
} from "../../core/model.ts";

function messages(result: { success: boolean; error?: { issues: { message: string }[] } }): string {
  return result.error?.issues.map((i) => i.message).join("; ") ?? "";
}

describe("DnsLabel", () => {
  it.each(["a", "svc", "v3", "my-service", "0", "a".repeat(63)])("accepts %j", (label) => {
    expect(DnsLabel.safeParse(label).success).toBe(true);
  });

  it.each(["", "-svc", "svc-", "Svc", "my_svc", "my.svc", "a".repeat(64), "ü"])("refuses %j with a reason", (label) => {
    const result = DnsLabel.safeParse(label);
    expect(result.success).toBe(false);
    expect(messages(result)).toMatch(/DNS label/);
  });
});

describe("ServiceId", () => {
  it("accepts stack/name of DNS labels only", () => {
    expect(ServiceId.safeParse("test/svc").success).toBe(true);
    for (const bad of ["svc", "test/", "/svc", "test/svc/x", "Test/svc", "test/my_svc"]) {
      expect(ServiceId.safeParse(bad).success, bad).toBe(false);
    }
  });
});

describe("Affinity", () => {
  it.each(["cookie", "ip", "none", "header:X-User-Id", "header:x-session"])("accepts %j", (a) => {
    expect(Affinity.safeParse(a).success).toBe(true);
  });

  it.each(["", "Cookie", "hash", "header:", "header:Bad Name", "header:a:b", "ip:x"])("refuses %j", (a) => {
    const result = Affinity.safeParse(a);
    expect(result.success).toBe(false);
    expect(messages(result)).toMatch(/'cookie', 'header:<Name>', 'ip' or 'none'/);
  });
});

describe("OriginUrl", () => {
  it.each(["http://127.0.0.1:9001", "https://origin.example.com", "http://[::1]:8080/base/path"])("accepts %j", (u) => {
    expect(OriginUrl.safeParse(u).success).toBe(true);
  });

  it.each([
    ["127.0.0.1:9001", /must use http: or https:|not an absolute URL/],
    ["/relative", /not an absolute URL/],
    ["", /not an absolute URL/],
    ["ftp://files.example.com", /must use http: or https:/],
    ["ws://127.0.0.1:9001", /must use http: or https:/],
    ["http://user:secret@127.0.0.1:9001", /userinfo/],
    ["http://user@127.0.0.1:9001", /userinfo/],
    ["http://127.0.0.1:9001/#top", /fragment/],
    ["http://127.0.0.1:9001/#", /fragment/],
    ["http://127.0.0.1:9001/?a=1", /query/],
  ])("refuses %j, naming why", (u, reason) => {
    const result = OriginUrl.safeParse(u);
    expect(result.success).toBe(false);
    expect(messages(result)).toMatch(reason);
  });

  it.each([
    ["http://127.0.0.1:9001/\tx", "'http://127.0.0.1:9001/\\u0009x' contains the control character U+0009 at character 23"],
    ["http://h/\u001b[2J", "contains the control character U+001B at character 10"],
    ["http://h/\u009b", "contains the control character U+009B"],
    ["http://h/\u202e", "contains the invisible formatting character U+202E"],
    ["http://h/a\u00a0b", "contains whitespace (U+00A0) at character 11"],
    [" http://h", "contains whitespace (U+0020) at character 1"],
    ["http:\\\\h", "contains a backslash at character 6"],
    ["http://@h", "contains '@' at character 8: an origin carries no userinfo"],
    ["http://h:0", "names port 0"],
    ["http://h:000/", "names port 0"],
    ["http:/h", "must be written as http://host[:port][/path]"],
    ["http:///h", "must be written as http://host[:port][/path]"],
    ["http://h/?", "must not carry a query"],
    [`http://h/${"a".repeat(2040)}`, "is longer than 2048 characters"],
  ])("refuses %j, saying which character and where (issue 9)", (u, reason) => {
    const result = OriginUrl.safeParse(u);
    expect(result.success).toBe(false);
    expect(messages(result)).toContain(reason);
    expect(messages(result)).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202e]/);
  });

  it("normalizes what it accepts: the stored form is one spelling per origin", () => {
    const parse = (u: string) => OriginUrl.parse(u);
    expect(parse("http://127.0.0.1:9001")).toBe("http://127.0.0.1:9001");
    expect(parse("HTTP://127.0.0.1:9001/")).toBe("http://127.0.0.1:9001");
    expect(parse("https://Origin.Example.COM:443/")).toBe("https://origin.example.com");
    expect(parse("http://[::1]:8080/base/path")).toBe("http://[::1]:8080/base/path");
    expect(parse("http://h/base/")).toBe("http://h/base/");
    expect(parse("http://exämple.com/ü")).toBe("http://xn--exmple-cua.com/%C3%BC");
    expect(parse(`http://h/${"a".repeat(2030)}`)).toHaveLength(2039);
    // idempotent
    for (const u of ["http://h/base/", "http://xn--exmple-cua.com/%C3%BC"]) expect(parse(parse(u))).toBe(parse(u));
  });

  it("needs between 1 and 16 origins", () => {
    expect(Origins.safeParse([]).success).toBe(false);
    expect(Origins.safeParse(Array.from({ length: 17 }, (_, i) => `http://127.0.0.1:${9000 + i}`)).success).toBe(false);
    expect(Origins.safeParse(["http://127.0.0.1:9001", "http://127.0.0.1:9002"]).success).toBe(true);
  });
});

describe("Percent", () => {
  it.each([0, 0.5, 0.01, 12.25, 33.33, 50, 99.99, 100])("accepts %d", (p) => {
    expect(Percent.safeParse(p).success).toBe(true);
  });

  it.each([
    [12.345, /two decimals/],
    [0.001, /two decimals/],
    [-1, /between 0 and 100/],
    [100.01, /between 0 and 100/],
    [Number.NaN, /./],
    [Number.POSITIVE_INFINITY, /./],
  ])("refuses %d", (p, reason) => {
    const result = Percent.safeParse(p);
    expect(result.success).toBe(false);
    expect(messages(result)).toMatch(reason);
  });

  it("refuses a percent given as text", () => {
    expect(Percent.safeParse("50").success).toBe(false);
  });
});

describe("request bodies", () => {
  it("fills the defaults of a new service and refuses unknown fields", () => {
    const body = CreateServiceBody.parse({ name: "test/svc", origins: ["http://127.0.0.1:9001"] });
    expect(body).toMatchObject({ version: "v0", affinity: "cookie", revisionHeader: true });
    expect(CreateServiceBody.safeParse({ name: "test/svc", origins: ["http://127.0.0.1:9001"], weight: 5 }).success).toBe(false);
  });

  it("stages at 0 % unless told otherwise", () => {
    expect(StageRevisionBody.parse({ version: "v3", origins: ["http://127.0.0.1:9003"] }).weight).toBe(0);
  });

  it("needs at least one weight, each a percent", () => {
    expect(WeightsBody.safeParse({ weights: {} }).success).toBe(false);
    expect(WeightsBody.safeParse({ weights: { v3: 150 } }).success).toBe(false);
    expect(WeightsBody.safeParse({ weights: { V3: 10 } }).success).toBe(false);
    expect(WeightsBody.parse({ weights: { v3: 12.5 }, duration: "10m" }).weights).toEqual({ v3: 12.5 });
  });

  it("parses the stack file of DESIGN §6 with its defaults", () => {
    const file = StackFile.parse({
      stack: "test",
      services: { svc: { origins: ["http://127.0.0.1:9001"], revisions: { v3: { origins: ["http://127.0.0.1:9003"], weight: 50 } } } },
    });
    expect(file.services.svc).toMatchObject({ version: "v0", affinity: "cookie" });
    expect(file.services.svc.revisions.v3.weight).toBe(50);
    expect(StackFile.safeParse({ stack: "test", services: { svc: { origins: [] } } }).success).toBe(false);
  });
});

describe("primaryWeight", () => {
  it("is the remainder after the staged revisions", () => {
    expect(primaryWeight({ revisions: [] })).toBe(10_000);
    const r = (weight: number) => ({ version: "v", origins: ["http://x"], weight, createdAt: "" });
    expect(primaryWeight({ revisions: [r(2500), r(1000)] })).toBe(6500);
  });
});
