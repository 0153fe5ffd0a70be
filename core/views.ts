/**
 * @module core/views
 * What the admin API returns about services (`GET /v1/services`, `GET /v1/services/{stack}/{name}`),
 * shared by the API, its OpenAPI document and the CLI's `ps` / `inspect`. Weights here are
 * percent as the data plane applies them, counted from the slot table.
 */
import { z } from "zod";
import { RuleShape } from "./rule-schema.ts";

export const RevisionState = z.enum(["active", "staged"]);

export const RevisionView = z.object({
  version: z.string(),
  origins: z.array(z.string()),
  /** percent, from the slot table */
  weight: z.number(),
  state: RevisionState,
  createdAt: z.string(),
  /** `http://<svc>-<version>.<stack>.<base>[:port]` */
  endpoint: z.string(),
});
export type RevisionView = z.infer<typeof RevisionView>;

export const ServiceView = z.object({
  /** `stack/name` */
  id: z.string(),
  stack: z.string(),
  name: z.string(),
  /** the primary revision's version */
  version: z.string(),
  origins: z.array(z.string()),
  affinity: z.string(),
  revisionHeader: z.boolean(),
  /** percent the primary receives, from the slot table */
  weight: z.number(),
  state: RevisionState,
  createdAt: z.string(),
  /** the last config version that changed this service */
  configVersion: z.number().int(),
  /** weighted hostname URL `http://<svc>.<stack>.<base>[:port]` */
  endpoint: z.string(),
  /** the primary's own version URL */
  versionEndpoint: z.string(),
  /** staged revisions, creation order */
  revisions: z.array(RevisionView),
  /** custom domains bound to this service or one of its versions */
  domains: z.array(z.object({ host: z.string(), version: z.string().optional() })),
  /** traffic rules in order, the first match wins (DESIGN §10) */
  rules: z.array(RuleShape),
});
export type ServiceView = z.infer<typeof ServiceView>;

export const ServiceList = z.object({
  configVersion: z.number().int(),
  services: z.array(ServiceView),
});
export type ServiceList = z.infer<typeof ServiceList>;
