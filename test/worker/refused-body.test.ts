// Bodies Weir answers without reading (issue 9 item 12): read and thrown away up to 8 MiB
// and 2 s, then cancelled, so `wrangler dev`'s proxy never sees an answer before the body
// (test/e2e/proxy-real-server.test.ts shows that through the real server). Here, in
// workerd, the property itself: how much of a refused body was read, and whether the rest
// was cancelled. Also the admin API's refusals (413, 401, 404).
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import worker from "../../worker/index.ts";
import type { Env } from "../../worker/env.ts";
import { DISCARD_LIMIT_BYTES } from "../../worker/refused-body.ts";
import { env, origin, resetRoutes, seed } from "./helpers.ts";

const MiB = 1024 * 1024;
const ADMIN = "http://admin.weir.localhost";

interface Tracked {
  stream: ReadableStream<Uint8Array>;
  /** bytes handed to the reader so far */
  read: () => number;
  ended: () => boolean;
  cancelled: () => boolean;
}

/** A streamed (chunked) body of `total` bytes that records how much of it was read. */
function trackedBody(total: number, options: { stallAfter?: number; fill?: number } = {}): Tracked {
  let read = 0;
  let ended = false;
  let cancelled = false;
  const chunk = new Uint8Array(64 * 1024).fill(options.fill ?? 0x20);
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (options.stallAfter !== undefined && read >= options.stallAfter) return new Promise(() => undefined);
      if (read >= total) {
        ended = true;
        controller.close();
        return;
      }
      const n = Math.min(chunk.length, total - read);
      controller.enqueue(chunk.slice(0, n));
      read += n;
    },
    cancel() {
      cancelled = true;
    },
  });
  return { stream, read: () => read, ended: () => ended, cancelled: () => cancelled };
}

async function send(url: string, init: RequestInit & { duplex?: "half" }): Promise<{ response: Response; request: Request }> {
  const request = new Request(url, init);
  const ctx = createExecutionContext();
  const response = await worker.fetch(request, env as Env, ctx);
  await waitOnExecutionContext(ctx);
  return { response, request };
}

const post = (body: BodyInit, headers: Record<string, string> = {}) => ({ method: "POST", body, headers, duplex: "half" as const });
const auth = { authorization: `Bearer ${env.ADMIN_TOKEN}`, "content-type": "application/json" };

async function errorCode(response: Response): Promise<string> {
  return ((await response.json()) as { error: { code: string } }).error.code;
}

beforeEach(resetRoutes);

describe("data plane: a body refused before any origin saw it", () => {
  it("no_route reads a 2 MiB streamed body to its end before answering", async () => {
    const body = trackedBody(2 * MiB);
    const { response } = await send("http://nobody.refused.weir.localhost/upload", post(body.stream));
    expect(response.status).toBe(404);
    expect(await errorCode(response)).toBe("no_route");
    expect(body.ended()).toBe(true);
    expect(body.read()).toBe(2 * MiB);
  });

  it("no_route reads a body with a Content-Length, and a loop (508) reads its body too", async () => {
    const sized = trackedBody(MiB);
    const { response } = await send("http://nobody.refused.weir.localhost/", post(sized.stream, { "content-length": String(MiB) }));
    expect(response.status).toBe(404);
    expect(sized.ended()).toBe(true);
    await seed({ stack: "refused", name: "svc", origins: [origin("echo")] });
    const loop = trackedBody(MiB);
    const looped = await send("http://svc.refused.weir.localhost/", post(loop.stream, { via: "1.1 weir" }));
    expect(looped.response.status).toBe(508);
    expect(loop.ended()).toBe(true);
  });

  it("reads at most DISCARD_LIMIT_BYTES of a huge body, then cancels the rest", async () => {
    const body = trackedBody(64 * MiB);
    const { response } = await send("http://nobody.refused.weir.localhost/", post(body.stream));
    expect(response.status).toBe(404);
    expect(body.cancelled()).toBe(true);
    expect(body.ended()).toBe(false);
    expect(body.read()).toBeGreaterThan(DISCARD_LIMIT_BYTES);
    expect(body.read()).toBeLessThan(DISCARD_LIMIT_BYTES + 2 * MiB);
  });

  it("a body that stalls is cancelled after the time bound, and the answer still comes", async () => {
    const body = trackedBody(4 * MiB, { stallAfter: MiB });
    const { response } = await send("http://nobody.refused.weir.localhost/", post(body.stream));
    expect(response.status).toBe(404);
    expect(body.cancelled()).toBe(true);
    expect(body.read()).toBe(MiB);
  });

  it("a served upload goes to the origin whole, untouched by the discard", async () => {
    await seed({ stack: "refused", name: "up", origins: [origin("lab")] });
    const body = trackedBody(3 * MiB);
    const { response } = await send("http://up.refused.weir.localhost/upload", post(body.stream));
    expect(response.status).toBe(200);
    expect(((await response.json()) as { bodyLength: number }).bodyLength).toBe(3 * MiB);
    expect(body.ended()).toBe(true);
  });
});

describe("admin API: every early refusal reads the body first", () => {
  it("413 for a 2 MiB chunked body, read to its end", async () => {
    const body = trackedBody(2 * MiB);
    const { response } = await send(`${ADMIN}/v1/services`, post(body.stream, auth));
    expect(response.status).toBe(413);
    expect(await errorCode(response)).toBe("payload_too_large");
    expect(body.ended()).toBe(true);
  });

  it("413 by Content-Length without reading first, then the body is read", async () => {
    const body = trackedBody(2 * MiB);
    const { response } = await send(`${ADMIN}/v1/services`, post(body.stream, { ...auth, "content-length": String(2 * MiB) }));
    expect(response.status).toBe(413);
    expect(await errorCode(response)).toBe("payload_too_large");
    expect(body.ended()).toBe(true);
  });

  it("401 with a body, and a route that reads no body, read it", async () => {
    const unauthorized = trackedBody(MiB);
    const refused = await send(`${ADMIN}/v1/services`, post(unauthorized.stream, { "content-type": "application/json" }));
    expect(refused.response.status).toBe(401);
    expect(unauthorized.ended()).toBe(true);
    const nowhere = trackedBody(512 * 1024);
    const missing = await send(`${ADMIN}/v1/nowhere`, post(nowhere.stream, auth));
    expect(missing.response.status).toBe(404);
    expect(nowhere.ended()).toBe(true);
  });

  it("cancels a chunked body past the discard bound", async () => {
    const body = trackedBody(64 * MiB);
    const { response } = await send(`${ADMIN}/v1/services`, post(body.stream, auth));
    expect(response.status).toBe(413);
    expect(body.cancelled()).toBe(true);
    expect(body.read()).toBeLessThan(DISCARD_LIMIT_BYTES + 4 * MiB);
  });

  it("a chunked body under 1 MiB still reaches the route", async () => {
    const json = new TextEncoder().encode(JSON.stringify({ name: `refused-${crypto.randomUUID().slice(0, 6)}/svc`, origins: [origin("hello")] }));
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(json.slice(0, 10));
        controller.enqueue(json.slice(10));
        controller.close();
      },
    });
    const { response } = await send(`${ADMIN}/v1/services`, post(stream, auth));
    expect(response.status, await response.clone().text()).toBe(201);
  });
});
