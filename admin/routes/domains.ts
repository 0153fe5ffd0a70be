/**
 * @module admin/routes/domains
 * Custom domains (weir domain add|ls|rm): a hostname bound to a service or one version.
 */
import { type OpenAPIHono } from "@hono/zod-openapi";
import { accessRoute, admin, read, stackFilter } from "../authorization.ts";
import { settle, store, writeContext, type AdminEnv } from "../context.ts";
import { commonErrors, conflict, Domain, DomainBody, DomainList, DomainParams, jsonBody, jsonResponse, notFound, writeErrors } from "../schemas.ts";

const tags = ["domains"];

export function registerDomainRoutes(app: OpenAPIHono<AdminEnv>): void {
  app.openapi(
    accessRoute(admin("body-target"), {
      method: "post",
      path: "/v1/domains",
      tags,
      summary: "Bind a custom domain to `stack/name` or `stack/name:version`",
      request: { body: jsonBody(DomainBody) },
      responses: { 201: jsonResponse(Domain, "The binding"), ...writeErrors, ...conflict },
    }),
    async (c) => {
      const { host, target } = c.req.valid("json");
      return c.json(settle(c, await store(c).addDomain(writeContext(c), host, target)), 201);
    },
  );

  app.openapi(
    accessRoute(read("none"), {
      method: "get",
      path: "/v1/domains",
      tags,
      summary: "List custom domains (those of the token's stacks)",
      responses: { 200: jsonResponse(DomainList, "Every binding, by host"), ...commonErrors },
    }),
    async (c) => {
      const outcome = await store(c).listDomains();
      const mine = stackFilter(c);
      const domains = settle(c, outcome).filter((d) => mine === undefined || mine.includes(d.service.split("/")[0]));
      return c.json({ configVersion: outcome.configVersion, domains }, 200);
    },
  );

  app.openapi(
    accessRoute(admin("domain"), {
      method: "delete",
      path: "/v1/domains/{host}",
      tags,
      summary: "Unbind a custom domain",
      request: { params: DomainParams },
      responses: { 200: jsonResponse(Domain, "The removed binding"), ...writeErrors, ...notFound },
    }),
    async (c) => {
      const { host } = c.req.valid("param");
      return c.json(settle(c, await store(c).removeDomain(writeContext(c), host)), 200);
    },
  );
}
