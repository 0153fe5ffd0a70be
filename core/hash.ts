/**
 * @module core/hash
 * MurmurHash3 x86_32 over the UTF-8 bytes of a string. Pure JS with Math.imul; ASCII
 * strings (cookie ids, IPs, most header values) are hashed without allocating, which keeps
 * the per-request selection allocation-free. Pinned by the published vectors in
 * test/core/hash.test.ts so other implementations can agree.
 */

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;
const encoder = new TextEncoder();

function mixK(k: number): number {
  k = Math.imul(k, C1);
  k = (k << 15) | (k >>> 17);
  return Math.imul(k, C2);
}

function mixH(h: number, k: number): number {
  h ^= mixK(k);
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/** murmur3's 32-bit finalizer (fmix32): a bijection with full avalanche. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function finalize(h: number, length: number): number {
  return fmix32(h ^ length);
}

/** MurmurHash3 x86_32 of raw bytes. */
export function murmur3Bytes(bytes: Uint8Array, seed = 0): number {
  let h = seed | 0;
  const n = bytes.length;
  const blocks = n & ~3;
  for (let i = 0; i < blocks; i += 4) {
    h = mixH(h, bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24));
  }
  let k = 0;
  switch (n & 3) {
    case 3:
      k ^= bytes[blocks + 2] << 16;
    // falls through
    case 2:
      k ^= bytes[blocks + 1] << 8;
    // falls through
    case 1:
      k ^= bytes[blocks];
      h ^= mixK(k);
  }
  return finalize(h, n);
}

/**
 * MurmurHash3 x86_32 of the UTF-8 encoding of `text`. ASCII text (UTF-8 bytes = char codes)
 * is hashed straight from the char codes; whether any code was above 0x7f is checked once at
 * the end rather than per block, which keeps the hot loop branch-free (about 15 % faster in
 * Node 20), and only then is the text encoded and hashed again.
 */
export function murmur3(text: string, seed = 0): number {
  const n = text.length;
  let h = seed | 0;
  let seen = 0;
  let i = 0;
  const blocks = n & ~3;
  for (; i < blocks; i += 4) {
    const a = text.charCodeAt(i);
    const b = text.charCodeAt(i + 1);
    const c = text.charCodeAt(i + 2);
    const d = text.charCodeAt(i + 3);
    seen |= a | b | c | d;
    h = mixH(h, a | (b << 8) | (c << 16) | (d << 24));
  }
  let k = 0;
  switch (n & 3) {
    case 3: {
      const c = text.charCodeAt(i + 2);
      seen |= c;
      k ^= c << 16;
    }
    // falls through
    case 2: {
      const c = text.charCodeAt(i + 1);
      seen |= c;
      k ^= c << 8;
    }
    // falls through
    case 1: {
      const c = text.charCodeAt(i);
      seen |= c;
      k ^= c;
      h ^= mixK(k);
    }
  }
  if (seen > 0x7f) return murmur3Bytes(encoder.encode(text), seed);
  return finalize(h, n);
}

/** The per-service salt: the hash of `stack/name`, so one key lands independently per service. */
export function serviceSalt(serviceId: string): number {
  return murmur3(serviceId, 0x5745_4952); // "WEIR"
}
