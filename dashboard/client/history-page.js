// @ts-check
/**
 * @module dashboard/client/history-page
 * History: every change, newest first, with who made it (and from which client IP), when,
 * what it was, a before/after diff, and "Roll back" to the state just before it.
 */
import { act, guard } from "./actions.js";
import { servicePath } from "./api.js";
import { h, region } from "./dom.js";
import { localTime, relativeTime } from "./format.js";
import { historyDiff, rollbackTarget } from "./history-diff.js";
import { writeDenial } from "./permissions.js";
import { routeHref } from "./router.js";

/** @typedef {import("./actions.js").PageContext} PageContext */

/**
 * An entry of `GET /v1/history`.
 * @typedef {{ configVersion: number, at: string, actor: string, ip?: string | null, operation: string, summary: string, service: string,
 *   before: import("./history-diff.js").HistoryState | null, after: import("./history-diff.js").HistoryState | null }} HistoryEntry
 */

const LIMIT = 100;

/**
 * @param {PageContext} ctx
 * @param {{ stack: string, name: string }} [service] only this service's changes
 * @returns {import("./actions.js").Page}
 */
export function historyPage(ctx, service) {
  const list = region(h("div", { class: "history" }));
  const title = service ? `History of ${service.stack}/${service.name}` : "History";
  const el = h(
    "div",
    { class: "page" },
    h("h1", null, title),
    service
      ? h("p", { class: "meta" }, h("a", { href: routeHref({ page: "service", ...service }) }, `${service.stack}/${service.name}`), " · ", h("a", { href: "#/history" }, "all services"))
      : null,
    list.el,
  );

  async function refresh() {
    const query = new URLSearchParams({ limit: String(LIMIT) });
    if (service) query.set("service", `${service.stack}/${service.name}`);
    /** @type {{ entries: HistoryEntry[] }} */
    const answer = await ctx.api.get(`/v1/history?${query}`);
    const entries = [...answer.entries].reverse();
    // keyed on the entries alone (times shown absolute), so the buttons stay put between refreshes
    list.update(entries, () => {
      const now = ctx.now();
      return entries.length === 0 ? h("p", { class: "empty" }, "No changes yet.") : entries.map((e) => entry(e, now));
    });
  }

  /**
   * @param {HistoryEntry} e
   * @param {Date} now
   */
  function entry(e, now) {
    const [stack, name] = e.service.split("/");
    const lines = historyDiff(e.before, e.after);
    const target = rollbackTarget(e);
    const denial = writeDenial(ctx.identity, stack);
    const rollback = h(
      "button",
      {
        type: "button",
        title: target === null ? "" : `Restore ${e.service} as it was before this change (config version ${target})`,
        onclick: (/** @type {MouseEvent} */ ev) =>
          act(ctx, /** @type {HTMLButtonElement} */ (ev.currentTarget), async () => {
            await ctx.api.send("POST", servicePath(stack, name, "/rollback"), { to: target });
            return `Rolled back ${e.service} to config version ${target}, before '${e.summary}'`;
          }),
      },
      "Roll back",
    );
    guard(rollback, denial ?? (target === null ? `${e.service} did not exist before this change` : null));
    return h(
      "article",
      { class: "entry", "data-config-version": String(e.configVersion) },
      h(
        "header",
        null,
        h("span", { class: "version" }, `#${e.configVersion}`),
        h("time", { dateTime: e.at, title: relativeTime(e.at, now) }, localTime(e.at)),
        h("span", { class: "actor" }, e.actor),
        e.ip ? h("span", { class: "ip", title: "the client IP of the request" }, `from ${e.ip}`) : null,
        h("a", { href: routeHref({ page: "service", stack, name }) }, e.service),
        h("span", { class: "operation" }, e.operation),
      ),
      h("p", { class: "summary" }, e.summary),
      lines.length
        ? h(
            "table",
            { class: "diff" },
            h("caption", { class: "visually-hidden" }, `Changes in config version ${e.configVersion}`),
            h("thead", null, h("tr", null, h("th", { scope: "col" }, "what"), h("th", { scope: "col" }, "before"), h("th", { scope: "col" }, "after"))),
            h(
              "tbody",
              null,
              lines.map((l) => h("tr", null, h("th", { scope: "row" }, l.what), h("td", { class: "before" }, l.before), h("td", { class: "after" }, l.after))),
            ),
          )
        : h("p", { class: "help" }, "No change to the service's state."),
      h("div", { class: "actions" }, rollback),
    );
  }

  return { el, refresh, destroy() {} };
}
