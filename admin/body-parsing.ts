/**
 * @module admin/body-parsing
 * Request bodies as the admin API reads them (issue 9): JSON with a key given twice in one
 * object is refused with 400 naming the key (JSON.parse, and so zod, silently keeps the
 * last one: `{"weights": {"v3": 5, "v3": 50}}` would set 50), for every JSON body,
 * `PUT /v1/stacks` included; YAML stack files get the same refusal from the yaml library.
 * A body nested deeper than MAX_BODY_DEPTH is a 400 too: no body of the API nests past
 * ten levels, and a 1 MiB body of 100,000 nested arrays must not reach code whose cost
 * grows with the depth (it once exhausted the isolate's memory and took the server down).
 */
import type { MiddlewareHandler } from "hono";
import { isScalar, LineCounter, parseDocument, visit } from "yaml";
import { WeirError } from "../core/errors.ts";
import { escapeUnprintable } from "../core/printable.ts";

/** Objects and arrays inside one another a JSON body may hold (a stack file needs about ten). */
export const MAX_BODY_DEPTH = 32;

/** A key or path as an error message shows it: escaped and cut short. */
function shown(text: string): string {
  const escaped = escapeUnprintable(text);
  return escaped.length > 64 ? `${escaped.slice(0, 64)}…` : escaped;
}

function where(path: readonly string[]): string {
  return path.length === 0 ? "at the top level" : `in ${path.map(shown).join(".")}`;
}

interface Container {
  kind: "object" | "array";
  path: string[];
  /** object: keys seen so far, the last one, and whether a key comes next */
  keys: Set<string>;
  lastKey: string;
  expectKey: boolean;
  /** array: index of the current element */
  index: number;
}

/** Index just past the string literal that starts at `start` (a '"'). */
function endOfString(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 0x5c) i += 2; // backslash: skip the escaped character
    else if (c === 0x22) return i + 1;
    else i++;
  }
  return i;
}

/**
 * The first key that appears twice in one object of a JSON text (which must already
 * parse), with the path of that object; undefined when there is none. Keys compare as
 * decoded ("a" and "\u0061" are the same key). One pass, no recursion; it stops at the
 * first container nested deeper than MAX_BODY_DEPTH and returns `tooDeep` with its path.
 */
export function duplicateJsonKey(text: string): { key: string; path: string[] } | { tooDeep: string[] } | undefined {
  const stack: Container[] = [];
  const childPath = (): string[] => {
    const top = stack.at(-1);
    if (top === undefined) return [];
    return [...top.path, top.kind === "object" ? top.lastKey : String(top.index)];
  };
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      const end = endOfString(text, i);
      const top = stack.at(-1);
      if (top?.kind === "object" && top.expectKey) {
        const key = JSON.parse(text.slice(i, end)) as string;
        if (top.keys.has(key)) return { key, path: top.path };
        top.keys.add(key);
        top.lastKey = key;
        top.expectKey = false;
      }
      i = end;
      continue;
    }
    if (c === "{" || c === "[") {
      const kind = c === "{" ? "object" : "array";
      if (stack.length >= MAX_BODY_DEPTH) return { tooDeep: childPath() };
      stack.push({ kind, path: childPath(), keys: new Set(), lastKey: "", expectKey: kind === "object", index: 0 });
    } else if (c === "}" || c === "]") {
      stack.pop();
    } else if (c === ",") {
      const top = stack.at(-1);
      if (top?.kind === "object") top.expectKey = true;
      else if (top) top.index++;
    }
    i++;
  }
  return undefined;
}

/** Throws the 400 for a JSON text with a duplicate key or nested too deep (the text must already parse). */
export function refuseDuplicateJsonKeys(text: string): void {
  const dup = duplicateJsonKey(text);
  if (dup === undefined) return;
  if ("tooDeep" in dup) {
    const at = dup.tooDeep.slice(0, 4).map(shown).join(".");
    throw new WeirError("bad_request", `body nests objects and arrays deeper than ${MAX_BODY_DEPTH} levels (at ${at}…)`);
  }
  throw new WeirError("bad_request", `body has the key '${shown(dup.key)}' twice ${where(dup.path)}`);
}

const JSON_TYPE = /^application\/([\w.-]+\+)?json$/i;

/**
 * Admin middleware: a JSON body (by Content-Type, as the route validators decide) is read
 * once here and checked for duplicate keys before any route parses it; the text stays in
 * Hono's body cache, so validators and handlers read it again without touching the stream.
 * A body that does not parse is left for them to refuse.
 */
export const jsonBodyKeys: MiddlewareHandler = async (c, next) => {
  const type = (c.req.header("content-type") ?? "").split(";")[0].trim();
  if (c.req.raw.body !== null && JSON_TYPE.test(type)) {
    const text = await c.req.text();
    let parses = true;
    try {
      JSON.parse(text);
    } catch {
      parses = false;
    }
    if (parses) refuseDuplicateJsonKeys(text);
  }
  await next();
};

/**
 * Parses a YAML stack file; a key given twice in one map is a 400 naming the key and its
 * line, other syntax errors a 400 with the parser's first line.
 */
export function parseYamlBody(text: string): unknown {
  const lines = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: false, lineCounter: lines });
  if (doc.errors.length > 0) throw new WeirError("bad_request", `body is not valid YAML: ${doc.errors[0].message.split("\n")[0]}`);
  let duplicate: string | undefined;
  visit(doc, {
    Map(_, map) {
      const seen = new Set<unknown>();
      for (const pair of map.items) {
        const key = isScalar(pair.key) ? pair.key.value : pair.key;
        if (seen.has(key)) {
          const at = isScalar(pair.key) && pair.key.range ? lines.linePos(pair.key.range[0]) : undefined;
          duplicate = `body has the key '${shown(String(key))}' twice in one map${at ? ` (line ${at.line}, column ${at.col})` : ""}`;
          return visit.BREAK;
        }
        seen.add(key);
      }
      return undefined;
    },
  });
  if (duplicate !== undefined) throw new WeirError("bad_request", duplicate);
  try {
    return doc.toJS() as unknown;
  } catch (error) {
    // The yaml package refuses aliases that expand past its limit (a "billion laughs"
    // body, a few hundred bytes that would become gigabytes) by throwing: a 400, not a 500.
    if (!(error instanceof Error)) throw error;
    throw new WeirError("bad_request", `body is not valid YAML: ${/alias/i.test(error.message) ? "its aliases expand too far; write the values out" : error.message.split("\n")[0]}`);
  }
}
