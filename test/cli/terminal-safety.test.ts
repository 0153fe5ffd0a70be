// The CLI never prints a raw control character that came from the API (issue 9): origins
// stored before the API refused them, or any hostile string a server might send, reach
// the terminal escaped. A real HTTP server on loopback plays an admin API that sends them
// (the real one now refuses such origins, test/admin/hostile-input.test.ts); the commands
// run through `main`, the code bin/weir.js runs.
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ServiceList } from "../../core/views.ts";
import { main } from "../../cli/main.ts";
import { renderTable } from "../../cli/table.ts";

const ESC = "\u001b";
const RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/;

const hostile: ServiceList = {
  configVersion: 7,
  services: [
    {
      id: "t/svc",
      stack: "t",
      name: "svc",
      version: "v0",
      origins: [`http://127.0.0.1:9001/${ESC}]0;pwned${"\u0007"}${ESC}[2J`, "http://b/\tx\ny"],
      affinity: "cookie",
      revisionHeader: true,
      weight: 100,
      state: "active",
      createdAt: "2026-01-01T00:00:00.000Z",
      configVersion: 7,
      endpoint: `http://svc.t.weir.localhost:8787/\u202eevil`,
      versionEndpoint: "http://svc-v0.t.weir.localhost:8787",
      revisions: [],
      domains: [{ host: `www.${ESC}[31mred.example.com` }],
      rules: [],
    },
  ],
};

let server: Server;
let url: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    if (path === "/v1/services") {
      res.writeHead(200, { "content-type": "application/json", etag: '"7"' });
      res.end(JSON.stringify(hostile));
    } else if (path.endsWith("/stats")) {
      res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ error: { code: "not_found", message: "none" } }));
    } else {
      res.writeHead(422, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { code: "invalid", message: `origin 'http://h/${ESC}[2J' is bad\nsecond line${"\u009b"}` } }));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

async function weir(...args: string[]) {
  let stdout = "";
  let stderr = "";
  const code = await main([...args, "--url", url, "--token", "t"], {
    env: {},
    cwd: "/",
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    now: () => new Date("2026-01-01T00:01:00.000Z"),
  });
  return { code, stdout, stderr };
}

describe("terminal safety", () => {
  it("weir ps shows hostile origins, endpoints and domains escaped, one row per revision", async () => {
    const res = await weir("ps", "-a");
    expect(res.code).toBe(0);
    expect(res.stdout).not.toMatch(RAW);
    expect(res.stdout).toContain("\\u001b]0;pwned\\u0007\\u001b[2J");
    expect(res.stdout).toContain("+http://b/\\u0009x\\u000ay");
    expect(res.stdout).toContain("\\u202eevil");
    // a newline inside a cell did not split the row: header and one service row
    expect(res.stdout.trimEnd().split("\n")).toHaveLength(2);
  });

  it("-o json stays valid JSON with the same data, and carries no raw control character", async () => {
    const res = await weir("ps", "-o", "json");
    expect(res.stdout).not.toMatch(RAW);
    expect(JSON.parse(res.stdout)).toEqual(hostile);
  });

  it("an API error message is printed escaped, on one line", async () => {
    const res = await weir("inspect", "t/x");
    expect(res.code).toBe(1);
    expect(res.stdout).toBe("");
    expect(res.stderr).toBe("error: origin 'http://h/\\u001b[2J' is bad\\u000asecond line\\u009b\n");
  });

  it("renderTable escapes every cell, so widths hold", () => {
    expect(renderTable(["A", "B"], [[`x${ESC}y`, "z"]])).toBe("A         B\nx\\u001by  z\n");
  });
});
