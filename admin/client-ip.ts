/**
 * @module admin/client-ip
 * The client's IP as Cloudflare reports it (`CF-Connecting-IP`): the key of the failed-
 * authentication limit and the IP recorded with each history entry. Anything that does not
 * look like an IPv4 or IPv6 address is ignored (locally a client can send any header).
 */
import type { AdminContext } from "./context.ts";

const IP_LIKE = /^(?:[0-9]{1,3}(?:\.[0-9]{1,3}){3}|[0-9a-fA-F:]*:[0-9a-fA-F:.]*)$/;

export function clientIp(c: AdminContext): string | null {
  const value = c.req.header("cf-connecting-ip")?.trim();
  return value && value.length <= 45 && IP_LIKE.test(value) ? value.toLowerCase() : null;
}
