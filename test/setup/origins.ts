/**
 * @module test/setup/origins
 * Real HTTP origins on 127.0.0.1 for the workerd tests (vitest globalSetup, runs in Node).
 * Each origin has its own port; the ports reach the tests as the `ORIGINS` binding
 * (vitest.config.ts).
 *
 *  hello, helloV2, helloV3  reply "Hello World", "Hello World v2", "Hello World v3"
 *  echo      any path: JSON {method, path, query, headers, bodyLength, bodySha256}
 *  lab       /slow (never answers), /download?bytes=N (byte i = i mod 256),
 *            /upload (length and sha256 of the body),
 *            /gzip (gzip whatever Accept-Encoding says), /redirect, /hold/ID + /release/ID
 *            (a response that stays open until released), /hop (hop-by-hop response
 *            headers), /status/NNN (answers NNN), /ws (WebSocket echo, `ws` package),
 *            /early-hints (103, then 200)
 *  dead      a port that was bound and closed: connections are refused
 *  failing   any path: 500 "Internal Server Error" (a broken canary, issue 6)
 *  recorder  any path: waits `x-delay` ms (header), then 200 "recorded"; remembers each
 *            request's method, path and headers by its `x-test-tag` header, listed by
 *            GET /__seen/TAG (mirrors, rule header edits)
 *  unavailable any path: 503 "Service Unavailable" (retries on status)
 *  flaky     per `x-flaky-id` header: the first request gets 503, later ones 200 "recovered"
 *  rawStatus a raw TCP server: `GET /<status line>` is answered `HTTP/1.1 <status line>`
 *            verbatim (percent-decoded), e.g. `/999%20Bogus`, then the connection closes
 */
import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createTcpServer, type AddressInfo } from "node:net";
import { gzipSync } from "node:zlib";
import type { TestProject } from "vitest/node";
import { WebSocketServer } from "ws";
import type { OriginPorts } from "../origin-ports.ts";

declare module "vitest" {
  interface ProvidedContext {
    origins: OriginPorts;
  }
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

async function listen(handler: Handler): Promise<Server> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return server;
}

const portOf = (server: Server) => (server.address() as AddressInfo).port;

function text(body: string): Handler {
  return (_req, res) => {
    res.writeHead(200, { "content-type": "text/plain; charset=utf-8" });
    res.end(body);
  };
}

/** Hashes a request body as it streams in; never holds it whole. */
function hashBody(req: IncomingMessage): Promise<{ length: number; sha256: string }> {
  return new Promise((resolve, reject) => {
    const hash = createHash("sha256");
    let length = 0;
    req.on("data", (chunk: Buffer) => {
      length += chunk.length;
      hash.update(chunk);
    });
    req.on("end", () => resolve({ length, sha256: hash.digest("hex") }));
    req.on("error", reject);
  });
}

const echo: Handler = async (req, res) => {
  const url = new URL(req.url ?? "/", "http://origin");
  const body = await hashBody(req);
  res.writeHead(200, { "content-type": "application/json" });
  res.end(
    JSON.stringify({
      method: req.method,
      path: url.pathname,
      query: url.search,
      headers: req.headers,
      bodyLength: body.length,
      bodySha256: body.sha256,
    }),
  );
};

/** 1 MiB of byte i = i mod 256: a download is this chunk repeated, so both sides can hash it. */
const PATTERN_MIB = Uint8Array.from({ length: 1 << 20 }, (_, i) => i & 255);

function labHandler(held: Map<string, ServerResponse>): Handler {
  return async (req, res) => {
    const url = new URL(req.url ?? "/", "http://origin");
    const [, route, id] = url.pathname.split("/");
    switch (route) {
      case "slow":
        return; // answers only when the client gives up
      case "download": {
        const total = Number(url.searchParams.get("bytes") ?? 0);
        res.writeHead(200, { "content-type": "application/octet-stream", "content-length": String(total) });
        const CHUNK = 1 << 20;
        for (let sent = 0; sent < total; sent += CHUNK) {
          const ok = res.write(PATTERN_MIB.subarray(0, Math.min(CHUNK, total - sent)));
          if (!ok) await new Promise((r) => res.once("drain", r));
        }
        res.end();
        return;
      }
      case "upload": {
        const body = await hashBody(req);
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ bodyLength: body.length, bodySha256: body.sha256 }));
        return;
      }
      case "gzip":
        res.writeHead(200, { "content-type": "text/plain", "content-encoding": "gzip", vary: "Accept-Encoding" });
        res.end(gzipSync("Hello gzip"));
        return;
      case "redirect":
        res.writeHead(302, { location: "/elsewhere?from=redirect", "set-cookie": "r=1; Path=/" });
        res.end("moved");
        return;
      case "hold":
        res.writeHead(200, { "content-type": "text/plain" });
        res.write("first;");
        held.set(id, res);
        return;
      case "release":
        held.get(id)?.end("last");
        held.delete(id);
        res.end("released");
        return;
      case "early-hints":
        res.writeEarlyHints({ link: "</style.css>; rel=preload; as=style" });
        res.writeHead(200, { "content-type": "text/plain" });
        res.end("after hints");
        return;
      case "status": {
        // /status/503 answers 503: one origin whose success or failure a test picks by path
        const code = Number(id);
        res.writeHead(code >= 200 && code <= 599 ? code : 400, { "content-type": "text/plain" });
        res.end(`status ${id}`);
        return;
      }
      case "hop":
        res.writeHead(200, {
          "content-type": "text/plain",
          connection: "x-secret-hop",
          "x-secret-hop": "1",
          "proxy-authenticate": "Basic",
          "proxy-connection": "keep-alive",
          "x-kept": "yes",
        });
        res.end("hop");
        return;
      default:
        res.writeHead(404).end("no such lab route");
    }
  };
}

interface Seen {
  method: string | undefined;
  path: string;
  headers: IncomingMessage["headers"];
}

function recorderHandler(seen: Map<string, Seen[]>): Handler {
  return (req, res) => {
    const url = new URL(req.url ?? "/", "http://origin");
    if (url.pathname.startsWith("/__seen/")) {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(seen.get(decodeURIComponent(url.pathname.slice(8))) ?? []));
      return;
    }
    const tag = String(req.headers["x-test-tag"] ?? "");
    const list = seen.get(tag) ?? [];
    list.push({ method: req.method, path: req.url ?? "/", headers: req.headers });
    seen.set(tag, list);
    req.resume();
    const delay = Math.min(Number(req.headers["x-delay"] ?? 0) || 0, 10_000);
    setTimeout(() => {
      if (!res.destroyed) res.writeHead(200, { "content-type": "text/plain" }).end("recorded");
    }, delay);
  };
}

export default async function (project: TestProject) {
  const held = new Map<string, ServerResponse>();
  const seen = new Map<string, Seen[]>();
  const flakySeen = new Set<string>();
  const servers = {
    hello: await listen(text("Hello World")),
    helloV2: await listen(text("Hello World v2")),
    helloV3: await listen(text("Hello World v3")),
    echo: await listen(echo),
    lab: await listen(labHandler(held)),
    failing: await listen((_req, res) => res.writeHead(500, { "content-type": "text/plain" }).end("Internal Server Error")),
    recorder: await listen(recorderHandler(seen)),
    unavailable: await listen((req, res) => {
      req.resume();
      res.writeHead(503, { "content-type": "text/plain" }).end("Service Unavailable");
    }),
    flaky: await listen((req, res) => {
      req.resume();
      const id = String(req.headers["x-flaky-id"] ?? "");
      if (flakySeen.has(id)) return res.writeHead(200, { "content-type": "text/plain" }).end("recovered");
      flakySeen.add(id);
      res.writeHead(503, { "content-type": "text/plain" }).end("Service Unavailable");
    }),
  };
  const wss = new WebSocketServer({ server: servers.lab, path: "/ws" });
  wss.on("connection", (socket, req) => {
    socket.send(`hello ${req.headers["x-ws-probe"] ?? ""}`);
    socket.on("message", (data, isBinary) => socket.send(data, { binary: isBinary }));
  });

  // Node's HTTP server cannot write a status outside 100–999; a raw socket writes anything.
  const rawStatus = createTcpServer((socket) => {
    let head = "";
    socket.on("data", (chunk: Buffer) => {
      head += chunk.toString("latin1");
      if (!head.includes("\r\n\r\n")) return;
      const line = decodeURIComponent(head.slice(head.indexOf(" ") + 2, head.indexOf(" HTTP/")));
      socket.end(`HTTP/1.1 ${line}\r\ncontent-length: 5\r\nconnection: close\r\n\r\nbogus`);
    });
    socket.on("error", () => undefined);
  });
  await new Promise<void>((resolve) => rawStatus.listen(0, "127.0.0.1", resolve));

  const deadServer = await listen(text("never"));
  const dead = portOf(deadServer);
  await new Promise<void>((resolve) => deadServer.close(() => resolve()));

  const origins: OriginPorts = {
    hello: portOf(servers.hello),
    helloV2: portOf(servers.helloV2),
    helloV3: portOf(servers.helloV3),
    echo: portOf(servers.echo),
    lab: portOf(servers.lab),
    dead,
    failing: portOf(servers.failing),
    recorder: portOf(servers.recorder),
    unavailable: portOf(servers.unavailable),
    flaky: portOf(servers.flaky),
    rawStatus: (rawStatus.address() as AddressInfo).port,
  };
  project.provide("origins", origins);

  return async () => {
    for (const socket of wss.clients) socket.terminate();
    wss.close();
    for (const res of held.values()) res.destroy();
    rawStatus.close();
    await Promise.all(
      Object.values(servers).map(
        (server) =>
          new Promise<void>((resolve) => {
            server.closeAllConnections();
            server.close(() => resolve());
          }),
      ),
    );
  };
}
