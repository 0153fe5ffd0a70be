/**
 * @module cli/error-rates
 * The error rate of each revision over the last 5 minutes, for the DETAIL column of
 * `weir ps`: one stats request per service, in parallel; a service whose stats cannot be
 * read simply shows none.
 */
import { formatRate } from "../core/edge-stats.ts";
import type { StatsView } from "../core/stats-view.ts";
import type { ServiceList } from "../core/views.ts";
import type { ApiClient } from "./client.ts";

export const PS_STATS_WINDOW = "5m";

/**
 * `stack/name:version` → "errors=2.5%" for revisions that failed some requests in the window;
 * a healthy revision shows nothing, so DETAIL stays as quiet as DESIGN §1 shows it.
 */
export async function errorRateDetails(client: ApiClient, list: ServiceList): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  await Promise.all(
    list.services.map(async (s) => {
      let view: StatsView;
      try {
        view = (await client.send("GET", `/v1/services/${s.stack}/${s.name}/stats`, { query: { window: PS_STATS_WINDOW } })).json as StatsView;
      } catch {
        return;
      }
      for (const r of view.revisions) if (r.errorRate !== null && r.errorRate > 0) out.set(`${s.id}:${r.version}`, `errors=${formatRate(r.errorRate)}`);
    }),
  );
  return out;
}
