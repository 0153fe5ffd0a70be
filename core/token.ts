/**
 * @module core/token
 * API tokens (DESIGN §11) as the admin API, the store and the CLI see them: the request
 * body that creates one, the views that list one (never with its secret), the secret's
 * format (`weir_` + 32 random bytes, base64url) and a lifetime written as a duration.
 */
import { z } from "zod";
import { ALL_STACKS, ROLES } from "./access.ts";
import { bytesToBase64 } from "./base64.ts";
import { formatDuration, parseDuration } from "./duration.ts";
import { WeirError } from "./errors.ts";
import { shortValue } from "./printable.ts";
import { DNS_LABEL, DnsLabel } from "./model.ts";

/** Names no API token may take: history already means something by them. */
const RESERVED_NAMES = new Set(["root"]);

export const TokenName = DnsLabel.refine((n) => !RESERVED_NAMES.has(n), "'root' is the name of ADMIN_TOKEN; choose another");

export const Role = z.enum(ROLES);

/** `["*"]`, or distinct stack names. */
export const TokenStacks = z
  .array(z.string().refine((s) => s === ALL_STACKS || DNS_LABEL.test(s), "must be '*' or a stack name (a DNS label)"))
  .min(1, "name at least one stack, or '*' for every stack")
  .max(100, "at most 100 stacks")
  .refine((s) => !s.includes(ALL_STACKS) || s.length === 1, "'*' already covers every stack: give it alone")
  .refine((s) => new Set(s).size === s.length, "names a stack twice");

export const CreateTokenBody = z.strictObject({
  name: TokenName,
  role: Role,
  stacks: TokenStacks,
  /** lifetime from now, e.g. `90d`; without it the token never expires */
  expires: z.string().optional(),
});
export type CreateTokenBody = z.infer<typeof CreateTokenBody>;

/** A token as `GET /v1/tokens` lists it. */
export const TokenView = z.object({
  name: z.string(),
  role: Role,
  stacks: z.array(z.string()),
  createdAt: z.string(),
  /** the token that created it (`root` for ADMIN_TOKEN) */
  createdBy: z.string(),
  expiresAt: z.string().nullable(),
  /** to the minute: updated at most once a minute per token */
  lastUsedAt: z.string().nullable(),
});
export type TokenView = z.infer<typeof TokenView>;

/** The answer of `POST /v1/tokens`: the only time the secret is shown. */
export const CreatedToken = TokenView.omit({ lastUsedAt: true }).extend({ token: z.string() });
export type CreatedToken = z.infer<typeof CreatedToken>;

/** `GET /v1/whoami`: the caller's own rights. */
export const Whoami = z.object({
  name: z.string(),
  role: Role,
  stacks: z.array(z.string()),
  expiresAt: z.string().nullable(),
});
export type Whoami = z.infer<typeof Whoami>;

export const SECRET_PREFIX = "weir_";
export const SECRET_BYTES = 32;
/** `weir_` and 43 base64url characters (32 bytes, unpadded) */
export const SECRET_PATTERN = /^weir_[A-Za-z0-9_-]{43}$/;

/** The secret of a new token from SECRET_BYTES random bytes. */
export function formatSecret(bytes: Uint8Array): string {
  if (bytes.length !== SECRET_BYTES) throw new Error(`a token secret takes ${SECRET_BYTES} random bytes`);
  return SECRET_PREFIX + bytesToBase64(bytes).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export const MIN_LIFETIME_MS = 1_000;
export const MAX_LIFETIME_MS = 3650 * 86_400_000;

/** When a token made at `now` with lifetime `expires` expires (ISO), or null for never. */
export function tokenExpiry(expires: string | undefined, now: number): string | null {
  if (expires === undefined) return null;
  const ms = parseDuration(expires);
  if (ms === undefined) throw new WeirError("bad_request", `expires '${shortValue(expires)}' does not parse: write a duration like '12h', '30d' or '90d'`);
  if (ms < MIN_LIFETIME_MS || ms > MAX_LIFETIME_MS) {
    throw new WeirError("invalid", `expires ${shortValue(expires)} must be between ${formatDuration(MIN_LIFETIME_MS)} and 3650d`);
  }
  return new Date(now + ms).toISOString();
}
