/**
 * @module test/core/key-shapes
 * Sticky keys of the four shapes the data plane hashes (DESIGN §4), generated from a seeded
 * PRNG so the slot-table property tests and the selection benchmarks see the same keys on
 * every run and every machine. Pure: runs in workerd and in Node.
 */

/** sfc32 seeded through splitmix32: a small PRNG with good statistics and a 2^128 state. */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  const split = () => {
    s = (s + 0x9e3779b9) | 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = split();
  let b = split();
  let c = split();
  let d = split();
  const next = () => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
  for (let i = 0; i < 12; i++) next();
  return next;
}

export type KeyShape = "cookie" | "sequential" | "ipv4" | "ipv6";
export const KEY_SHAPES: readonly KeyShape[] = ["cookie", "sequential", "ipv4", "ipv6"];

const B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/** A cookie-like id: 16 random bytes as 22 base64url characters. */
function cookieId(next: () => number): string {
  let out = "";
  for (let w = 0; w < 4; w++) {
    let bits = next();
    // 32 bits give 5 characters of 6 bits; the 4×2 left-over bits are dropped, 22 chars kept
    for (let k = 0; k < 5 && out.length < 22; k++, bits >>>= 6) out += B64URL[bits & 63];
  }
  while (out.length < 22) out += B64URL[next() & 63];
  return out;
}

function hex16(n: number): string {
  return (n & 0xffff).toString(16);
}

/**
 * Calls `each(key)` for `count` keys of one shape:
 * - cookie: random ids (the minted-cookie case);
 * - sequential: "1", "2", … (user or account ids in a header);
 * - ipv4: consecutive addresses from 100.64.0.0 (dense client subnets, the worst case for a
 *   weak hash);
 * - ipv6: consecutive /64 prefixes under 2001:db8::/32, each with a random interface id,
 *   in lowercase hex without zero padding.
 */
export function forEachKey(shape: KeyShape, count: number, seed: number, each: (key: string, index: number) => void): void {
  const next = seededRandom(seed);
  for (let i = 0; i < count; i++) {
    switch (shape) {
      case "cookie":
        each(cookieId(next), i);
        break;
      case "sequential":
        each(String(i + 1), i);
        break;
      case "ipv4": {
        const ip = (0x64400000 + i) >>> 0;
        each(`${ip >>> 24}.${(ip >>> 16) & 255}.${(ip >>> 8) & 255}.${ip & 255}`, i);
        break;
      }
      case "ipv6": {
        const a = next();
        const b = next();
        each(`2001:db8:${hex16(i >>> 16)}:${hex16(i)}:${hex16(a >>> 16)}:${hex16(a)}:${hex16(b >>> 16)}:${hex16(b)}`, i);
        break;
      }
    }
  }
}
