/**
 * @module admin/routes/health
 * `GET /v1/services/{stack}/{name}/health` (DESIGN §13): each origin's state, last check,
 * last error and consecutive counts, per revision. The config and the origins marked down
 * come from the ConfigStore; the per-origin figures from the service's HealthChecker (when
 * it cannot be reached, origins show what the store marks: `down`, or `unknown`).
 */
import type { OpenAPIHono } from "@hono/zod-openapi";
import { accessRoute, read } from "../authorization.ts";
import { serviceHealthView, ServiceHealthView as CoreServiceHealthView } from "../../core/health-view.ts";
import { healthSpecOf } from "../../core/health.ts";
import { settle, store, type AdminEnv } from "../context.ts";
import { commonErrors, jsonResponse, notFound, ServiceParams } from "../schemas.ts";
import { healthCheckerOf } from "../store/health-checker.ts";

export const ServiceHealthView = CoreServiceHealthView.openapi("ServiceHealthView");

export function registerHealthRoutes(app: OpenAPIHono<AdminEnv>): void {
  app.openapi(
    accessRoute(read("path"), {
      method: "get",
      path: "/v1/services/{stack}/{name}/health",
      tags: ["services"],
      summary: "Origin health: per revision its health settings, per origin its state, last check, last error and consecutive counts",
      request: { params: ServiceParams },
      responses: { 200: jsonResponse(ServiceHealthView, "The health of every origin of the service"), ...commonErrors, ...notFound },
    }),
    async (c) => {
      const { stack, name } = c.req.valid("param");
      const stored = settle(c, await store(c).getService(stack, name));
      let checked = null;
      if (healthSpecOf(stored.service) !== null) {
        checked = await healthCheckerOf(c.env.HEALTH_CHECKER, `${stack}/${name}`)
          .status()
          .then((s) => s.origins)
          .catch((error: unknown) => {
            console.warn(`health checker of ${stack}/${name} unavailable:`, String(error));
            return null;
          });
      }
      return c.json(serviceHealthView(stored.service, checked, stored.down), 200);
    },
  );
}
