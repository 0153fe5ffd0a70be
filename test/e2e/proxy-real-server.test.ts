/**
 * The proxy through a real server (issue 9 items 1, 2, 3, 12): `wrangler dev` with real
 * origins, requests sent over TCP the way curl sends them. What an in-process Request cannot
 * show: workerd removes a request's `Connection` header before the Worker runs, curl sends
 * `Expect: 100-continue` for bodies over 1 KiB, and `wrangler dev`'s proxy breaks down when
 * a Worker answers before reading the body (workers-sdk #15709, #15203).
 */
import { execFile, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_TOKEN, startLocalWeir, type LocalWeir } from "./local-weir.ts";
import { waitForConfigVersion } from "../../scripts/edge-request.ts";

const MiB = 1024 * 1024;
/** 2 MiB of byte i = i mod 251: both ends can hash it */
const UPLOAD = Buffer.from(Uint8Array.from({ length: 2 * MiB }, (_, i) => i % 251));
const UPLOAD_SHA256 = createHash("sha256").update(UPLOAD).digest("hex");
const HAS_CURL = spawnSync("curl", ["--version"]).status === 0;

interface Reply {
  status: number;
  headers: IncomingMessage["headers"];
  body: string;
}

interface SendOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: Buffer;
  /** send the body in 64 KiB chunks without Content-Length */
  chunked?: boolean;
  /** as curl does: `Expect: 100-continue`, the body after 100 Continue or one second */
  expectContinue?: boolean;
}

/** One request over its own TCP connection to the local Weir, with the real Host. */
function send(weir: LocalWeir, host: string, path: string, options: SendOptions = {}): Promise<Reply> {
  const headers: Record<string, string> = { host: `${host}:${weir.port}`, ...options.headers };
  if (options.expectContinue) headers.expect = "100-continue";
  return new Promise((resolve, reject) => {
    const req = request(
      { host: "127.0.0.1", port: weir.port, method: options.method ?? (options.body ? "POST" : "GET"), path, headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("error", reject);
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
      },
    );
    // "promptly": a request that hangs fails the test instead of waiting for the test timeout
    req.setTimeout(20_000, () => req.destroy(new Error(`${options.method ?? "GET"} ${host}${path} got no answer within 20 s`)));
    req.on("error", reject);
    const body = options.body;
    if (body === undefined) req.end();
    else if (options.chunked) {
      for (let i = 0; i < body.length; i += 64 * 1024) req.write(body.subarray(i, i + 64 * 1024));
      req.end();
    } else if (options.expectContinue) {
      let sent = false;
      const go = () => {
        if (!sent) req.end(body);
        sent = true;
      };
      req.on("continue", go);
      setTimeout(go, 1000);
    } else req.end(body);
  });
}

function listen<S extends Server | TcpServer>(server: S): Promise<string> {
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));
}

/** Echoes what arrived: headers, body length and SHA-256. Node answers `Expect` with 100 Continue. */
function echoOrigin(req: IncomingMessage, res: ServerResponse): void {
  if (req.url === "/hop") {
    // a response whose Connection header names another header: both must not reach the client
    res.writeHead(200, { "content-type": "text/plain", connection: "x-secret-hop", "x-secret-hop": "1", "proxy-authenticate": "Basic", "x-kept": "yes" });
    res.end("hop");
    return;
  }
  const hash = createHash("sha256");
  let length = 0;
  req.on("data", (c: Buffer) => {
    length += c.length;
    hash.update(c);
  });
  req.on("end", () => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ headers: req.headers, bodyLength: length, bodySha256: hash.digest("hex") }));
  });
}

let weir: LocalWeir;
const servers: (Server | TcpServer)[] = [];

beforeAll(async () => {
  weir = await startLocalWeir();
  const http = (handler: (req: IncomingMessage, res: ServerResponse) => void) => {
    const server = createServer(handler);
    servers.push(server);
    return listen(server);
  };
  // Node's HTTP server cannot write a status outside 100–999; a raw socket writes anything.
  const raw = createTcpServer((socket) => {
    socket.once("data", () => socket.end("HTTP/1.1 999 Bogus\r\ncontent-length: 5\r\nconnection: close\r\n\r\nbogus"));
    socket.on("error", () => undefined);
  });
  servers.push(raw);
  const origins: Record<string, string> = {
    raw: await listen(raw),
    echo: await http(echoOrigin),
    hints: await http((_req, res) => {
      res.writeEarlyHints({ link: "</style.css>; rel=preload; as=style" });
      res.writeHead(200, { "content-type": "text/plain" });
      res.end("after hints");
    }),
    // answers 413 at once and never reads the upload
    refuse: await http((_req, res) => {
      res.writeHead(413, { "content-type": "text/plain" });
      res.end("too large for this origin");
    }),
    ok: weir.v1.url,
  };
  const versions = new Map<string, number>();
  for (const [name, url] of Object.entries(origins)) {
    const out = await weir.cli(["run", "--name", `real/${name}`, url]);
    expect(out.stderr).toBe("");
    versions.set(name, Number(/\(config version (\d+)\)/.exec(out.stdout)![1]));
  }
  // `ok` was published last, and no other host has been asked for (nothing cached): all serve now
  await waitForConfigVersion(weir.url("ok.real"), versions.get("ok")!);
});

afterAll(async () => {
  for (const server of servers) server.close();
  await weir?.stop();
});

/** The two requests after a refusal: a data-plane GET and an admin GET, both must succeed. */
async function nextTwoSucceed(): Promise<void> {
  const data = await send(weir, "ok.real.weir.localhost", "/");
  expect(data.status, data.body).toBe(200);
  expect(data.body).toBe("Hello World\n");
  const admin = await send(weir, "admin.weir.localhost", "/v1/services", { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  expect(admin.status, admin.body).toBe(200);
}

describe("uploads and origin statuses (issue 9 item 1)", () => {
  it("a 2 MiB upload sent with Expect: 100-continue arrives whole, and the origin sees no Expect", async () => {
    const reply = await send(weir, "echo.real.weir.localhost", "/upload", { body: UPLOAD, expectContinue: true });
    expect(reply.status, reply.body).toBe(200);
    const got = JSON.parse(reply.body) as { headers: Record<string, string>; bodyLength: number; bodySha256: string };
    expect(got.bodyLength).toBe(UPLOAD.length);
    expect(got.bodySha256).toBe(UPLOAD_SHA256);
    expect(got.headers).not.toHaveProperty("expect");
    await nextTwoSucceed();
  });

  it.skipIf(!HAS_CURL)("curl --data-binary @2mb.bin goes through", async () => {
    const file = join(weir.dir, "2mb.bin");
    await writeFile(file, UPLOAD);
    const url = `${weir.url("echo.real")}/curl`;
    const out = await new Promise<string>((resolve, reject) =>
      execFile("curl", ["-sS", "--max-time", "30", "--connect-to", `::127.0.0.1:${weir.port}`, "--data-binary", `@${file}`, "-w", "\n%{http_code}", url], (error, stdout, stderr) =>
        error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout),
      ),
    );
    const [body, status] = [out.slice(0, out.lastIndexOf("\n")), out.slice(out.lastIndexOf("\n") + 1)];
    expect(status, body).toBe("200");
    expect(JSON.parse(body)).toMatchObject({ bodyLength: UPLOAD.length, bodySha256: UPLOAD_SHA256 });
  });

  it("an origin that sends 103 Early Hints gets a 502 naming it, never a crash", async () => {
    const reply = await send(weir, "hints.real.weir.localhost", "/");
    expect(reply.status, reply.body).toBe(502);
    const { error } = JSON.parse(reply.body) as { error: { code: string; message: string } };
    expect(error.code).toBe("origin_unreachable");
    expect(error.message).toContain("103 Early Hints");
    await nextTwoSucceed();
  });

  it("a raw origin's bogus status line (999) gets a 502 naming it", async () => {
    const reply = await send(weir, "raw.real.weir.localhost", "/");
    expect(reply.status, reply.body).toBe(502);
    const { error } = JSON.parse(reply.body) as { error: { code: string; message: string } };
    expect(error.code).toBe("origin_unreachable");
    expect(error.message).toContain("status 999 Bogus");
    await nextTwoSucceed();
  });
});

describe("hop-by-hop headers through a real server (issue 9 item 3)", () => {
  it("the fixed list is stripped; headers a request's Connection names DO reach the origin (workerd drops Connection first)", async () => {
    const reply = await send(weir, "echo.real.weir.localhost", "/", {
      headers: {
        connection: "keep-alive, X-Secret-Hop",
        "x-secret-hop": "1",
        "keep-alive": "timeout=5",
        "proxy-authorization": "Basic c2VjcmV0",
        "proxy-connection": "keep-alive",
        te: "trailers",
        "x-end-to-end": "kept",
      },
    });
    expect(reply.status, reply.body).toBe(200);
    const { headers } = JSON.parse(reply.body) as { headers: Record<string, string> };
    for (const name of ["keep-alive", "proxy-authorization", "proxy-connection", "te"]) expect(headers, name).not.toHaveProperty(name);
    expect(headers["x-end-to-end"]).toBe("kept");
    // The documented limit (docs/proxy.md): the names are gone before Weir runs, so the header arrives.
    expect(headers["x-secret-hop"]).toBe("1");
    expect(headers.connection ?? "").not.toMatch(/x-secret-hop/i);
  });

  it("headers an origin's Connection names are stripped from the response", async () => {
    const reply = await send(weir, "echo.real.weir.localhost", "/hop");
    expect(reply.status).toBe(200);
    expect(reply.body).toBe("hop");
    expect(reply.headers).not.toHaveProperty("x-secret-hop");
    expect(reply.headers).not.toHaveProperty("proxy-authenticate");
    expect(reply.headers["x-kept"]).toBe("yes");
  });
});

describe("a Host longer than DNS allows (issue 9 item 2)", () => {
  it("is no_route 404, not a 503 from KV", async () => {
    const reply = await send(weir, `${"a".repeat(600)}.weir.localhost`, "/");
    expect(reply.status, reply.body).toBe(404);
    expect(JSON.parse(reply.body).error.code).toBe("no_route");
  });
});

describe("bodies answered without being read (issue 9 item 12)", () => {
  it("a chunked 2 MiB admin POST gets 413, and the next two requests succeed", async () => {
    const reply = await send(weir, "admin.weir.localhost", "/v1/services", {
      body: UPLOAD,
      chunked: true,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
    });
    expect(reply.status, reply.body).toBe(413);
    expect(JSON.parse(reply.body).error.code).toBe("payload_too_large");
    await nextTwoSucceed();
  });

  it("a 2 MiB admin POST without a token gets 401, and the next two requests succeed", async () => {
    const reply = await send(weir, "admin.weir.localhost", "/v1/services", { body: UPLOAD, chunked: true });
    expect(reply.status, reply.body).toBe(401);
    await nextTwoSucceed();
  });

  it("a 2 MiB POST to an unknown host gets 404 no_route, and the next two requests succeed", async () => {
    const reply = await send(weir, "nobody.real.weir.localhost", "/", { body: UPLOAD, chunked: true });
    expect(reply.status, reply.body).toBe(404);
    expect(JSON.parse(reply.body).error.code).toBe("no_route");
    await nextTwoSucceed();
  });

  it("a 2 MiB POST to an origin that answers 413 without reading it gets that 413, and the next two requests succeed", async () => {
    for (const chunked of [false, true]) {
      const reply = await send(weir, "refuse.real.weir.localhost", "/", { body: UPLOAD, chunked });
      expect(reply.status, reply.body).toBe(413);
      expect(reply.body).toBe("too large for this origin");
      await nextTwoSucceed();
    }
  });
});
