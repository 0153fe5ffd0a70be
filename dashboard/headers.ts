/**
 * @module dashboard/headers
 * The response headers of every dashboard file: a strict Content Security Policy (only this
 * origin's scripts, styles and connections; no inline script or style; no framing; DOM
 * sinks locked by Trusted Types, since the page shows names and URLs users chose), no MIME
 * sniffing, no referrer, and caching that suits each kind of file.
 */

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "require-trusted-types-for 'script'",
  "trusted-types 'none'",
].join("; ");

/**
 * `page`: the HTML, revalidated on every load so a deploy is seen at once;
 * `immutable`: a file under a versioned URL; `none`: refusals.
 */
export type CachePolicy = "page" | "immutable" | "none";

const CACHE_CONTROL: Record<CachePolicy, string> = {
  page: "no-cache",
  immutable: "public, max-age=31536000, immutable",
  none: "no-store",
};

export function dashboardHeaders(contentType: string, cache: CachePolicy): Headers {
  return new Headers({
    "content-type": contentType,
    "cache-control": CACHE_CONTROL[cache],
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
  });
}
