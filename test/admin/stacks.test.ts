// Stack files (DESIGN §6): export as YAML (exact shape) or JSON, declarative apply with
// dry run and prune, and the lossless round trip that adds no config version.
import { describe, expect, it } from "vitest";
import { api, currentVersion, expectError, json, origin, run, stage, uniqueStack } from "./helpers.ts";

async function exportYaml(stack: string): Promise<string> {
  const res = await api("GET", `/v1/stacks/${stack}`);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toContain("application/yaml");
  return new TextDecoder().decode(await res.arrayBuffer());
}

async function apply(stack: string, body: string, query = "", type = "application/yaml") {
  return api("PUT", `/v1/stacks/${stack}${query}`, { body, headers: { "content-type": type } });
}

describe("GET /v1/stacks/{stack} (export)", () => {
  it("is YAML in exactly the DESIGN §6 shape", async () => {
    const stack = uniqueStack("export");
    await run(stack);
    await stage(stack, "svc", "v3", origin("helloV3"), 50);
    expect(await exportYaml(stack)).toBe(
      [
        `stack: ${stack}`,
        "services:",
        "  svc:",
        "    version: v0",
        "    origins:",
        `    - ${origin("hello")}`,
        "    affinity: cookie",
        "    revisions:",
        "      v3:",
        "        origins:",
        `        - ${origin("helloV3")}`,
        "        weight: 50",
        "",
      ].join("\n"),
    );
  });

  it("is JSON with Accept: application/json; services sorted, defaults left out", async () => {
    const stack = uniqueStack("export");
    await run(stack, "zeta", origin("hello"), { revisionHeader: false, affinity: "ip" });
    await run(stack, "alpha");
    const res = await api("GET", `/v1/stacks/${stack}`, { headers: { accept: "application/json" } });
    const body = await json(res);
    expect(res.headers.get("etag")).toMatch(/^"\d+"$/);
    expect(body).toEqual({
      stack,
      services: {
        alpha: { version: "v0", origins: [origin("hello")], affinity: "cookie" },
        zeta: { version: "v0", origins: [origin("hello")], affinity: "ip", revisionHeader: false },
      },
    });
    expect(Object.keys(body.services)).toEqual(["alpha", "zeta"]);
  });

  it("404 for a stack without services, 400 for a bad stack name", async () => {
    expect(await expectError(await api("GET", `/v1/stacks/${uniqueStack("none")}`), 404, "not_found")).toContain("no stack");
    await expectError(await api("GET", "/v1/stacks/Not_Valid"), 400, "bad_request");
  });
});

describe("PUT /v1/stacks/{stack} (apply)", () => {
  it("export → apply → export is byte-identical and adds no config version (YAML and JSON)", async () => {
    const stack = uniqueStack("trip");
    await run(stack, "web", origin("hello"), { affinity: "header:X-User" });
    await stage(stack, "web", "v2", origin("helloV2"), 12.25);
    await stage(stack, "web", "v3", origin("helloV3"), 0.5);
    await run(stack, "api", origin("echo"), { version: "blue", revisionHeader: false });
    const first = await exportYaml(stack);
    const version = await currentVersion();
    const res = await apply(stack, first);
    expect(await json(res)).toEqual({ stack, dryRun: false, changed: false, configVersion: version, services: [] });
    expect(res.headers.get("etag")).toBe(`"${version}"`);
    expect(await exportYaml(stack)).toBe(first);

    const asJson = await (await api("GET", `/v1/stacks/${stack}`, { headers: { accept: "application/json" } })).text();
    expect((await json(await apply(stack, asJson, "", "application/json"))).changed).toBe(false);
    expect(await exportYaml(stack)).toBe(first);
    expect(await currentVersion()).toBe(version);
  });

  it("round trip holds for integer-like version names staged out of numeric order", async () => {
    const stack = uniqueStack("trip");
    await run(stack);
    await stage(stack, "svc", "10", origin("helloV2"), 5);
    await stage(stack, "svc", "9", origin("helloV3"), 7);
    const first = await exportYaml(stack);
    const version = await currentVersion();
    expect((await json(await apply(stack, first))).changed).toBe(false);
    expect(await exportYaml(stack)).toBe(first);
    expect(await currentVersion()).toBe(version);
  });

  it("creates and updates declaratively in one config version; unnamed services stay unless pruned", async () => {
    const stack = uniqueStack("apply");
    await run(stack, "keep");
    await run(stack, "web");
    await stage(stack, "web", "old", origin("helloV2"), 10);
    const version = await currentVersion();
    const file = [
      `stack: ${stack}`,
      "services:",
      "  web:",
      "    version: v0",
      "    origins:",
      `    - ${origin("hello")}`,
      "    revisions:",
      "      v3:",
      "        origins:",
      `        - ${origin("helloV3")}`,
      "        weight: 25",
      "  new:",
      "    origins:",
      `    - ${origin("helloV2")}`,
      "",
    ].join("\n");
    const result = await json(await apply(stack, file));
    expect(result).toEqual({
      stack,
      dryRun: false,
      changed: true,
      configVersion: version + 1,
      services: [
        { service: `${stack}/web`, action: "update", changes: [`stage v3 → ${origin("helloV3")} at 25%`, "remove revision old"] },
        { service: `${stack}/new`, action: "create", changes: [`create with primary v0 → ${origin("helloV2")}`] },
      ],
    });
    const web = await json(await api("GET", `/v1/services/${stack}/web`));
    expect(web.revisions.map((r: { version: string; weight: number }) => [r.version, r.weight])).toEqual([["v3", 25]]);
    expect(web.weight).toBe(75);
    const history = await json(await api("GET", `/v1/history?service=${stack}/web`));
    expect(history.entries.at(-1)).toMatchObject({ configVersion: version + 1, operation: "apply", actor: "root" });
    expect((await json(await api("GET", `/v1/services?stack=${stack}`))).services.map((s: { name: string }) => s.name)).toEqual([
      "keep",
      "new",
      "web",
    ]);

    const dry = await json(await apply(stack, file, "?prune=1&dry_run=1"));
    expect(dry).toEqual({
      stack,
      dryRun: true,
      changed: true,
      configVersion: version + 1,
      services: [{ service: `${stack}/keep`, action: "delete", changes: ["remove (primary v0, 0 staged)"] }],
    });
    expect(await currentVersion()).toBe(version + 1);
    const pruned = await json(await apply(stack, file, "?prune=1"));
    expect(pruned.configVersion).toBe(version + 2);
    await expectError(await api("GET", `/v1/services/${stack}/keep`), 404, "not_found");
  });

  it("a dry run returns the diff and changes nothing", async () => {
    const stack = uniqueStack("dry");
    await run(stack);
    await stage(stack, "svc", "v3", origin("helloV3"), 10);
    const before = await exportYaml(stack);
    const version = await currentVersion();
    const changed = before.replace("weight: 10", "weight: 50");
    const dry = await json(await apply(stack, changed, "?dry_run=true"));
    expect(dry).toEqual({
      stack,
      dryRun: true,
      changed: true,
      configVersion: version,
      services: [{ service: `${stack}/svc`, action: "update", changes: ["v3 weight: 10% → 50%"] }],
    });
    expect(await exportYaml(stack)).toBe(before);
    expect(await currentVersion()).toBe(version);
  });

  it("a file that drops the primary for a staged revision promotes it", async () => {
    const stack = uniqueStack("apply");
    await run(stack);
    await stage(stack, "svc", "v3", origin("helloV3"), 30);
    const file = { stack, services: { svc: { version: "v3", origins: [origin("helloV3")] } } };
    const result = await json(await apply(stack, JSON.stringify(file), "", "application/json"));
    expect(result.services[0].changes).toEqual([
      "primary version: v0 → v3",
      `primary origins: ${origin("hello")} → ${origin("helloV3")}`,
      "remove revision v3",
    ]);
    const view = await json(await api("GET", `/v1/services/${stack}/svc`));
    expect(view).toMatchObject({ version: "v3", weight: 100, revisions: [] });
  });

  it("the path's stack wins over the file's", async () => {
    const stack = uniqueStack("path");
    const file = JSON.stringify({ stack: "elsewhere", services: { svc: { origins: [origin("hello")] } } });
    await json(await apply(stack, file, "", "application/json"));
    await json(await api("GET", `/v1/services/${stack}/svc`));
  });

  it("400 for a body that does not parse or has the wrong shape; 422 for broken rules; 409 for a taken hostname; nothing applied", async () => {
    const stack = uniqueStack("bad");
    await run(stack, "a");
    await stage(stack, "a", "b", origin("helloV2"));
    const version = await currentVersion();
    await expectError(await apply(stack, "stack: [unclosed"), 400, "bad_request");
    await expectError(await apply(stack, "{nope", "", "application/json"), 400, "bad_request");
    await expectError(await apply(stack, `stack: ${stack}\nservices: []\n`), 400, "bad_request");
    await expectError(await apply(stack, `stack: ${stack}\nservices:\n  x:\n    origins: http://127.0.0.1:1\n`), 400, "bad_request");
    await expectError(await apply(stack, `stack: ${stack}\nservices:\n  x:\n    origins: [http://127.0.0.1:1]\n    colour: red\n`), 400, "bad_request");
    await expectError(await apply(stack, "stack: x", "", "text/html"), 400, "bad_request");
    const over = {
      stack,
      services: {
        ok: { origins: [origin("hello")] },
        x: { origins: [origin("hello")], revisions: { r1: { origins: [origin("hello")], weight: 70 }, r2: { origins: [origin("hello")], weight: 40 } } },
      },
    };
    expect(await expectError(await apply(stack, JSON.stringify(over), "", "application/json"), 422, "invalid")).toContain("110%");
    const loop = { stack, services: { x: { origins: [`http://a.${stack}.weir.localhost`] } } };
    expect(await expectError(await apply(stack, JSON.stringify(loop), "", "application/json"), 422, "invalid")).toContain("Weir serves");
    await expectError(await apply(stack, JSON.stringify({ stack, services: { x: { origins: [origin("hello")], revisions: { r: { origins: [origin("hello")], weight: 1.001 } } } } }), "", "application/json"), 422, "invalid");
    const taken = { stack, services: { fresh: { origins: [origin("hello")] }, "a-b": { origins: [origin("hello")] } } };
    expect(await expectError(await apply(stack, JSON.stringify(taken), "", "application/json"), 409, "conflict")).toContain(`a-b.${stack}.weir.localhost`);
    // a dry run reports the same conflict
    await expectError(await apply(stack, JSON.stringify(taken), "?dry_run=1", "application/json"), 409, "conflict");
    await expectError(await apply(stack, JSON.stringify(taken), "?dry_run=maybe", "application/json"), 400, "bad_request");
    expect(await currentVersion()).toBe(version);
    await expectError(await api("GET", `/v1/services/${stack}/fresh`), 404, "not_found");
    await expectError(await api("GET", `/v1/services/${stack}/ok`), 404, "not_found");
  });
});
