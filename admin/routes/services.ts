/**
 * @module admin/routes/services
 * Services and revisions (DESIGN §8): run, ps, inspect, stage, weights, promote, rm,
 * rollback. Weights arrive in percent and go to the store in basis points.
 */
import { type OpenAPIHono } from "@hono/zod-openapi";
import { accessRoute, read, stackFilter, write } from "../authorization.ts";
import { percentToBp } from "../../core/weights.ts";
import { settle, store, style, writeContext, type AdminEnv } from "../context.ts";
import { maybeStartRollout, rolloutStarted } from "./rollouts.ts";
import {
  commonErrors,
  conflict,
  CreateServiceBody,
  gone,
  jsonBody,
  jsonResponse,
  notFound,
  PromoteBody,
  RemovedService,
  RevisionParams,
  RollbackBody,
  ServiceList,
  ServiceParams,
  ServicesQuery,
  ServiceView,
  StageRevisionBody,
  WeightsBody,
  writeErrors,
} from "../schemas.ts";
import { serviceView } from "../views.ts";

const tags = ["services"];

export function registerServiceRoutes(app: OpenAPIHono<AdminEnv>): void {
  app.openapi(
    accessRoute(write("body-name"), {
      method: "post",
      path: "/v1/services",
      tags,
      summary: "Create a service with its primary revision (weir run)",
      request: { body: jsonBody(CreateServiceBody) },
      responses: { 201: jsonResponse(ServiceView, "The new service"), ...writeErrors, ...conflict },
    }),
    async (c) => {
      const body = c.req.valid("json");
      const stored = settle(c, await store(c).createService(writeContext(c), body));
      return c.json(serviceView(stored, style(c)), 201);
    },
  );

  app.openapi(
    accessRoute(read("query"), {
      method: "get",
      path: "/v1/services",
      tags,
      summary: "List services (weir ps)",
      request: { query: ServicesQuery },
      responses: { 200: jsonResponse(ServiceList, "Every service, weights from the slot tables"), ...commonErrors },
    }),
    async (c) => {
      const { stack } = c.req.valid("query");
      const outcome = await store(c).listServices(stack);
      const mine = stackFilter(c);
      const services = settle(c, outcome)
        .filter((s) => mine === undefined || mine.includes(s.service.stack))
        .map((s) => serviceView(s, style(c)));
      return c.json({ configVersion: outcome.configVersion, services }, 200);
    },
  );

  app.openapi(
    accessRoute(read("path"), {
      method: "get",
      path: "/v1/services/{stack}/{name}",
      tags,
      summary: "One service (weir inspect)",
      request: { params: ServiceParams },
      responses: { 200: jsonResponse(ServiceView, "The service"), ...commonErrors, ...notFound },
    }),
    async (c) => {
      const { stack, name } = c.req.valid("param");
      return c.json(serviceView(settle(c, await store(c).getService(stack, name)), style(c)), 200);
    },
  );

  app.openapi(
    accessRoute(write("path"), {
      method: "post",
      path: "/v1/services/{stack}/{name}/revisions",
      tags,
      summary: "Stage a revision (weir stage); weight defaults to 0",
      request: { params: ServiceParams, body: jsonBody(StageRevisionBody) },
      responses: { 201: jsonResponse(ServiceView, "The service with the staged revision"), ...writeErrors, ...notFound, ...conflict },
    }),
    async (c) => {
      const { stack, name } = c.req.valid("param");
      const body = c.req.valid("json");
      const input = { version: body.version, origins: body.origins, weight: percentToBp(body.weight) };
      const stored = settle(c, await store(c).stageRevision(writeContext(c), stack, name, input));
      return c.json(serviceView(stored, style(c)), 201);
    },
  );

  app.openapi(
    accessRoute(write("path"), {
      method: "put",
      path: "/v1/services/{stack}/{name}/weights",
      tags,
      summary: "Set the weights of one or more staged revisions atomically (weir weight); with `duration`, ramp to them as a timed rollout (202)",
      request: { params: ServiceParams, body: jsonBody(WeightsBody) },
      responses: { 200: jsonResponse(ServiceView, "The service with its new weights"), ...rolloutStarted, ...writeErrors, ...notFound, ...conflict },
    }),
    async (c) => {
      const { stack, name } = c.req.valid("param");
      const body = c.req.valid("json");
      const weights = Object.fromEntries(Object.entries(body.weights).map(([v, p]) => [v, percentToBp(p)]));
      const started = await maybeStartRollout(c, stack, name, body, { kind: "weights", weights });
      if (started) return started as never;
      const stored = settle(c, await store(c).setWeights(writeContext(c), stack, name, weights, body.force));
      return c.json(serviceView(stored, style(c)), 200);
    },
  );

  app.openapi(
    accessRoute(write("path"), {
      method: "post",
      path: "/v1/services/{stack}/{name}/promote",
      tags,
      summary: "Make a staged revision the primary (weir promote); with `duration`, ramp it up first as a timed rollout (202)",
      request: { params: ServiceParams, body: jsonBody(PromoteBody) },
      responses: { 200: jsonResponse(ServiceView, "The service after promotion"), ...rolloutStarted, ...writeErrors, ...notFound, ...conflict },
    }),
    async (c) => {
      const { stack, name } = c.req.valid("param");
      const body = c.req.valid("json");
      const started = await maybeStartRollout(c, stack, name, body, { kind: "promote", version: body.version });
      if (started) return started as never;
      const stored = settle(c, await store(c).promote(writeContext(c), stack, name, body.version, body.force));
      return c.json(serviceView(stored, style(c)), 200);
    },
  );

  app.openapi(
    accessRoute(write("path"), {
      method: "delete",
      path: "/v1/services/{stack}/{name}",
      tags,
      summary: "Remove a service (weir rm S/N)",
      request: { params: ServiceParams },
      responses: { 200: jsonResponse(RemovedService, "The service is gone"), ...writeErrors, ...notFound },
    }),
    async (c) => {
      const { stack, name } = c.req.valid("param");
      const outcome = await store(c).removeService(writeContext(c), stack, name);
      const { service } = settle(c, outcome);
      return c.json({ service, removed: true as const, configVersion: outcome.configVersion }, 200);
    },
  );

  app.openapi(
    accessRoute(write("path"), {
      method: "delete",
      path: "/v1/services/{stack}/{name}/revisions/{version}",
      tags,
      summary: "Remove a staged revision; its weight returns to the primary (weir rm S/N:V)",
      request: { params: RevisionParams },
      responses: { 200: jsonResponse(ServiceView, "The service without the revision"), ...writeErrors, ...notFound, ...conflict },
    }),
    async (c) => {
      const { stack, name, version } = c.req.valid("param");
      const stored = settle(c, await store(c).removeRevision(writeContext(c), stack, name, version));
      return c.json(serviceView(stored, style(c)), 200);
    },
  );

  app.openapi(
    accessRoute(write("path"), {
      method: "post",
      path: "/v1/services/{stack}/{name}/rollback",
      tags,
      summary: "Restore a service, slot table included, as before its last change or at config version `to`",
      request: { params: ServiceParams, body: { required: false, content: { "application/json": { schema: RollbackBody } } } },
      responses: { 200: jsonResponse(ServiceView, "The restored service"), ...writeErrors, ...notFound, ...conflict, ...gone },
    }),
    async (c) => {
      const { stack, name } = c.req.valid("param");
      const body = c.req.valid("json") as { to?: number };
      const stored = settle(c, await store(c).rollback(writeContext(c), stack, name, body.to));
      return c.json(serviceView(stored, style(c)), 200);
    },
  );
}
