// Hostile input at the admin API (issue 9, items 9 and 11), each through the real Worker
// and ConfigStore: origins that `new URL()` accepted but no origin should be (control
// characters, whitespace, backslashes, '@', port 0, 100 KB) are refused with the character
// and its place, and accepted ones are stored normalized; If-Match compares strongly; a key
// given twice in a JSON or YAML body is a 400 naming it; a service, revision or weight
// named `__proto__` is a 422 like every bad name, never silently dropped.
import { describe, expect, it } from "vitest";
import { api, currentVersion, expectError, json, origin, run, stage, uniqueStack } from "./helpers.ts";

const port = (name: Parameters<typeof origin>[0]) => new URL(origin(name)).port;

async function applyStack(stack: string, body: string, type = "application/yaml", query = "") {
  return api("PUT", `/v1/stacks/${stack}${query}`, { body, headers: { "content-type": type } });
}

describe("origins (issue 9)", () => {
  const cases: [string, string, string][] = [
    ["a tab", `http://127.0.0.1:${port("hello")}/\tx`, "contains the control character U+0009 at character"],
    ["a newline", `http://127.0.0.1:${port("hello")}/\nx`, "contains the control character U+000A at character"],
    ["an ESC sequence", `http://127.0.0.1:${port("hello")}/\u001b[31mred`, "contains the control character U+001B at character 24"],
    ["a space", `http://127.0.0.1:${port("hello")}/a b`, "contains whitespace (U+0020) at character 25"],
    ["backslashes", "http:\\\\127.0.0.1", "contains a backslash at character 6"],
    ["an empty userinfo", "http://@127.0.0.1", "contains '@' at character 8: an origin carries no userinfo"],
    ["port 0", "http://127.0.0.1:0", "names port 0"],
    ["100 KB", `http://127.0.0.1/${"a".repeat(100_000)}`, "is longer than 2048 characters"],
    ["one slash", "http:/127.0.0.1:9001", "must be written as http://host[:port][/path]"],
  ];

  it.each(cases)("POST /v1/services refuses an origin with %s: 422 naming the character and where", async (_what, bad, reason) => {
    const stack = uniqueStack("orig");
    const message = await expectError(await api("POST", "/v1/services", { body: { name: `${stack}/svc`, origins: [bad] } }), 422, "invalid");
    expect(message).toContain(reason);
    expect(message).toContain("origins.0");
    // the message never carries a raw control character, nor 100 KB
    expect(message).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    expect(message.length).toBeLessThan(400);
    await expectError(await api("GET", `/v1/services/${stack}/svc`), 404, "not_found");
  });

  it("stage and apply refuse them alike; nothing is written", async () => {
    const stack = uniqueStack("orig");
    await run(stack);
    const version = await currentVersion();
    const esc = `http://127.0.0.1:${port("helloV3")}/\u001b]0;owned\u0007`;
    expect(
      await expectError(await api("POST", `/v1/services/${stack}/svc/revisions`, { body: { version: "v3", origins: [esc] } }), 422, "invalid"),
    ).toContain("U+001B");
    const file = JSON.stringify({ stack, services: { svc: { origins: [origin("hello")], revisions: { v3: { origins: ["http://@evil"], weight: 0 } } } } });
    expect(await expectError(await applyStack(stack, file, "application/json"), 422, "invalid")).toContain("services.svc.revisions.v3.origins.0");
    expect(await currentVersion()).toBe(version);
  });

  it("stores the normalized URL, so the API, ps and the stack file show one form", async () => {
    const stack = uniqueStack("norm");
    const typed = `HTTP://127.0.0.1:${port("hello")}/`;
    const view = await run(stack, "svc", typed);
    expect(view.origins).toEqual([origin("hello")]);
    const staged = await stage(stack, "svc", "v3", `http://LOCALHOST:${port("helloV3")}/base/`);
    expect(staged.revisions[0].origins).toEqual([`http://localhost:${port("helloV3")}/base/`]);
    const exported = await json(await api("GET", `/v1/stacks/${stack}`, { headers: { accept: "application/json" } }));
    expect(exported.services.svc.origins).toEqual([origin("hello")]);
  });

  it("export → apply stays lossless, and a file that differs from the store only in an origin's spelling changes nothing", async () => {
    const stack = uniqueStack("norm");
    await run(stack, "svc", origin("hello"));
    await stage(stack, "svc", "v3", origin("helloV3"), 10);
    const version = await currentVersion();
    const yaml = new TextDecoder().decode(await (await api("GET", `/v1/stacks/${stack}`)).arrayBuffer());
    expect(await json(await applyStack(stack, yaml))).toMatchObject({ changed: false });
    const respelled = yaml.replace(origin("hello"), `HTTP://127.0.0.1:${port("hello")}/`).replace(origin("helloV3"), `http://127.0.0.1:${port("helloV3")}/`);
    expect(respelled).not.toBe(yaml);
    const dry = await json(await applyStack(stack, respelled, "application/yaml", "?dry_run=1"));
    expect(dry).toMatchObject({ changed: false, services: [] });
    expect(await json(await applyStack(stack, respelled))).toMatchObject({ changed: false });
    expect(await currentVersion()).toBe(version);
  });
});

describe("If-Match compares strongly (RFC 9110 §13.1.1)", () => {
  it("a weak tag of the current version is well-formed but does not match: 412; a malformed one is 400", async () => {
    const stack = uniqueStack("weak");
    await run(stack);
    await stage(stack, "svc", "v1", origin("helloV2"));
    const current = `"${await currentVersion()}"`;
    const put = (ifMatch: string) => api("PUT", `/v1/services/${stack}/svc/weights`, { body: { weights: { v1: 40 } }, headers: { "if-match": ifMatch } });
    expect(await expectError(await put(`W/${current}`), 412, "precondition_failed")).toContain("If-Match");
    await expectError(await put(`"1", W/${current}`), 412, "precondition_failed");
    for (const malformed of [current.slice(1), "W/42", `"4 2"`, ",", `*, ${current}`, `w/${current}`]) {
      await expectError(await put(malformed), 400, "bad_request");
    }
    // a strong match in a list, with an empty element, still matches
    const ok = await put(`"1", , ${current}`);
    expect(ok.status).toBe(200);
    await ok.arrayBuffer();
  });
});

describe("duplicate keys (issue 9)", () => {
  it("a JSON body with a key given twice is a 400 naming the key, on every JSON route", async () => {
    const stack = uniqueStack("dup");
    await run(stack);
    await stage(stack, "svc", "v3", origin("helloV3"));
    const version = await currentVersion();
    const send = (method: string, path: string, body: string) => api(method, path, { body, headers: { "content-type": "application/json" } });
    expect(await expectError(await send("PUT", `/v1/services/${stack}/svc/weights`, '{"weights": {"v3": 5, "v3": 50}}'), 400, "bad_request")).toBe(
      "body has the key 'v3' twice in weights",
    );
    expect(
      await expectError(await send("POST", "/v1/services", `{"name": "${stack}/b", "origins": ["${origin("hello")}"], "name": "${stack}/c"}`), 400, "bad_request"),
    ).toBe("body has the key 'name' twice at the top level");
    // decoded: "v\u0033" is "v3"
    expect(await expectError(await send("PUT", `/v1/services/${stack}/svc/weights`, '{"weights": {"v3": 5, "v\\u0033": 6}}'), 400, "bad_request")).toContain("'v3' twice");
    const file = `{"stack": "${stack}", "services": {"svc": {"origins": ["${origin("hello")}"], "revisions": {"v3": {"origins": ["${origin("helloV3")}"]}, "v3": {"origins": ["${origin("hello")}"]}}}}}`;
    expect(await expectError(await applyStack(stack, file, "application/json"), 400, "bad_request")).toBe(
      "body has the key 'v3' twice in services.svc.revisions",
    );
    // the same key in different objects, and in arrays, is fine
    const ok = await send("PUT", `/v1/services/${stack}/svc/weights`, '{"weights": {"v3": 5}, "force": false}');
    expect(ok.status).toBe(200);
    await ok.arrayBuffer();
    expect(await currentVersion()).toBe(version + 1);
  });

  it("a YAML stack file with a key given twice is a 400 naming the key and line", async () => {
    const stack = uniqueStack("dup");
    await run(stack);
    const version = await currentVersion();
    const yaml = `stack: ${stack}\nservices:\n  svc:\n    origins: [${origin("hello")}]\n  svc:\n    origins: [${origin("helloV3")}]\n`;
    expect(await expectError(await applyStack(stack, yaml), 400, "bad_request")).toBe("body has the key 'svc' twice in one map (line 5, column 3)");
    expect(await currentVersion()).toBe(version);
  });
});

// Probe (session 2): a few hundred bytes of nested aliases made the yaml package throw,
// and the apply answered 500.
describe("a YAML alias bomb", () => {
  it("is a 400 that changes nothing, and the next apply works", async () => {
    const stack = uniqueStack("bomb");
    await run(stack);
    const version = await currentVersion();
    const levels = ["a: &a [x, x, x, x, x, x, x, x, x, x]"];
    for (let i = 1; i < 8; i++) {
      const [name, prev] = [String.fromCharCode(97 + i), String.fromCharCode(96 + i)];
      levels.push(`${name}: &${name} [${Array(10).fill(`*${prev}`).join(", ")}]`);
    }
    const bomb = `${levels.join("\n")}\nstack: ${stack}\nservices: {}\n`;
    expect(await expectError(await applyStack(stack, bomb), 400, "bad_request")).toBe("body is not valid YAML: its aliases expand too far; write the values out");
    expect(await currentVersion()).toBe(version);
    // a few aliases are fine
    const small = `stack: ${stack}\nservices:\n  svc:\n    origins: &o [${origin("hello")}]\n  other:\n    origins: *o\n`;
    const ok = await applyStack(stack, small);
    expect(ok.status).toBe(200);
    await ok.arrayBuffer();
  });
});

describe("__proto__ as a name (issue 9)", () => {
  it("a service or revision named __proto__ in a stack file is a 422, YAML or JSON, not silently dropped", async () => {
    const stack = uniqueStack("proto");
    await run(stack);
    const version = await currentVersion();
    const service = `stack: ${stack}\nservices:\n  __proto__:\n    origins: [${origin("hello")}]\n`;
    expect(await expectError(await applyStack(stack, service), 422, "invalid")).toContain("services.__proto__: name '__proto__' must be a DNS label");
    const revision = `{"stack": "${stack}", "services": {"svc": {"origins": ["${origin("hello")}"], "revisions": {"__proto__": {"origins": ["${origin("helloV3")}"]}}}}}`;
    expect(await expectError(await applyStack(stack, revision, "application/json"), 422, "invalid")).toContain("services.svc.revisions.__proto__");
    expect(await currentVersion()).toBe(version);
  });

  it('{"weights": {"__proto__": 5}} is a 422 naming the key', async () => {
    const stack = uniqueStack("proto");
    await run(stack);
    const res = await api("PUT", `/v1/services/${stack}/svc/weights`, { body: '{"weights": {"__proto__": 5}}', headers: { "content-type": "application/json" } });
    expect(await expectError(res, 422, "invalid")).toContain("weights.__proto__: name '__proto__' must be a DNS label");
  });
});
