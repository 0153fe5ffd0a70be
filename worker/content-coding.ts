/**
 * @module worker/content-coding
 * Never hand a client a Content-Encoding it did not accept (DESIGN §5).
 *
 * What workerd does (checked with wrangler dev 4.86 / workerd 1.20260426): the Worker
 * never sees the client's Accept-Encoding. The front line (Cloudflare's FL, or miniflare's
 * entry worker locally) replaces it with `br, gzip` and keeps the client's own value in
 * `request.cf.clientAcceptEncoding` ("" when the client sent none). Forwarding the request
 * therefore asks every origin for br/gzip; workerd decodes gzip and br response bodies
 * unless told `encodeResponseBody: "manual"`, and encodes again on the way out when the
 * response still names a coding. Locally, a client that sent no Accept-Encoding (curl)
 * then received gzip. So Weir judges by the client's own value:
 *  - a client that accepts both gzip and br (every browser) gets origin bytes untouched
 *    (manual mode: no decode, no re-encode);
 *  - any other client gets workerd's decoded body, and the coding header is dropped unless
 *    the client accepts it (then workerd encodes it again).
 * deflate, which workerd does not decode, goes through a DecompressionStream; a coding
 * neither side can handle is refused with a 502.
 */

/** What the client itself accepts: cf.clientAcceptEncoding when the front line set it. */
export function clientAcceptEncoding(request: Request): string | null {
  const fromClient = (request.cf as { clientAcceptEncoding?: string } | undefined)?.clientAcceptEncoding;
  return fromClient ?? request.headers.get("accept-encoding");
}

/** q-value > 0 for `coding` (or `*`) in an Accept-Encoding header. */
export function acceptsCoding(header: string | null, coding: string): boolean {
  if (header === null) return false;
  let wildcard = false;
  for (const part of header.split(",")) {
    const semi = part.indexOf(";");
    const name = (semi === -1 ? part : part.slice(0, semi)).trim().toLowerCase();
    if (name !== coding && name !== "*") continue;
    const q = semi === -1 ? 1 : Number(/q=([0-9.]+)/i.exec(part.slice(semi))?.[1] ?? 1);
    if (name === coding) return q > 0;
    wildcard = q > 0;
  }
  return wildcard;
}

/** How to ask workerd to treat the origin's response body. */
export function responseBodyMode(acceptEncoding: string | null): "manual" | "automatic" {
  return acceptsCoding(acceptEncoding, "gzip") && acceptsCoding(acceptEncoding, "br") ? "manual" : "automatic";
}

export interface DecodedBody {
  body: ReadableStream | null;
  /** false when the response names a coding nobody here can undo */
  ok: boolean;
}

/**
 * Makes `headers` + body acceptable to a client with `acceptEncoding`; mutates `headers`.
 * `mode` is the one the origin was fetched with.
 */
export function fitContentCoding(
  body: ReadableStream | null,
  headers: Headers,
  acceptEncoding: string | null,
  mode: "manual" | "automatic",
): DecodedBody {
  const header = headers.get("content-encoding");
  if (header === null) return { body, ok: true };
  const coding = header.trim().toLowerCase();
  if (coding === "identity" || coding === "" || acceptsCoding(acceptEncoding, coding)) return { body, ok: true };
  headers.delete("content-encoding");
  headers.delete("content-length");
  if (mode === "automatic" && (coding === "gzip" || coding === "br")) return { body, ok: true }; // already decoded
  if (body === null) return { body, ok: true };
  if (coding === "gzip" || coding === "x-gzip") return { body: body.pipeThrough(new DecompressionStream("gzip")), ok: true };
  if (coding === "deflate") return { body: body.pipeThrough(new DecompressionStream("deflate")), ok: true };
  return { body, ok: false };
}
