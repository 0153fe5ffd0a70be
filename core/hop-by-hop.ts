/**
 * @module core/hop-by-hop
 * The header names that describe one connection rather than the message (RFC 9110 §7.6.1,
 * and the legacy ones): the proxy strips them in both directions, and a traffic rule may
 * not edit them. workerd drops some itself, not all.
 */
export const HOP_BY_HOP_HEADERS: readonly string[] = [
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
];
