/**
 * @module cli/refs
 * The names users type: `stack/name`, `stack/name:version`, `stack/name:version=50%`,
 * a stack, a duration. Checked with the core schemas so the CLI refuses exactly what the
 * API would, before sending anything.
 */
import type { z } from "zod";
import { WeirError } from "../core/errors.ts";
import { parseDuration } from "../core/duration.ts";
import { DnsLabel, ServiceId } from "../core/model.ts";
import { bpToPercent, parsePercentText } from "../core/weights.ts";

export interface ServiceRef {
  stack: string;
  name: string;
}

export interface RevisionRef extends ServiceRef {
  version: string;
}

export interface WeightAssignment extends RevisionRef {
  /** percent, at most two decimals */
  percent: number;
}

export function parseServiceRef(text: string): ServiceRef {
  const result = ServiceId.safeParse(text);
  if (!result.success) {
    throw new WeirError("bad_request", `invalid service '${text}': ${result.error.issues[0].message}`);
  }
  const [stack, name] = text.split("/");
  return { stack, name };
}

/** `stack/name:version`; the version is required unless `optionalVersion`. */
export function parseRevisionRef(text: string): RevisionRef;
export function parseRevisionRef(text: string, optionalVersion: true): ServiceRef & { version?: string };
export function parseRevisionRef(text: string, optionalVersion = false): ServiceRef & { version?: string } {
  const colon = text.indexOf(":");
  if (colon === -1) {
    if (optionalVersion) return parseServiceRef(text);
    throw new WeirError("bad_request", `invalid revision '${text}': must be 'stack/name:version'`);
  }
  const service = parseServiceRef(text.slice(0, colon));
  const version = text.slice(colon + 1);
  const result = DnsLabel.safeParse(version);
  if (!result.success) {
    throw new WeirError("bad_request", `invalid version '${version}' in '${text}': ${result.error.issues[0].message}`);
  }
  return { ...service, version };
}

/** `stack/name:version=P%` (the `%` is optional, at most two decimals). */
export function parseWeightAssignment(text: string): WeightAssignment {
  const eq = text.lastIndexOf("=");
  if (eq === -1) throw new WeirError("bad_request", `invalid weight '${text}': must be 'stack/name:version=P%'`);
  const ref = parseRevisionRef(text.slice(0, eq));
  return { ...ref, percent: parsePercent(text.slice(eq + 1), ` for ${text.slice(0, eq)}`) };
}

/** "50%", "0.5", "12.25%" → percent number; refuses more than 100 or more than two decimals. */
export function parsePercent(text: string, forWhat = ""): number {
  const bp = parsePercentText(text);
  if (bp === undefined) {
    throw new WeirError(
      "bad_request",
      `invalid weight '${text}'${forWhat}: must be a percent from 0 to 100 with at most two decimals, like 50% or 0.5%`,
    );
  }
  return bpToPercent(bp);
}

export function parseStack(text: string): string {
  return checkValue(DnsLabel, text, "stack");
}

/** Checks one value against a core schema; the error names what it is. */
export function checkValue(schema: z.ZodType, text: string, what: string): string {
  const result = schema.safeParse(text);
  if (!result.success) throw new WeirError("bad_request", `invalid ${what} '${text}': ${result.error.issues[0].message}`);
  return text;
}

/** Checks a duration ("90s", "10m", "1h30m") and passes its text through to the API. */
export function checkDuration(text: string): string {
  if (parseDuration(text) === undefined) {
    throw new WeirError("bad_request", `invalid duration '${text}': write it like 90s, 10m or 1h30m`);
  }
  return text;
}
