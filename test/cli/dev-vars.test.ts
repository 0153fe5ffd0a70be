/** `npm start` creates `.dev.vars` on first start and never replaces what is there. */
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseDotenv } from "../../cli/dotenv.ts";
import { ensureDevVars } from "../../scripts/dev-vars.ts";
import { wranglerDevArgs } from "../../scripts/dev-server.ts";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "weir-devvars-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("ensureDevVars", () => {
  it("writes a random ADMIN_TOKEN and STICKY_SECRET to a new file, readable only by the owner", async () => {
    const file = join(dir, "new.vars");
    expect(ensureDevVars(file)).toEqual(["ADMIN_TOKEN", "STICKY_SECRET"]);
    const vars = parseDotenv(await readFile(file, "utf8"));
    expect(vars.ADMIN_TOKEN).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(vars.STICKY_SECRET).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(vars.ADMIN_TOKEN).not.toBe(vars.STICKY_SECRET);
    expect((await stat(file)).mode & 0o077).toBe(0);
    // A second start changes nothing.
    const before = await readFile(file, "utf8");
    expect(ensureDevVars(file)).toEqual([]);
    expect(await readFile(file, "utf8")).toBe(before);
  });

  it("keeps existing values and adds only what is missing", async () => {
    const file = join(dir, "partial.vars");
    await writeFile(file, "ADMIN_TOKEN=mine\nOTHER=1");
    expect(ensureDevVars(file)).toEqual(["STICKY_SECRET"]);
    const text = await readFile(file, "utf8");
    expect(text.startsWith("ADMIN_TOKEN=mine\nOTHER=1\nSTICKY_SECRET=")).toBe(true);
  });
});

describe("wranglerDevArgs", () => {
  it("binds loopback on the given port with its own state, secrets and vars", () => {
    expect(wranglerDevArgs({ port: 8787, persistTo: "/s", envFile: "/e", inspectorPort: 9230, vars: { ROUTE_CACHE_MS: "300" } })).toEqual([
      "dev",
      "--ip",
      "127.0.0.1",
      "--port",
      "8787",
      "--show-interactive-dev-session=false",
      "--persist-to",
      "/s",
      "--env-file",
      "/e",
      "--inspector-port",
      "9230",
      "--var",
      "ROUTE_CACHE_MS:300",
    ]);
  });
});
