/**
 * The walkthrough of DESIGN §1, end to end: a real `wrangler dev`, real origins, the real
 * `weir` binary, real HTTP requests with the service Host header.
 */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { edgeGet, servedConfigVersion, waitForConfigVersion } from "../../scripts/edge-request.ts";
import { startLocalWeir, type LocalWeir } from "./local-weir.ts";
import { expectSuccess } from "./cli-checks.ts";

let weir: LocalWeir;

beforeAll(async () => {
  weir = await startLocalWeir();
});

afterAll(async () => {
  await weir?.stop();
});

/** Runs a command that must succeed and returns its stdout. */
async function ok(...args: string[]): Promise<string> {
  return expectSuccess(args, await weir.weir(args));
}

/** The config version a write reports: "... (config version 7)". */
function writtenVersion(stdout: string): number {
  const m = /\(config version (\d+)\)/.exec(stdout);
  expect(m, stdout).not.toBeNull();
  return Number(m![1]);
}

/** `weir ps` as rows of eight cells (columns are separated by two or more spaces). */
function psTable(stdout: string): { header: string[]; rows: string[][] } {
  const [header, ...rows] = stdout.trimEnd().split("\n").map((l) => l.split(/ {2,}/));
  return { header, rows: rows.map((r) => [...r, ...Array<string>(8 - r.length).fill("")]) };
}

const AGO = /^(just now|\d+ (second|minute|hour)s? ago)$/;
/** DETAIL is empty: healthy revisions show no error rate. */
const DETAIL = "";

describe("the §1 walkthrough", () => {
  const svc = () => weir.url("svc.test");
  const svcV3 = () => weir.url("svc-v3.test");
  let halfFile = "";

  it("weir run creates test/svc, listed by weir ps with its endpoint", async () => {
    const out = await ok("run", "--name", "test/svc", weir.v1.url);
    const version = writtenVersion(out);
    expect(out).toContain(svc());

    const { header, rows } = psTable(await ok("ps"));
    expect(header).toEqual(["NAME", "ORIGIN", "CREATED", "SCALE", "WEIGHT", "STATE", "ENDPOINT", "DETAIL"]);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toEqual(["test/svc", weir.v1.url, expect.stringMatching(AGO), "1", "100%", "active", svc(), ""]);

    const res = await waitForConfigVersion(svc(), version);
    expect(res.status).toBe(200);
    expect(res.body).toBe("Hello World\n");
  });

  it("weir stage adds test/svc:v3 at 0%, served only on its version URL", async () => {
    const out = await ok("stage", "--origin", weir.v3.url, "test/svc:v3");
    const version = writtenVersion(out);

    const { rows } = psTable(await ok("ps"));
    expect(rows).toEqual([
      ["test/svc", weir.v1.url, expect.stringMatching(AGO), "1", "100%", "active", svc(), DETAIL],
      ["test/svc:v3", weir.v3.url, expect.stringMatching(AGO), "1", "0%", "staged", svcV3(), DETAIL],
    ]);

    const v3 = await waitForConfigVersion(svcV3(), version);
    expect(v3.body).toBe("Hello World v3\n");
    expect(v3.headers["weir-revision"]).toBe("v3");
    // At 0 % nobody reaches v3 through the service hostname.
    await waitForConfigVersion(svc(), version);
    const bodies = await Promise.all(Array.from({ length: 20 }, () => edgeGet(svc()).then((r) => r.body)));
    expect(new Set(bodies)).toEqual(new Set(["Hello World\n"]));
  });

  it("weir export prints the §6 stack file", async () => {
    const yaml = await ok("export", "test");
    expect(yaml.startsWith("stack: test\nservices:\n  svc:\n    version: v0\n    origins:\n    - ")).toBe(true);
    expect(parse(yaml)).toEqual({
      stack: "test",
      services: {
        svc: {
          version: "v0",
          origins: [weir.v1.url],
          affinity: "cookie",
          revisions: { v3: { origins: [weir.v3.url], weight: 0 } },
        },
      },
    });
  });

  it("weir weight test/svc:v3=50% splits cookie-less requests about evenly", async () => {
    const out = await ok("weight", "test/svc:v3=50%");
    expect(out).toContain("v0 50%, v3 50%");
    const version = writtenVersion(out);
    await waitForConfigVersion(svc(), version);

    const counts = { "Hello World\n": 0, "Hello World v3\n": 0 } as Record<string, number>;
    for (let batch = 0; batch < 40; batch++) {
      const responses = await Promise.all(Array.from({ length: 10 }, () => edgeGet(svc())));
      for (const r of responses) {
        expect(r.status).toBe(200);
        expect(servedConfigVersion(r)).toBeGreaterThanOrEqual(version);
        counts[r.body]++;
      }
    }
    expect(counts["Hello World\n"] + counts["Hello World v3\n"]).toBe(400);
    const share = counts["Hello World v3\n"] / 400;
    expect(share).toBeGreaterThanOrEqual(0.43);
    expect(share).toBeLessThanOrEqual(0.57);

    halfFile = join(weir.dir, "half.yaml");
    await writeFile(halfFile, await ok("export", "test"));
  });

  it("a cookie jar stays on one revision", async () => {
    const seen = new Set<string>();
    for (let jar = 0; jar < 16; jar++) {
      const first = await edgeGet(svc());
      const setCookie = first.headers["set-cookie"]?.[0] ?? "";
      expect(setCookie).toMatch(/^weir=[^;]+;.*HttpOnly/i);
      const cookie = setCookie.split(";")[0];
      const bodies = await Promise.all(Array.from({ length: 6 }, () => edgeGet(svc(), { cookie }).then((r) => r.body)));
      expect(new Set([first.body, ...bodies]).size).toBe(1);
      seen.add(first.body);
    }
    // Stickiness is per jar, not one revision for everyone: at 50 % sixteen jars all on
    // one side would be a 1-in-32768 fluke.
    expect(seen).toEqual(new Set(["Hello World\n", "Hello World v3\n"]));
  });

  it("weir promote test/svc:v3 sends every request to v3", async () => {
    const out = await ok("promote", "test/svc:v3");
    const version = writtenVersion(out);
    const { rows } = psTable(await ok("ps"));
    expect(rows).toEqual([["test/svc", weir.v3.url, expect.stringMatching(AGO), "1", "100%", "active", svc(), DETAIL]]);

    await waitForConfigVersion(svc(), version);
    const responses = await Promise.all(Array.from({ length: 50 }, () => edgeGet(svc())));
    expect(new Set(responses.map((r) => r.body))).toEqual(new Set(["Hello World v3\n"]));
  });

  it("export → apply round trips: an unchanged file changes nothing, an earlier file restores its state", async () => {
    const before = await ok("export", "test");
    const file = join(weir.dir, "promoted.yaml");
    await writeFile(file, before);
    const version = JSON.parse(await ok("ps", "-o", "json")).configVersion as number;

    expect(await ok("apply", "-f", file, "--dry-run")).toBe("test: no changes\n");
    expect(await ok("apply", "-f", file)).toBe("test: no changes\n");
    expect(JSON.parse(await ok("ps", "-o", "json")).configVersion).toBe(version);
    expect(await ok("export", "test")).toBe(before);

    // The file exported at 50 % brings back v0 as primary and v3 at 50 %.
    const dry = await ok("apply", "-f", halfFile, "--dry-run");
    expect(dry).toBe(
      "test: dry run, nothing changed; would:\n" +
        "update test/svc\n" +
        "  primary version: v3 → v0\n" +
        `  primary origins: ${weir.v3.url} → ${weir.v1.url}\n` +
        `  stage v3 → ${weir.v3.url} at 50%\n`,
    );
    expect(JSON.parse(await ok("ps", "-o", "json")).configVersion).toBe(version);
    const applied = await ok("apply", "-f", halfFile);
    expect(writtenVersion(applied)).toBeGreaterThan(version);
    const { rows } = psTable(await ok("ps"));
    expect(rows.map((r) => [r[0], r[1], r[4], r[5]])).toEqual([
      ["test/svc", weir.v1.url, "50%", "active"],
      ["test/svc:v3", weir.v3.url, "50%", "active"],
    ]);
    expect(await ok("export", "test")).toBe(await readFile(halfFile, "utf8"));
  });
});
