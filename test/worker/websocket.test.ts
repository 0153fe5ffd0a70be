// WebSocket upgrades pass through Weir to the origin (DESIGN §5), against a real `ws` server.
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { call, origin, resetRoutes, seed } from "./helpers.ts";

beforeEach(resetRoutes);
beforeAll(async () => {
  await seed({
    stack: "ws",
    name: "svc",
    origins: [origin("lab")],
    revisions: { v3: { origins: [origin("lab")], weight: 50 } },
    configVersion: 4,
  });
  await seed({ stack: "ws", name: "dead", origins: [origin("dead")] });
});

/** Resolves with each message as it arrives. */
function inbox(socket: WebSocket): () => Promise<string> {
  const queue: string[] = [];
  const waiting: ((message: string) => void)[] = [];
  socket.addEventListener("message", (event) => {
    const text = typeof event.data === "string" ? event.data : new TextDecoder().decode(event.data as ArrayBuffer);
    const waiter = waiting.shift();
    if (waiter) waiter(text);
    else queue.push(text);
  });
  return () => (queue.length > 0 ? Promise.resolve(queue.shift()!) : new Promise((resolve) => waiting.push(resolve)));
}

describe("WebSocket", () => {
  it("upgrades through Weir and echoes both ways", async () => {
    const response = await call("http://svc.ws.weir.localhost/ws", {
      headers: { upgrade: "websocket", "x-ws-probe": "probe-1", cookie: "other=1" },
    });
    expect(response.status).toBe(101);
    expect(response.headers.get("weir-config-version")).toBe("4");
    expect(["v0", "v3"]).toContain(response.headers.get("weir-revision"));
    expect(response.headers.get("set-cookie")).toMatch(/^weir=/);
    const socket = response.webSocket!;
    const next = inbox(socket);
    socket.accept();
    // the origin greets with a header of the upgrade request: headers went through
    expect(await next()).toBe("hello probe-1");
    for (const message of ["ping", "✓ unicode", "x".repeat(100_000)]) {
      socket.send(message);
      expect(await next()).toBe(message);
    }
    const closed = new Promise<CloseEvent>((resolve) => socket.addEventListener("close", resolve));
    socket.close(1000, "done");
    expect((await closed).code).toBe(1000);
  });

  it("an upgrade to an origin that refuses the connection is 502 origin_unreachable", async () => {
    const response = await call("http://dead.ws.weir.localhost/ws", { headers: { upgrade: "websocket" } });
    expect(response.status).toBe(502);
    expect(response.webSocket).toBeNull();
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("origin_unreachable");
  });
});
