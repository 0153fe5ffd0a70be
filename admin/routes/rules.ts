/**
 * @module admin/routes/rules
 * A service's traffic rules (DESIGN §10): the whole ordered list (GET, PUT), one rule
 * appended or placed `before` another (POST), one removed (DELETE). Writes honour If-Match
 * like every write; a body that does not parse is 400, a rule that breaks a rule 422 (it
 * names the rule and the field), a name taken 409, a service or rule missing from the path 404.
 */
import type { OpenAPIHono } from "@hono/zod-openapi";
import { accessRoute, read, write } from "../authorization.ts";
import { settle, store, writeContext, type AdminContext, type AdminEnv } from "../context.ts";
import type { StoredService } from "../store/outcome.ts";
import { AddRuleBody, commonErrors, conflict, jsonBody, jsonResponse, notFound, RuleList, RuleParams, RulesBody, ServiceParams, writeErrors } from "../schemas.ts";

const tags = ["rules"];

function ruleList(c: AdminContext, stored: StoredService) {
  const { stack, name, rules } = stored.service;
  return { service: `${stack}/${name}`, configVersion: c.get("configVersion") ?? stored.configVersion, rules: rules ?? [] };
}

export function registerRuleRoutes(app: OpenAPIHono<AdminEnv>): void {
  app.openapi(
    accessRoute(read("path"), {
      method: "get",
      path: "/v1/services/{stack}/{name}/rules",
      tags,
      summary: "The service's traffic rules in order; the first match wins (weir route ls)",
      request: { params: ServiceParams },
      responses: { 200: jsonResponse(RuleList, "The rules"), ...commonErrors, ...notFound },
    }),
    async (c) => {
      const { stack, name } = c.req.valid("param");
      return c.json(ruleList(c, settle(c, await store(c).getService(stack, name))), 200);
    },
  );

  app.openapi(
    accessRoute(write("path"), {
      method: "put",
      path: "/v1/services/{stack}/{name}/rules",
      tags,
      summary: "Replace the whole ordered rule list (send If-Match to refuse a concurrent change)",
      request: { params: ServiceParams, body: jsonBody(RulesBody) },
      responses: { 200: jsonResponse(RuleList, "The rules as stored"), ...writeErrors, ...notFound },
    }),
    async (c) => {
      const { stack, name } = c.req.valid("param");
      const { rules } = c.req.valid("json");
      return c.json(ruleList(c, settle(c, await store(c).setRules(writeContext(c), stack, name, rules))), 200);
    },
  );

  app.openapi(
    accessRoute(write("path"), {
      method: "post",
      path: "/v1/services/{stack}/{name}/rules",
      tags,
      summary: "Add one rule at the end, or before the rule named `before` (weir route add)",
      request: { params: ServiceParams, body: jsonBody(AddRuleBody) },
      responses: { 201: jsonResponse(RuleList, "The rules with the new one"), ...writeErrors, ...notFound, ...conflict },
    }),
    async (c) => {
      const { stack, name } = c.req.valid("param");
      const { before, ...rule } = c.req.valid("json");
      return c.json(ruleList(c, settle(c, await store(c).addRule(writeContext(c), stack, name, rule, before))), 201);
    },
  );

  app.openapi(
    accessRoute(write("path"), {
      method: "delete",
      path: "/v1/services/{stack}/{name}/rules/{rule}",
      tags,
      summary: "Remove one rule (weir route rm)",
      request: { params: RuleParams },
      responses: { 200: jsonResponse(RuleList, "The rules without it"), ...writeErrors, ...notFound },
    }),
    async (c) => {
      const { stack, name, rule } = c.req.valid("param");
      return c.json(ruleList(c, settle(c, await store(c).removeRule(writeContext(c), stack, name, rule))), 200);
    },
  );
}
