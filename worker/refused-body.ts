/**
 * @module worker/refused-body
 * What happens to a request body Weir answers without reading (a 413, a 401, `no_route`,
 * an origin that answered before it read the upload): it is read and thrown away, up to
 * DISCARD_LIMIT_BYTES and DISCARD_LIMIT_MS, then cancelled. Answering with the body half
 * read confuses `wrangler dev`'s proxy (the next request gets 503 "Your worker restarted
 * mid-request" or "Network connection lost", the one after can hang: workers-sdk #15709,
 * #15203); Cloudflare and bare workerd do not mind, and the bounds keep the cost small there.
 */

/** Bytes of a refused body read before the rest is cancelled. */
export const DISCARD_LIMIT_BYTES = 8 * 1024 * 1024;
/** ms spent reading a refused body before the rest is cancelled (a client may trickle it). */
export const DISCARD_LIMIT_MS = 2_000;

/** Reads what is left of a body through its reader (bounded), then cancels the rest. */
export async function discardRest(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
  let read = 0;
  const timer = setTimeout(() => void reader.cancel().catch(() => undefined), DISCARD_LIMIT_MS);
  try {
    for (;;) {
      const chunk = await reader.read();
      if (chunk.done) return;
      read += chunk.value.byteLength;
      if (read > DISCARD_LIMIT_BYTES) {
        await reader.cancel();
        return;
      }
    }
  } catch {
    // the client went away, or the timer cancelled the read: nothing left to discard
  } finally {
    clearTimeout(timer);
  }
}

/** Discards `request`'s body unless something has read (or is reading) it already. */
export async function discardUnreadBody(request: Request): Promise<void> {
  const body = request.body;
  if (body === null || request.bodyUsed || body.locked) return;
  await discardRest(body.getReader());
}
