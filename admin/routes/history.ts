/**
 * @module admin/routes/history
 * The change history (weir history): who, when, what, before and after.
 */
import { type OpenAPIHono } from "@hono/zod-openapi";
import { accessRoute, read, stackFilter } from "../authorization.ts";
import { settle, store, type AdminEnv } from "../context.ts";
import { commonErrors, HistoryList, HistoryQuery, jsonResponse } from "../schemas.ts";
import { historyView } from "../views.ts";

export function registerHistoryRoutes(app: OpenAPIHono<AdminEnv>): void {
  app.openapi(
    accessRoute(read("query-service"), {
      method: "get",
      path: "/v1/history",
      tags: ["history"],
      summary: "History entries, oldest first; `service=stack/name` filters, `limit` keeps the latest (default 100)",
      request: { query: HistoryQuery },
      responses: { 200: jsonResponse(HistoryList, "History entries"), ...commonErrors },
    }),
    async (c) => {
      const { service, limit } = c.req.valid("query");
      const outcome = await store(c).history({ service, limit });
      const mine = stackFilter(c);
      const entries = settle(c, outcome).filter((e) => mine === undefined || mine.includes(e.service.split("/")[0]));
      return c.json({ configVersion: outcome.configVersion, entries: entries.map(historyView) }, 200);
    },
  );
}
