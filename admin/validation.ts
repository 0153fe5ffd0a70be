/**
 * @module admin/validation
 * Turns a zod failure into the admin API's error (DESIGN §8): 400 when a body or parameter
 * does not parse or has the wrong shape or type, 422 when well-formed values break a rule.
 */
import type { z } from "zod";
import { WeirError } from "../core/errors.ts";
import { escapeUnprintable } from "../core/printable.ts";

/** Issue codes that mean "malformed", as opposed to "a value breaks a rule". */
const MALFORMED = new Set(["invalid_type", "unrecognized_keys", "invalid_union"]);

/** A path segment as a message shows it: a user's key, so escaped and cut short. */
function segment(key: PropertyKey): string {
  const text = escapeUnprintable(String(key));
  return text.length > 64 ? `${text.slice(0, 64)}…` : text;
}

/** Problems one error message lists: a 1 MiB body of bad values once made an 8 MB answer. */
const MAX_ISSUES = 10;
/** Longest text of one problem (its values are quoted short; this bounds anything else). */
const MAX_ISSUE_TEXT = 400;

function describe(issues: readonly z.core.$ZodIssue[]): string {
  const shown = issues
    .slice(0, MAX_ISSUES)
    .map((i) => {
      const path = i.path.map(segment).join(".");
      // A bad key (a service or revision name) says why, as a bad value does.
      const message =
        i.code === "invalid_key" && i.issues.length > 0
          ? `name '${segment(i.path.at(-1) ?? "")}' ${i.issues.map((x) => x.message).join("; ")}`
          : i.message;
      const text = path ? `${path}: ${message}` : message;
      return text.length > MAX_ISSUE_TEXT ? `${text.slice(0, MAX_ISSUE_TEXT)}…` : text;
    })
    .join("; ");
  const more = issues.length - MAX_ISSUES;
  return more > 0 ? `${shown}; and ${more} more problem${more === 1 ? "" : "s"}` : shown;
}

/** `target` is where the value came from: a path, query or header value is never a 422. */
export function validationError(error: z.ZodError, target: string): WeirError {
  const where = target === "json" ? "body" : target === "param" ? "path" : target;
  const malformed = target !== "json" || error.issues.some((i) => MALFORMED.has(i.code));
  return new WeirError(malformed ? "bad_request" : "invalid", `invalid ${where}: ${describe(error.issues)}`);
}

/** Parses `value` with `schema` or throws the matching WeirError. */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, target: string): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw validationError(result.error, target);
  return result.data;
}
