import { createServer, type IncomingMessage, type Server } from "node:http";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WeirError } from "../../core/errors.ts";
import { ApiClient, apiError, connectAddress, LOCAL_ADMIN_URL, parseEtag, resolveClientConfig } from "../../cli/client.ts";
import { parseDotenv } from "../../cli/dotenv.ts";

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "weir-client-"));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("resolveClientConfig", () => {
  it("takes flags over WEIR_URL / WEIR_TOKEN", () => {
    const env = { WEIR_URL: "https://admin.example.com/", WEIR_TOKEN: "env-token" };
    expect(resolveClientConfig({ env, cwd: dir })).toEqual({ url: "https://admin.example.com", token: "env-token" });
    expect(resolveClientConfig({ url: "http://a.example.com:8080", token: "flag", env, cwd: dir })).toEqual({
      url: "http://a.example.com:8080",
      token: "flag",
    });
  });

  it("inside a project with neither, uses the local dev server and ADMIN_TOKEN from .dev.vars", async () => {
    const project = join(dir, "project");
    await mkdir(join(project, "deep", "er"), { recursive: true });
    await writeFile(join(project, "wrangler.toml"), "");
    await writeFile(join(project, ".dev.vars"), "ADMIN_TOKEN=local-token\n");
    expect(resolveClientConfig({ env: {}, cwd: join(project, "deep", "er") })).toEqual({ url: LOCAL_ADMIN_URL, token: "local-token" });
    expect(resolveClientConfig({ env: { WEIR_URL: "http://127.0.0.1:9999" }, cwd: project }).token).toBe("local-token");
    // The local token is never sent to a remote admin API.
    expect(() => resolveClientConfig({ env: { WEIR_URL: "https://admin.example.com" }, cwd: project })).toThrow(/no admin token/);
  });

  it("fails clearly without a token or with a bad URL", () => {
    expect(() => resolveClientConfig({ env: {}, cwd: dir })).toThrow(
      "no admin token: set WEIR_TOKEN or pass --token (inside the project, `npm start` creates one in .dev.vars)",
    );
    expect(() => resolveClientConfig({ url: "admin.local", token: "t", env: {}, cwd: dir })).toThrow("admin URL 'admin.local' is not an absolute URL");
    expect(() => resolveClientConfig({ url: "ftp://admin", token: "t", env: {}, cwd: dir })).toThrow("must use http: or https:");
  });
});

describe("helpers", () => {
  it("connects *.localhost to 127.0.0.1 itself and other names as they are", () => {
    expect(connectAddress(new URL("http://admin.weir.localhost:8787"))).toBe("127.0.0.1");
    expect(connectAddress(new URL("http://LOCALHOST./"))).toBe("127.0.0.1");
    expect(connectAddress(new URL("https://admin.example.com"))).toBe("admin.example.com");
    expect(connectAddress(new URL("http://[::1]:8787"))).toBe("::1");
  });

  it("reads ETags and .dev.vars", () => {
    expect(parseEtag('"42"')).toBe(42);
    expect(parseEtag('W/"7"')).toBe(7);
    expect(parseEtag(undefined)).toBeUndefined();
    expect(parseEtag('"abc"')).toBeUndefined();
    expect(parseDotenv('# c\nADMIN_TOKEN="a b"\nexport STICKY_SECRET=s # note\nBAD LINE\nEMPTY=\n')).toEqual({
      ADMIN_TOKEN: "a b",
      STICKY_SECRET: "s",
      EMPTY: "",
    });
  });

  it("turns API errors into WeirError with the API's code and message", () => {
    const e = apiError({ status: 422, json: { error: { code: "invalid", message: "sum is 110%" } }, text: "" });
    expect([e.code, e.message]).toEqual(["invalid", "sum is 110%"]);
    expect(apiError({ status: 404, json: undefined, text: "nope\nmore" }).message).toBe("the admin API answered 404: nope");
    expect(apiError({ status: 404, json: undefined, text: "" }).code).toBe("not_found");
    expect(apiError({ status: 503, json: { error: { code: "weird", message: "m" } }, text: "" }).code).toBe("internal");
  });
});

describe("ApiClient against a real HTTP server", () => {
  let server: Server;
  let port: number;
  const seen: { req: IncomingMessage; body: string }[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        seen.push({ req, body });
        if (req.url === "/v1/fail") {
          res.writeHead(409, { "content-type": "application/json; charset=utf-8", etag: '"5"' });
          res.end(JSON.stringify({ error: { code: "conflict", message: "service test/svc already exists" } }));
          return;
        }
        res.writeHead(200, { "content-type": "application/json", etag: '"12"' });
        res.end(JSON.stringify({ ok: true }));
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    port = (server.address() as { port: number }).port;
  });

  afterAll(async () => {
    await new Promise<void>((r) => server.close(() => r()));
  });

  it("reaches admin.weir.localhost on 127.0.0.1 and sends the real Host, token and JSON body", async () => {
    const client = new ApiClient({ url: `http://admin.weir.localhost:${port}`, token: "secret" });
    const res = await client.send("PUT", "/v1/services/test/svc/weights", { body: { weights: { v3: 50 } }, query: { a: "1", b: undefined } });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ ok: true });
    expect(res.configVersion).toBe(12);
    const { req, body } = seen.at(-1)!;
    expect(req.headers.host).toBe(`admin.weir.localhost:${port}`);
    expect(req.headers.authorization).toBe("Bearer secret");
    expect(req.headers["content-type"]).toBe("application/json");
    expect(req.url).toBe("/v1/services/test/svc/weights?a=1");
    expect(JSON.parse(body)).toEqual({ weights: { v3: 50 } });
  });

  it("throws the API's error and reports an unreachable server", async () => {
    const client = new ApiClient({ url: `http://admin.weir.localhost:${port}`, token: "secret" });
    await expect(client.send("POST", "/v1/fail", { body: {} })).rejects.toMatchObject({ code: "conflict", message: "service test/svc already exists" });
    const closed = new ApiClient({ url: "http://admin.weir.localhost:1", token: "t" });
    const err = await closed.send("GET", "/v1/services").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WeirError);
    expect((err as WeirError).message).toBe("cannot reach the admin API at http://admin.weir.localhost:1: ECONNREFUSED (is `npm start` running?)");
  });
});
