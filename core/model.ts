/**
 * @module core/model
 * The config model (DESIGN §2) as zod schemas: the single source of validation for the
 * admin API, the stack file and the CLI, and of the OpenAPI document.
 */
import { z } from "zod";
import { DNS_LABEL } from "./dns-label.ts";
import { escapeUnprintable } from "./printable.ts";
import { RuleList } from "./rule-schema.ts";
import { isWholeBasisPoints, TOTAL_BP } from "./weights.ts";

export { DNS_LABEL };

export const DnsLabel = z
  .string()
  .regex(DNS_LABEL, "must be a DNS label: lowercase letters, digits and '-', 1–63 characters, no leading or trailing '-'");

/**
 * An object keyed by user-chosen names (DNS labels): services and revisions of a stack
 * file, the weights of a weight change. zod skips a `__proto__` key without a word (it
 * cannot be assigned to the parsed object), so `{"__proto__": …}` used to vanish; it is
 * refused here like every other name that is not a DNS label (issue 9).
 */
export function namedRecord<V extends z.ZodType>(value: V) {
  return z.preprocess((input, ctx) => {
    if (typeof input === "object" && input !== null && !Array.isArray(input) && Object.hasOwn(input, "__proto__")) {
      const keyIssues = DnsLabel.safeParse("__proto__").error?.issues ?? [];
      ctx.addIssue({ code: "invalid_key", origin: "record", issues: keyIssues, input: "__proto__", path: ["__proto__"], message: "Invalid key in record" });
    }
    return input;
  }, z.record(DnsLabel, value));
}

/** `stack/name` */
export const ServiceId = z
  .string()
  .regex(/^[^/]+\/[^/]+$/, "must be 'stack/name'")
  .refine((s) => s.split("/").every((l) => DNS_LABEL.test(l)), "stack and name must be DNS labels");

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** `cookie` (default), `header:<Name>`, `ip` or `none` (DESIGN §4). */
export const Affinity = z
  .string()
  .refine(
    (s) => s === "cookie" || s === "ip" || s === "none" || (s.startsWith("header:") && HEADER_NAME.test(s.slice(7))),
    "must be 'cookie', 'header:<Name>', 'ip' or 'none'",
  );
export type Affinity = z.infer<typeof Affinity>;

/** The longest origin URL accepted (2 KiB), raw or normalized. */
export const MAX_ORIGIN_LENGTH = 2048;

/** An origin as messages show it: never a raw control character, never 100 KB of it. */
function shown(text: string): string {
  const escaped = escapeUnprintable(text);
  return escaped.length > 80 ? `'${escaped.slice(0, 60)}…' (${text.length} characters)` : `'${escaped}'`;
}

/** U+XXXX of a character. */
function codePoint(c: string): string {
  return `U+${(c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, "0")}`;
}

/**
 * The first character an origin must not contain, with why: control characters and
 * whitespace (they reach an operator's terminal through `weir ps`), backslashes (URL
 * parsers read them as '/'), and '@' (userinfo, even empty: `http://@h`).
 */
function forbiddenCharacter(text: string): string | undefined {
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    const at = `at character ${i + 1}`;
    if (escapeUnprintable(c) !== c) {
      const kind = c <= "\u001f" || (c >= "\u007f" && c <= "\u009f") ? "control" : "invisible formatting";
      return `contains the ${kind} character ${codePoint(c)} ${at}`;
    }
    if (/\s/.test(c)) return `contains whitespace (${codePoint(c)}) ${at}`;
    if (c === "\\") return `contains a backslash ${at}`;
    if (c === "@") return `contains '@' ${at}: an origin carries no userinfo`;
  }
  return undefined;
}

/** Why an origin URL is refused, or undefined when it is acceptable (DESIGN §2). */
export function originProblem(text: string): string | undefined {
  if (text.length > MAX_ORIGIN_LENGTH) return `${shown(text)} is longer than ${MAX_ORIGIN_LENGTH} characters`;
  const bad = forbiddenCharacter(text);
  if (bad) return `${shown(text)} ${bad}`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `${shown(text)} is not an absolute URL`;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return `${shown(text)} must use http: or https:`;
  // The parser repairs `http:/h` and `http:///h` into `http://h/`: refuse what it had to guess.
  if (!/^https?:\/\/[^/]/i.test(text)) return `${shown(text)} must be written as ${url.protocol}//host[:port][/path]`;
  if (url.username || url.password) return `${shown(text)} must not carry userinfo`;
  if (text.includes("#")) return `${shown(text)} must not carry a fragment`;
  if (text.includes("?")) return `${shown(text)} must not carry a query`;
  if (url.port === "0") return `${shown(text)} names port 0, which no origin listens on`;
  if (canonicalOrigin(url).length > MAX_ORIGIN_LENGTH) return `${shown(text)} is longer than ${MAX_ORIGIN_LENGTH} characters once normalized`;
  return undefined;
}

/**
 * The stored form of an origin: the URL as the WHATWG parser normalizes it (scheme and
 * host lower-cased, IDNs in punycode, default port dropped, path percent-encoded), without
 * the trailing '/' of a bare host, so `http://127.0.0.1:9001` reads as DESIGN §1 shows it.
 */
export function canonicalOrigin(origin: string | URL): string {
  const url = typeof origin === "string" ? new URL(origin) : origin;
  return `${url.protocol}//${url.host}${url.pathname === "/" ? "" : url.pathname}`;
}

/** `origin` normalized when it parses, else as it is (for origins stored before normalization). */
export function comparableOrigin(origin: string): string {
  try {
    return canonicalOrigin(origin);
  } catch {
    return origin;
  }
}

/** An origin URL, refused with a precise reason or normalized (canonicalOrigin): API, stack file and CLI alike. */
export const OriginUrl = z
  .string()
  .superRefine((s, ctx) => {
    const problem = originProblem(s);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  })
  .transform((s) => canonicalOrigin(s));

export const Origins = z.array(OriginUrl).min(1, "needs at least one origin").max(16, "at most 16 origins");

/** Percent 0–100 with at most two decimals, as users write it; stored as bp. */
export const Percent = z
  .number()
  .min(0, "must be between 0 and 100")
  .max(100, "must be between 0 and 100")
  .refine(isWholeBasisPoints, "must have at most two decimals");

export const RevisionConfig = z.object({
  version: DnsLabel,
  origins: Origins,
  /** basis points */
  weight: z.number().int().min(0).max(TOTAL_BP),
  createdAt: z.string(),
});
export type RevisionConfig = z.infer<typeof RevisionConfig>;

/** A service as the store holds it. Staged revisions keep creation order. */
export const ServiceConfig = z.object({
  stack: DnsLabel,
  name: DnsLabel,
  version: DnsLabel,
  origins: Origins,
  affinity: Affinity,
  /** Sends the `Weir-Revision` response header. */
  revisionHeader: z.boolean(),
  createdAt: z.string(),
  revisions: z.array(RevisionConfig),
  /** traffic rules (DESIGN §10), first match wins; absent when the service has none */
  rules: RuleList.optional(),
});
export type ServiceConfig = z.infer<typeof ServiceConfig>;

export function primaryWeight(service: Pick<ServiceConfig, "revisions">): number {
  return TOTAL_BP - service.revisions.reduce((sum, r) => sum + r.weight, 0);
}

// ---- request bodies (DESIGN §8) ----

export const CreateServiceBody = z.strictObject({
  name: ServiceId,
  origins: Origins,
  version: DnsLabel.default("v0"),
  affinity: Affinity.default("cookie"),
  revisionHeader: z.boolean().default(true),
});
export type CreateServiceBody = z.infer<typeof CreateServiceBody>;

export const StageRevisionBody = z.strictObject({
  version: DnsLabel,
  origins: Origins,
  weight: Percent.default(0),
});
export type StageRevisionBody = z.infer<typeof StageRevisionBody>;

export const WeightsBody = z.strictObject({
  weights: namedRecord(Percent).refine((w) => Object.keys(w).length > 0, "names no revision"),
  duration: z.string().optional(),
  interval: z.string().optional(),
  pause: z.boolean().optional(),
  force: z.boolean().optional(),
  /** rollout analysis (issue 6): abort when a canary's error rate, in percent, is above this */
  maxErrorRate: Percent.optional(),
  /** rollout analysis: responses a canary needs in the window before its rate is judged */
  minRequests: z.number().int().min(0).max(1_000_000_000).optional(),
});
export type WeightsBody = z.infer<typeof WeightsBody>;

export const PromoteBody = z.strictObject({
  version: DnsLabel,
  duration: z.string().optional(),
  interval: z.string().optional(),
  force: z.boolean().optional(),
  /** rollout analysis (issue 6): abort when a canary's error rate, in percent, is above this */
  maxErrorRate: Percent.optional(),
  /** rollout analysis: responses a canary needs in the window before its rate is judged */
  minRequests: z.number().int().min(0).max(1_000_000_000).optional(),
});
export type PromoteBody = z.infer<typeof PromoteBody>;

export const RollbackBody = z.strictObject({
  /** A config version of this service; the previous one when omitted. */
  to: z.number().int().positive().optional(),
});

export const DomainBody = z.strictObject({
  host: z.string().min(1),
  /** `stack/name` or `stack/name:version` */
  target: z.string().regex(/^[a-z0-9-]+\/[a-z0-9-]+(:[a-z0-9-]+)?$/, "must be 'stack/name' or 'stack/name:version'"),
});

// ---- stack file (DESIGN §6); weights in percent ----

export const StackFileRevision = z.strictObject({
  origins: Origins,
  weight: Percent.default(0),
});

export const StackFileService = z.strictObject({
  version: DnsLabel.default("v0"),
  origins: Origins,
  affinity: Affinity.default("cookie"),
  revisionHeader: z.boolean().optional(),
  revisions: namedRecord(StackFileRevision).default({}),
  rules: RuleList.optional(),
});

export const StackFile = z.strictObject({
  stack: DnsLabel,
  services: namedRecord(StackFileService).default({}),
});
export type StackFile = z.infer<typeof StackFile>;

