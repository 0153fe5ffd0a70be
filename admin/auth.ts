/**
 * @module admin/auth
 * Who a request acts as (DESIGN §8, §11). Fails closed: without ADMIN_TOKEN configured
 * every request is refused. The root token is compared in constant time (on SHA-256
 * digests, so the comparison does not leak the length either); an API token (`weir_…`) is
 * looked up by the digest of its secret in the ConfigStore on every request — nothing is
 * cached, so a revoked token fails on its very next request. A failed authentication
 * is a 401 that says whether the token was invalid or expired, counted by the brute-force
 * limit (admin/auth-failures.ts), which may turn it into a 429.
 */
import { ROOT, type Principal } from "../core/access.ts";
import { isWeirError, WeirError } from "../core/errors.ts";
import { SECRET_PATTERN } from "../core/token.ts";
import { countFailure } from "./auth-failures.ts";
import { store, type AdminContext } from "./context.ts";

const encoder = new TextEncoder();

export async function sha256(text: string): Promise<ArrayBuffer> {
  return crypto.subtle.digest("SHA-256", encoder.encode(text));
}

const INVALID = "invalid token: no such token, or it has been revoked";

/**
 * The token of `Authorization: Bearer <token>` (scheme case-insensitive, RFC 9110 §11.1);
 * a 401 that says what is wrong with any other header. Never echoes the header: it may be
 * a secret sent the wrong way.
 */
export function bearerToken(header: string | undefined): string {
  const value = (header ?? "").trim();
  if (value === "") throw new WeirError("unauthorized", "missing 'Authorization: Bearer <token>' header");
  const [scheme, ...rest] = value.split(/\s+/);
  if (scheme.toLowerCase() !== "bearer") {
    throw new WeirError("unauthorized", "the Authorization header must use the Bearer scheme: 'Authorization: Bearer <token>'");
  }
  if (rest.length === 0) throw new WeirError("unauthorized", "the Authorization header has no token after 'Bearer'");
  // two tokens, or two Authorization headers (which arrive joined by a comma)
  if (rest.length > 1) throw new WeirError("unauthorized", "the Authorization header must carry exactly one token: 'Bearer <token>'");
  return rest[0];
}

async function principalOf(c: AdminContext, rootToken: string): Promise<Principal> {
  const token = bearerToken(c.req.header("authorization"));
  const [given, root] = await Promise.all([sha256(token), sha256(rootToken)]);
  if (crypto.subtle.timingSafeEqual(given, root)) return ROOT;
  if (!SECRET_PATTERN.test(token)) throw new WeirError("unauthorized", INVALID);
  const check = await store(c).checkToken(given);
  if (check.status === "valid") return check.principal;
  if (check.status === "expired") throw new WeirError("unauthorized", `token '${check.name}' expired at ${check.expiresAt}`);
  throw new WeirError("unauthorized", INVALID);
}

/** The principal of the request; throws 401 (or 429 past the failure limit) otherwise. */
export async function authenticate(c: AdminContext): Promise<Principal> {
  const rootToken = c.env.ADMIN_TOKEN;
  if (!rootToken) throw new WeirError("unauthorized", "the admin API is disabled: no ADMIN_TOKEN is configured");
  try {
    return await principalOf(c, rootToken);
  } catch (error) {
    if (isWeirError(error) && error.code === "unauthorized") await countFailure(c);
    throw error;
  }
}
