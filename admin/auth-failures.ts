/**
 * @module admin/auth-failures
 * The brute-force limit (DESIGN §11): failed authentications count per client IP in
 * Cloudflare's Rate Limiting binding AUTH_FAILURES (wrangler.toml: 20 per 60 s; Miniflare
 * simulates it); an IPv6 client counts by its /64 (admin/client-ip.ts `failureKeyOf`). Only failures call the binding, so successful requests neither count nor
 * are blocked. Past the limit a failing request gets 429 with Retry-After instead of 401.
 */
import { WeirError } from "../core/errors.ts";
import { clientIp, failureKeyOf } from "./client-ip.ts";
import type { AdminContext } from "./context.ts";

/**
 * Seconds a client is told to wait: the binding's period (wrangler.toml). The binding does
 * not say when its window ends, so this is the longest wait that can be needed.
 */
export const RETRY_AFTER_S = 60;

/** Counts one failed authentication; throws the 429 when the client is past the limit. */
export async function countFailure(c: AdminContext): Promise<void> {
  const limiter = c.env.AUTH_FAILURES;
  if (limiter === undefined) return;
  let outcome: RateLimitOutcome;
  try {
    const ip = clientIp(c);
    outcome = await limiter.limit({ key: `auth:${ip === null ? "unknown" : failureKeyOf(ip)}` });
  } catch (error) {
    // The request fails either way; a limiter outage only turns its 429 back into a 401.
    console.warn("rate limiting binding AUTH_FAILURES failed:", String(error));
    return;
  }
  if (!outcome.success) {
    throw new WeirError("rate_limited", `too many failed authentications from this address: try again in ${RETRY_AFTER_S} s`);
  }
}
