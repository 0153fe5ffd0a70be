import { describe, expect, it } from "vitest";
import { murmur3, murmur3Bytes } from "../../core/hash.ts";

// Published MurmurHash3 x86_32 vectors (SMHasher's reference implementation).
const VECTORS: [string, number, number][] = [
  ["", 0, 0x00000000],
  ["", 1, 0x514e28b7],
  ["", 0xffffffff, 0x81f16f39],
  ["a", 0, 0x3c2569b2],
  ["aaaa", 0x9747b28c, 0x5a97808a],
  ["abc", 0x9747b28c, 0xc84a62dd],
  ["Hello, world!", 0x9747b28c, 0x24884cba],
  ["The quick brown fox jumps over the lazy dog", 0x9747b28c, 0x2fa826cd],
];

describe("murmur3", () => {
  it.each(VECTORS)("hashes %j with seed %i", (text, seed, expected) => {
    expect(murmur3(text, seed)).toBe(expected);
    expect(murmur3Bytes(new TextEncoder().encode(text), seed)).toBe(expected);
  });

  it("hashes the UTF-8 bytes of non-ASCII text", () => {
    // Cross-checked against an independent Python implementation of the reference.
    expect(murmur3("ππππ", 0x9747b28c)).toBe(0x474dc9a8);
  });
});
