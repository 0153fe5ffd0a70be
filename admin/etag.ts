/**
 * @module admin/etag
 * ETag = the quoted config version (DESIGN §8); `If-Match` takes the same form. Matching
 * is RFC 9110's strong comparison (§13.1.1: an origin server must use it for If-Match): a
 * weak tag `W/"42"` is well-formed but never matches, so the write gets a 412.
 */
import { WeirError } from "../core/errors.ts";
import type { IfMatch } from "./store/outcome.ts";

export function etagOf(configVersion: number): string {
  return `"${configVersion}"`;
}

/** entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE, etagc = %x21 / %x23-7E / obs-text (RFC 9110 §8.8.3) */
const ENTITY_TAG = /^(W\/)?"([\x21\x23-\x7e\x80-\xff]*)"$/;

/**
 * Parses an If-Match header: `*`, or a list of entity tags of which only strong ones
 * naming a config version can match. Anything else does not parse: 400.
 */
export function parseIfMatch(header: string | undefined): IfMatch | undefined {
  if (header === undefined) return undefined;
  const text = header.trim();
  if (text === "*") return "*";
  // Empty list elements are allowed and ignored (RFC 9110 §5.6.1).
  const tags = text
    .split(",")
    .map((t) => t.trim())
    .filter((t) => t !== "");
  if (tags.length === 0) throw malformed();
  const versions: number[] = [];
  for (const tag of tags) {
    const m = ENTITY_TAG.exec(tag);
    if (!m) throw malformed();
    // Strong comparison: a weak tag, or a strong one that is not a config version, matches nothing.
    if (m[1] === undefined && /^\d+$/.test(m[2])) versions.push(Number(m[2]));
  }
  return versions;
}

function malformed(): WeirError {
  return new WeirError("bad_request", `If-Match must be "*" or a list of entity tags such as "42" (the ETag of a read)`);
}
