/**
 * @module admin/schemas
 * The admin API's request and response schemas, named for the OpenAPI document. Request
 * schemas are core's (core/model.ts), so the API, the stack file and the CLI validate alike.
 */
import { z } from "@hono/zod-openapi";
import {
  CreateServiceBody as CoreCreateServiceBody,
  DnsLabel,
  DomainBody as CoreDomainBody,
  PromoteBody as CorePromoteBody,
  RollbackBody as CoreRollbackBody,
  ServiceId,
  StackFile as CoreStackFile,
  StageRevisionBody as CoreStageRevisionBody,
  WeightsBody as CoreWeightsBody,
} from "../core/model.ts";
import { ServiceList as CoreServiceList, ServiceView as CoreServiceView } from "../core/views.ts";
import { AddRuleBody as CoreAddRuleBody, RuleShape, RulesBody as CoreRulesBody } from "../core/rule-schema.ts";

export const CreateServiceBody = CoreCreateServiceBody.openapi("CreateServiceBody");
export const StageRevisionBody = CoreStageRevisionBody.openapi("StageRevisionBody");
export const WeightsBody = CoreWeightsBody.openapi("WeightsBody");
export const PromoteBody = CorePromoteBody.openapi("PromoteBody");
export const RollbackBody = CoreRollbackBody.openapi("RollbackBody");
export const DomainBody = CoreDomainBody.openapi("DomainBody");
export const StackFile = CoreStackFile.openapi("StackFile");
export const ServiceView = CoreServiceView.openapi("ServiceView");
export const ServiceList = CoreServiceList.openapi("ServiceList");
/**
 * Names a core schema for the OpenAPI document through the prototype: zod 4 gives an
 * instance the `openapi` method only if @hono/zod-openapi was loaded before the schema was
 * built, and core/rule-schema.ts is reached early (through core/route-record.ts).
 */
function named<S extends z.ZodType>(schema: S, name: string): S {
  return (z.ZodType.prototype as unknown as { openapi: (this: S, name: string) => S }).openapi.call(schema, name);
}

export const RulesBody = named(CoreRulesBody, "RulesBody");
export const AddRuleBody = named(CoreAddRuleBody, "AddRuleBody");
export const RuleList = z
  .object({ service: z.string(), configVersion: z.number().int(), rules: z.array(RuleShape) })
  .openapi("RuleList");

export const ErrorBody = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: "not_found" }),
      message: z.string(),
      details: z.unknown().optional(),
    }),
  })
  .openapi("Error");

export const StackParams = z.object({ stack: DnsLabel.openapi({ param: { name: "stack", in: "path" } }) });
export const ServiceParams = z.object({
  stack: DnsLabel.openapi({ param: { name: "stack", in: "path" } }),
  name: DnsLabel.openapi({ param: { name: "name", in: "path" } }),
});
export const RevisionParams = ServiceParams.extend({
  version: DnsLabel.openapi({ param: { name: "version", in: "path" } }),
});
export const RuleParams = ServiceParams.extend({
  rule: DnsLabel.openapi({ param: { name: "rule", in: "path" } }),
});
export const DomainParams = z.object({ host: z.string().min(1).openapi({ param: { name: "host", in: "path" } }) });

export const ServicesQuery = z.object({ stack: DnsLabel.optional() });
const Flag = z.enum(["0", "1", "true", "false"]).optional();
export const ApplyQuery = z.object({ dry_run: Flag, prune: Flag });
export const HistoryQuery = z.object({
  service: ServiceId.optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
});

export const RemovedService = z.object({ service: z.string(), removed: z.literal(true), configVersion: z.number().int() }).openapi("RemovedService");

export const ApplyResult = z
  .object({
    stack: z.string(),
    dryRun: z.boolean(),
    changed: z.boolean(),
    configVersion: z.number().int(),
    services: z.array(z.object({ service: z.string(), action: z.enum(["create", "update", "delete"]), changes: z.array(z.string()) })),
  })
  .openapi("ApplyResult");

const HistoryState = z
  .object({
    version: z.string(),
    origins: z.array(z.string()),
    affinity: z.string(),
    revisionHeader: z.boolean(),
    weight: z.number(),
    revisions: z.array(z.object({ version: z.string(), origins: z.array(z.string()), weight: z.number() })),
    domains: z.array(z.object({ host: z.string(), version: z.string().optional() })),
    rules: z.array(RuleShape),
  })
  .nullable();

export const HistoryList = z
  .object({
    configVersion: z.number().int(),
    entries: z.array(
      z.object({
        configVersion: z.number().int(),
        at: z.string(),
        actor: z.string(),
        /** the client IP of the change's request (CF-Connecting-IP); null for rollout steps */
        ip: z.string().nullable(),
        operation: z.string(),
        summary: z.string(),
        service: z.string(),
        before: HistoryState,
        after: HistoryState,
      }),
    ),
    pruned: z
      .object({
        entries: z.number().int().openapi({ description: "entries deleted beyond HISTORY_KEEP (of the service, with `service`)" }),
        services: z.array(
          z.object({
            service: z.string(),
            entries: z.number().int(),
            firstConfigVersion: z.number().int(),
            lastConfigVersion: z.number().int().openapi({ description: "rollback to a version from here on is still possible" }),
            lastAt: z.string(),
          }),
        ),
      })
      .openapi({ description: "What the store no longer keeps, per service" }),
  })
  .openapi("HistoryList");

export const Domain = z.object({ host: z.string(), service: z.string(), version: z.string().optional() }).openapi("Domain");
export const DomainList = z.object({ configVersion: z.number().int(), domains: z.array(Domain) }).openapi("DomainList");

const errorResponse = (description: string) => ({ description, content: { "application/json": { schema: ErrorBody } } });

/** The error responses every authenticated route can give. */
export const commonErrors = {
  400: errorResponse("A body or parameter does not parse or has the wrong type"),
  401: errorResponse("Missing or invalid token, or no ADMIN_TOKEN configured"),
};
export const writeErrors = {
  ...commonErrors,
  412: errorResponse("If-Match does not match the current config version"),
  413: errorResponse("Body larger than 1 MiB"),
  422: errorResponse("Well-formed values break a rule"),
};
export const notFound = { 404: errorResponse("Unknown stack, service, version or domain") };
export const conflict = { 409: errorResponse("Already exists, or a hostname is taken") };
export const gone = { 410: errorResponse("The config version asked for is no longer kept in history (HISTORY_KEEP)") };

export const jsonBody = <S extends z.ZodType>(schema: S) => ({
  required: true,
  content: { "application/json": { schema } },
});
export const jsonResponse = <S extends z.ZodType>(schema: S, description: string) => ({
  description,
  content: { "application/json": { schema } },
});
