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
      summary:
        "History entries (who, from which IP, what, before, after), oldest first; `service=stack/name` filters, `limit` keeps the latest (default 100); a scoped token sees its stacks only. The store keeps the latest HISTORY_KEEP entries (default 1,000); `pruned` counts the older ones per service",
      request: { query: HistoryQuery },
      responses: { 200: jsonResponse(HistoryList, "History entries"), ...commonErrors },
    }),
    async (c) => {
      const { service, limit } = c.req.valid("query");
      const stacks = stackFilter(c);
      const outcome = await store(c).history({ service, limit, ...(stacks ? { stacks } : {}) });
      const { entries, pruned } = settle(c, outcome);
      return c.json({ configVersion: outcome.configVersion, entries: entries.map(historyView), pruned }, 200);
    },
  );
}
