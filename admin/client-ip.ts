/**
 * @module admin/client-ip
 * The client's IP as Cloudflare reports it (`CF-Connecting-IP`): the key of the failed-
 * authentication limit and the IP recorded with each history entry. Anything that does not
 * look like an IPv4 or IPv6 address is ignored (locally a client can send any header).
 */
import type { AdminContext } from "./context.ts";

const IP_LIKE = /^(?:[0-9]{1,3}(?:\.[0-9]{1,3}){3}|[0-9a-fA-F:]*:[0-9a-fA-F:.]*)$/;
const IPV4 = /^[0-9]{1,3}(?:\.[0-9]{1,3}){3}$/;
const HEXTET = /^[0-9a-f]{1,4}$/;

export function clientIp(c: AdminContext): string | null {
  const value = c.req.header("cf-connecting-ip")?.trim();
  return value && value.length <= 45 && IP_LIKE.test(value) ? value.toLowerCase() : null;
}

/** The eight 16-bit groups of an IPv6 address (`::` and a dotted IPv4 tail allowed), or null. */
function ipv6Groups(ip: string): number[] | null {
  let text = ip.toLowerCase();
  const tail = /:([0-9.]+)$/.exec(text);
  if (tail && tail[1].includes(".")) {
    if (!IPV4.test(tail[1])) return null;
    const [a, b, c, d] = tail[1].split(".").map(Number);
    if ([a, b, c, d].some((n) => n > 255)) return null;
    text = `${text.slice(0, tail.index + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const parse = (part: string) => (part === "" ? [] : part.split(":"));
  const head = parse(halves[0]);
  const rest = halves.length === 2 ? parse(halves[1]) : [];
  if (![...head, ...rest].every((h) => HEXTET.test(h))) return null;
  const missing = 8 - head.length - rest.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  return [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...rest].map((h) => parseInt(h, 16));
}

/**
 * Whom failed authentications count against: an IPv4 address as it is, an IPv6 address by
 * the /64 it lies in. A /64 is what one subscriber or one server is usually given, and
 * hopping between its 2^64 addresses costs nothing: counting each address on its own
 * would let a single client guess without limit. An IPv4-mapped IPv6 address counts as
 * its IPv4 address.
 */
export function failureKeyOf(ip: string): string {
  if (IPV4.test(ip)) return ip;
  const groups = ipv6Groups(ip);
  if (groups === null) return ip;
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return [groups[6] >> 8, groups[6] & 255, groups[7] >> 8, groups[7] & 255].join(".");
  }
  return `${groups.slice(0, 4).map((g) => g.toString(16)).join(":")}::/64`;
}
