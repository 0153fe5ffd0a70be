/**
 * @module admin/auth
 * Bearer-token check for the admin API. Fails closed: without ADMIN_TOKEN configured every
 * request is refused. Tokens are compared in constant time (on their SHA-256 digests, so
 * the comparison does not leak the length either).
 */
import { WeirError } from "../core/errors.ts";

const encoder = new TextEncoder();

async function digest(text: string): Promise<ArrayBuffer> {
  return crypto.subtle.digest("SHA-256", encoder.encode(text));
}

/** The actor name of an authorized request; throws 401 otherwise. */
export async function authenticate(header: string | undefined, rootToken: string | undefined): Promise<string> {
  if (!rootToken) throw new WeirError("unauthorized", "the admin API is disabled: no ADMIN_TOKEN is configured");
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
  if (!match) throw new WeirError("unauthorized", "missing 'Authorization: Bearer <token>' header");
  const [given, root] = await Promise.all([digest(match[1]), digest(rootToken)]);
  if (!crypto.subtle.timingSafeEqual(given, root)) throw new WeirError("unauthorized", "invalid admin token");
  return "root";
}
