/**
 * @module admin/etag
 * ETag = the quoted config version (DESIGN §8); `If-Match` takes the same form.
 */
import { WeirError } from "../core/errors.ts";
import type { IfMatch } from "./store/outcome.ts";

export function etagOf(configVersion: number): string {
  return `"${configVersion}"`;
}

/** Parses an If-Match header: `*` or a list of (possibly weak) quoted config versions. */
export function parseIfMatch(header: string | undefined): IfMatch | undefined {
  if (header === undefined) return undefined;
  const text = header.trim();
  if (text === "*") return "*";
  const tags = text.split(",").map((t) => t.trim());
  const versions: number[] = [];
  for (const tag of tags) {
    const m = /^(?:W\/)?"([^"]*)"$/.exec(tag);
    if (!m) throw new WeirError("bad_request", `If-Match must be "*" or a quoted config version such as "42", got '${header}'`);
    // A well-formed tag that is not a config version can never match: the write gets a 412.
    if (/^\d+$/.test(m[1])) versions.push(Number(m[1]));
  }
  return versions;
}
