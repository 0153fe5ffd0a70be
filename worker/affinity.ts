/**
 * @module worker/affinity
 * The sticky key of a request (DESIGN §4), per the route's `affinity`:
 *  - `cookie` (default): a random id Weir mints itself, in the cookie `weir` as
 *    `<id>.<mac>` (both base64url; mac = first 16 bytes of HMAC-SHA256(STICKY_SECRET, id)).
 *    Values that do not verify are ignored and replaced, so clients cannot pick a slot.
 *  - `header:<Name>`: that request header's value.
 *  - `ip`: CF-Connecting-IP.
 *  - `none`: random per request.
 * A request without a key gets a fresh random one, so a cookie-less curl loop shows the split.
 * None of this runs while one revision serves every request (CompiledRoute.sole): then there
 * is nothing to be sticky about, so no cookie is minted, signed or checked.
 *
 * Without STICKY_SECRET each isolate signs with its own random key: cookies still cannot be
 * forged, but stay sticky only while that isolate lives (`npm start` creates a secret).
 */
import { base64ToBytes } from "../core/base64.ts";
import { readCookie } from "../core/cookie-header.ts";

export { readCookie };

export const COOKIE_NAME = "weir";
const COOKIE_ATTRIBUTES = "; Path=/; Max-Age=2592000; HttpOnly; SameSite=Lax";
const ID_BYTES = 16;
const MAC_BYTES = 16;
/** verified cookie values kept per isolate, to skip the HMAC on repeat visitors */
const VERIFIED_LIMIT = 4096;

export interface StickyKey {
  key: string;
  /** a Set-Cookie value to send, when a cookie was minted */
  setCookie?: string;
}

const encoder = new TextEncoder();
let signingKey: { secret: string | undefined; key: Promise<CryptoKey> } | undefined;
const verified = new Set<string>();

function hmacKey(secret: string | undefined): Promise<CryptoKey> {
  if (signingKey === undefined || signingKey.secret !== secret) {
    verified.clear();
    const ephemeral = secret === undefined || secret === "";
    if (ephemeral) console.warn("weir: STICKY_SECRET is not set; sticky cookies hold only as long as this isolate");
    const raw = ephemeral ? crypto.getRandomValues(new Uint8Array(32)) : encoder.encode(secret);
    signingKey = { secret, key: crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]) };
  }
  return signingKey.key;
}

/** A fresh random key (no cookie, missing header, `none`). */
export function randomKey(): string {
  return crypto.randomUUID();
}

/** The sticky key of `request` under `affinity`; may mint a cookie. */
export function stickyKey(
  request: Request,
  affinity: string,
  secret: string | undefined,
  https: boolean,
): StickyKey | Promise<StickyKey> {
  if (affinity === "cookie") {
    const value = readCookie(request.headers.get("cookie"), COOKIE_NAME);
    // A returning visitor's cookie was verified before: no HMAC, no await.
    if (value !== undefined && signingKey?.secret === secret && verified.has(value)) return { key: value.slice(0, value.indexOf(".")) };
    return cookieKey(value, secret, https);
  }
  if (affinity === "ip") return { key: request.headers.get("cf-connecting-ip") || randomKey() };
  if (affinity.startsWith("header:")) return { key: request.headers.get(affinity.slice(7)) || randomKey() };
  return { key: randomKey() };
}

async function cookieKey(value: string | undefined, secret: string | undefined, https: boolean): Promise<StickyKey> {
  const key = hmacKey(secret);
  if (value !== undefined) {
    const id = await verifiedId(value, await key);
    if (id !== undefined) return { key: id };
  }
  const id = toBase64Url(crypto.getRandomValues(new Uint8Array(ID_BYTES)));
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", await key, encoder.encode(id)), 0, MAC_BYTES);
  const minted = `${id}.${toBase64Url(mac)}`;
  remember(minted);
  return { key: id, setCookie: `${COOKIE_NAME}=${minted}${COOKIE_ATTRIBUTES}${https ? "; Secure" : ""}` };
}

/** The id inside a cookie value, or undefined unless its MAC verifies. */
async function verifiedId(value: string, key: CryptoKey): Promise<string | undefined> {
  const dot = value.indexOf(".");
  if (dot <= 0) return undefined;
  const id = value.slice(0, dot);
  const mac = fromBase64Url(value.slice(dot + 1));
  if (mac === undefined || mac.length !== MAC_BYTES) return undefined;
  // verify() wants the whole MAC; recompute and compare in constant time instead.
  const full = new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(id)), 0, MAC_BYTES);
  let diff = 0;
  for (let i = 0; i < MAC_BYTES; i++) diff |= full[i] ^ mac[i];
  if (diff !== 0) return undefined;
  remember(value);
  return id;
}

function remember(value: string): void {
  if (verified.size >= VERIFIED_LIMIT) verified.clear();
  verified.add(value);
}

const BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/** Unpadded base64url, straight from the bytes: a fresh visitor's cookie needs two per request. */
export function toBase64Url(bytes: Uint8Array): string {
  let out = "";
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    out += BASE64URL[n >> 18] + BASE64URL[(n >> 12) & 63] + BASE64URL[(n >> 6) & 63] + BASE64URL[n & 63];
  }
  if (i < bytes.length) {
    const n = (bytes[i] << 16) | (i + 1 < bytes.length ? bytes[i + 1] << 8 : 0);
    out += BASE64URL[n >> 18] + BASE64URL[(n >> 12) & 63];
    if (i + 1 < bytes.length) out += BASE64URL[(n >> 6) & 63];
  }
  return out;
}

function fromBase64Url(text: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(text) || text.length % 4 === 1) return undefined;
  return base64ToBytes(text.replace(/-/g, "+").replace(/_/g, "/"));
}
