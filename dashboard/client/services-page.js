// @ts-check
/**
 * @module dashboard/client/services-page
 * Services: the `weir ps` table. One row per service (its name links to its page) and per
 * staged revision, weights as bars, STATE, ENDPOINT, and DETAIL with the error rate of the
 * last 5 minutes and the rules count.
 */
import { servicePath } from "./api.js";
import { externalLink, h, region, weightBar } from "./dom.js";
import { psRows } from "./ps-rows.js";
import { routeHref } from "./router.js";

/** @typedef {import("./actions.js").PageContext} PageContext */
/** @typedef {import("../../core/views.ts").ServiceList} ServiceList */
/** @typedef {import("../../core/stats-view.ts").StatsView} StatsView */

const HEADERS = ["NAME", "ORIGIN", "CREATED", "SCALE", "WEIGHT", "STATE", "ENDPOINT", "DETAIL"];

/**
 * @param {PageContext} ctx
 * @returns {import("./actions.js").Page}
 */
export function servicesPage(ctx) {
  const table = region(h("div", { class: "table-wrap" }));
  const el = h("div", { class: "page" }, h("h1", null, "Services"), table.el);

  async function refresh() {
    /** @type {ServiceList} */
    const list = await ctx.api.get("/v1/services");
    // like `weir ps`: one stats request per service; a service whose stats fail shows none
    /** @type {Map<string, number | null>} */
    const errorRates = new Map();
    await Promise.all(
      list.services.map(async (s) => {
        try {
          /** @type {StatsView} */
          const stats = await ctx.api.get(servicePath(s.stack, s.name, "/stats?window=5m"));
          for (const r of stats.revisions) errorRates.set(`${s.id}:${r.version}`, r.errorRate);
        } catch {
          // no error rate for this one
        }
      }),
    );
    const rows = psRows(list, { now: ctx.now(), errorRates });
    table.update(rows, () => (rows.length === 0 ? empty() : render(rows)));
  }

  return { el, refresh, destroy() {} };
}

function empty() {
  return h(
    "p",
    { class: "empty" },
    "No services yet. Create one with ",
    h("code", null, "npx weir run --name test/svc http://127.0.0.1:9001"),
    "; it appears here within a few seconds.",
  );
}

/** @param {import("./ps-rows.js").PsRow[]} rows */
function render(rows) {
  return h(
    "table",
    { class: "ps cards" },
    h("thead", null, h("tr", null, HEADERS.map((t) => h("th", { scope: "col" }, t)))),
    h(
      "tbody",
      null,
      rows.map((r) =>
        h(
          "tr",
          { "data-row": r.key, class: r.key.includes(":") ? "revision" : "service" },
          h("th", { scope: "row", "data-label": "NAME" }, h("a", { href: routeHref({ page: "service", stack: r.stack, name: r.service }) }, r.key)),
          h("td", { "data-label": "ORIGIN" }, externalLink(r.origin)),
          h("td", { "data-label": "CREATED", title: r.createdAt }, r.created),
          h("td", { "data-label": "SCALE" }, String(r.scale)),
          h("td", { "data-label": "WEIGHT" }, weightBar(r.weight)),
          h("td", { "data-label": "STATE" }, h("span", { class: `state state-${r.state}` }, r.state)),
          h("td", { "data-label": "ENDPOINT" }, externalLink(r.endpoint)),
          h("td", { "data-label": "DETAIL" }, r.detail),
        ),
      ),
    ),
  );
}
