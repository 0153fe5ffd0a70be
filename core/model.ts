/**
 * @module core/model
 * The config model (DESIGN §2) as zod schemas: the single source of validation for the
 * admin API, the stack file and the CLI, and of the OpenAPI document.
 */
import { z } from "zod";
import { DNS_LABEL } from "./dns-label.ts";
import { RuleList } from "./rule-schema.ts";
import { isWholeBasisPoints, TOTAL_BP } from "./weights.ts";

export { DNS_LABEL };

export const DnsLabel = z
  .string()
  .regex(DNS_LABEL, "must be a DNS label: lowercase letters, digits and '-', 1–63 characters, no leading or trailing '-'");

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

/** Why an origin URL is refused, or undefined when it is acceptable (DESIGN §2). */
export function originProblem(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `'${text}' is not an absolute URL`;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return `'${text}' must use http: or https:`;
  if (url.username || url.password) return `'${text}' must not carry userinfo`;
  if (text.includes("#")) return `'${text}' must not carry a fragment`;
  if (url.search) return `'${text}' must not carry a query`;
  return undefined;
}

export const OriginUrl = z.string().superRefine((s, ctx) => {
  const problem = originProblem(s);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});

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
  weights: z.record(DnsLabel, Percent).refine((w) => Object.keys(w).length > 0, "names no revision"),
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
  revisions: z.record(DnsLabel, StackFileRevision).default({}),
  rules: RuleList.optional(),
});

export const StackFile = z.strictObject({
  stack: DnsLabel,
  services: z.record(DnsLabel, StackFileService).default({}),
});
export type StackFile = z.infer<typeof StackFile>;

