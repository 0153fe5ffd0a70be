/**
 * @module bench/workerd/selection-cost-worker
 * Runs the selection-cost loops inside workerd (bundled by bench/workerd/run-in-workerd.ts).
 * GET /?scheme=weir&revisions=5&n=2000000 → {"ns": …}. Local workerd's clock advances
 * during execution (on Cloudflare it would not), so the loop times itself.
 */
import { COST_SCHEMES, costCase, timeDecisions, type CostCase, type CostScheme } from "../selection-cost-loops.ts";

const cases = new Map<number, CostCase>();

export default {
  async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const scheme = url.searchParams.get("scheme") as CostScheme;
    const revisions = Number(url.searchParams.get("revisions"));
    const n = Number(url.searchParams.get("n"));
    if (!COST_SCHEMES.includes(scheme) || !(revisions >= 1) || !(n >= 1)) return Response.json({ error: "bad parameters" }, { status: 400 });
    let c = cases.get(revisions);
    if (c === undefined) cases.set(revisions, (c = costCase(revisions)));
    return Response.json(timeDecisions(scheme, c, n, () => performance.now()));
  },
};
