/**
 * @module admin/body-limit
 * Request bodies of the admin API: at most MAX_BODY_BYTES (413 `payload_too_large`), and
 * any body the API answers without reading (a 413, a 401, a 404, a route that reads no
 * body) is discarded before the answer leaves (worker/refused-body.ts says why). Hono's
 * own bodyLimit keeps the reader of a chunked body it refuses to itself, so the rest of
 * that body could never be read or cancelled; this one discards it.
 */
import type { MiddlewareHandler } from "hono";
import { WeirError } from "../core/errors.ts";
import { discardRest, discardUnreadBody } from "../worker/refused-body.ts";

export const MAX_BODY_BYTES = 1024 * 1024;

function tooLarge(): WeirError {
  return new WeirError("payload_too_large", "request body is larger than 1 MiB");
}

/** First in the chain: once the answer is decided, whatever is left of the body is discarded. */
export const discardRefusedBody: MiddlewareHandler = async (c, next) => {
  const request = c.req.raw;
  await next();
  await discardUnreadBody(request);
};

/**
 * Refuses bodies over MAX_BODY_BYTES: by Content-Length before reading, and a chunked body
 * once it grows past the limit (then buffered for the route, as it is at most 1 MiB).
 */
export const limitBody: MiddlewareHandler = async (c, next) => {
  const request = c.req.raw;
  if (request.body === null) return next();
  const length = request.headers.get("content-length");
  if (length !== null && !request.headers.has("transfer-encoding")) {
    if (Number(length) > MAX_BODY_BYTES) throw tooLarge();
    return next();
  }
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const chunk = await reader.read();
    if (chunk.done) break;
    size += chunk.value.byteLength;
    if (size > MAX_BODY_BYTES) {
      await discardRest(reader);
      throw tooLarge();
    }
    chunks.push(chunk.value);
  }
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  c.req.raw = new Request(request, { body });
  return next();
};
