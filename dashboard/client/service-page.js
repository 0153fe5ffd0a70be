// @ts-check
/**
 * @module dashboard/client/service-page
 * One service: its revisions with origins and weights, "Set weights", "Stage", "Promote",
 * "Roll back", a chart per revision of requests/s and error rate over 15 minutes, its
 * rules in order, origin health, and a running rollout with "Pause" / "Resume" / "Abort".
 * Each part is rebuilt only when what it shows changes, so typing survives the refresh.
 */
import { act, guard } from "./actions.js";
import { HEALTH_ROUTE } from "./api-routes.js";
import { servicePath } from "./api.js";
import { createChart } from "./chart.js";
import { externalLink, h, region, weightBar, wrappableUrl } from "./dom.js";
import { formatPerSecond, formatRate, localTime, relativeTime } from "./format.js";
import { healthRows, revisionHealth } from "./health-view.js";
import { writeDenial } from "./permissions.js";
import { inFlight, rolloutControls, rolloutHeadline, rolloutProgress, weightsText } from "./rollout-view.js";
import { routeHref } from "./router.js";
import { ruleActionSummary, ruleMatchSummary, rulesOf } from "./rules-view.js";
import { averagePerSecond, CHART_STEP, CHART_WINDOW, revisionSeries, revisionTraffic } from "./stats-series.js";
import { primaryShare, weightChanges } from "./weights.js";

/** @typedef {import("./actions.js").PageContext} PageContext */
/** @typedef {import("../../core/views.ts").ServiceView} ServiceView */
/** @typedef {import("../../core/stats-view.ts").StatsView} StatsView */
/** @typedef {import("../../core/rollout.ts").RolloutView} RolloutView */
/** @typedef {import("./health-view.js").HealthRow} HealthRow */
/** @typedef {import("./stats-series.js").TrafficCell} TrafficCell */

/** How many of the service's latest history entries are searched for a rollout. */
const ROLLOUT_HISTORY = 50;

/**
 * @param {PageContext} ctx
 * @param {string} stack
 * @param {string} name
 * @returns {import("./actions.js").Page}
 */
export function servicePage(ctx, stack, name) {
  const id = `${stack}/${name}`;
  const path = (/** @type {string} */ suffix = "") => servicePath(stack, name, suffix);
  const denial = writeDenial(ctx.identity, stack);

  const heading = region(h("header", { class: "service-head" }));
  const revisions = region(h("section", { "aria-labelledby": "revisions-title" }));
  const rollout = region(h("section", { class: "rollout-region" }));
  const weights = region(h("section", { "aria-labelledby": "weights-title" }));
  const charts = region(h("section", { "aria-labelledby": "traffic-title" }));
  const rules = region(h("section", { class: "rules-region" }));
  const health = region(h("section", { class: "health-region" }));
  const stageForm = stageSection();
  const el = h(
    "div",
    { class: "page" },
    heading.el,
    denial ? h("p", { class: "note" }, `Read-only: ${denial}.`) : null,
    revisions.el,
    rollout.el,
    weights.el,
    charts.el,
    rules.el,
    health.el,
    stageForm,
  );

  /** @type {RolloutView | null} */
  let currentRollout = null;
  /** the service's config version when its rollout was last looked for */
  let rolloutAskedAt = -1;
  /** whether the service has had a rollout: only then is there one to ask for */
  let hadRollout = false;
  const hasHealthRoute = ctx.routes.has(HEALTH_ROUTE);
  /** @type {HealthRow[] | null} null: no health route */
  let healthData = null;
  /** weights typed and not yet set, by version: kept across refreshes */
  const typed = new Map();
  /** @type {Map<string, ReturnType<typeof createChart>>} */
  const chartsByVersion = new Map();
  let destroyed = false;

  async function refresh() {
    const [svc, stats] = await Promise.all([
      /** @type {Promise<ServiceView>} */ (ctx.api.get(path())),
      /** @type {Promise<StatsView | null>} */ (ctx.api.get(path(`/stats?window=${CHART_WINDOW}&step=${CHART_STEP}`)).catch(() => null)),
    ]);
    // The rollout is asked for while one is in flight, else only when the service changed
    // (starting one is a change, made here or elsewhere) and its history shows it has had
    // one: a service that never had a rollout answers 404, and the page does not ask.
    if ((currentRollout !== null && inFlight(currentRollout)) || svc.configVersion !== rolloutAskedAt) {
      if (!hadRollout) hadRollout = await rolloutInHistory();
      if (hadRollout) {
        const got = await ctx.api.probe(path("/rollout"));
        currentRollout = got.status === 404 ? null : got.body;
      }
      rolloutAskedAt = svc.configVersion;
    }
    if (hasHealthRoute) {
      const got = await ctx.api.probe(path("/health")).catch(() => ({ status: 0, body: null }));
      healthData = got.status === 200 ? healthRows(got.body) : null;
    }
    if (destroyed) return;
    render(svc, stats);
  }

  /** Whether a rollout (its start, a step, its end) is among the service's latest changes. */
  async function rolloutInHistory() {
    const query = new URLSearchParams({ service: id, limit: String(ROLLOUT_HISTORY) });
    /** @type {{ entries: { operation: string }[] }} */
    const answer = await ctx.api.get(`/v1/history?${query}`);
    return answer.entries.some((e) => e.operation.startsWith("rollout"));
  }

  /**
   * @param {ServiceView} s
   * @param {StatsView | null} stats
   */
  function render(s, stats) {
    const now = ctx.now();
    heading.update({ s: [s.id, s.version, s.affinity, s.configVersion, s.endpoint], denial }, () => [
      h("h1", null, s.id),
      h(
        "p",
        { class: "meta" },
        externalLink(s.endpoint),
        ` · primary ${s.version} · affinity ${s.affinity} · config version ${s.configVersion}`,
        s.domains.length ? ` · domains ${s.domains.map((d) => (d.version ? `${d.host}→${d.version}` : d.host)).join(", ")}` : "",
      ),
      h(
        "div",
        { class: "actions" },
        guard(
          h(
            "button",
            {
              type: "button",
              title: "Restore the service as it was before its last change",
              onclick: (/** @type {MouseEvent} */ e) =>
                act(ctx, /** @type {HTMLButtonElement} */ (e.currentTarget), async () => {
                  const after = await ctx.api.send("POST", path("/rollback"), {});
                  return `Rolled back ${id}: ${versionsLine(after)}`;
                }),
            },
            "Roll back",
          ),
          denial,
        ),
        h("a", { href: routeHref({ page: "history", service: { stack, name } }) }, "History of this service"),
      ),
    ]);

    const origins = healthData ?? [];
    const rows = [
      { version: s.version, primary: true, origins: s.origins, createdAt: s.createdAt, weight: s.weight, state: s.state, endpoint: s.versionEndpoint },
      ...s.revisions.map((r) => ({ ...r, primary: false })),
    ].map((r) => {
      const detail = [revisionHealth(origins, r.version), ...s.domains.filter((d) => d.version === r.version).map((d) => `domain ${d.host}`)].filter(Boolean);
      const unknown = { text: "–", note: "", title: "no statistics" };
      const traffic = stats ? revisionTraffic(stats, r.version) : { requests: unknown, errors: unknown };
      return {
        ...r,
        created: relativeTime(r.createdAt, now),
        ...traffic,
        detail: detail.join(" "),
      };
    });
    revisions.update({ rows, denial }, () => revisionsTable(rows));

    // keyed on the rollout alone (times shown absolute), so its buttons stay put between steps
    rollout.update({ r: currentRollout, denial }, () => (currentRollout ? rolloutSection(currentRollout) : null));

    const staged = s.revisions.map((r) => ({ version: r.version, weight: r.weight }));
    weights.update({ staged, primary: s.version, denial }, () => (staged.length ? weightsSection(s.version, staged) : null));

    renderCharts(s, stats);

    const list = rulesOf(s);
    rules.update({ list, has: "rules" in s }, () => ("rules" in s ? rulesSection(list) : null));
    health.update(healthData, () => (healthData ? healthSection(healthData, now) : null));
  }

  /**
   * @param {{ version: string, primary: boolean, origins: string[], created: string, createdAt: string, weight: number, state: string,
   *   endpoint: string, requests: TrafficCell, errors: TrafficCell, detail: string }[]} rows
   */
  function revisionsTable(rows) {
    return [
      h("h2", { id: "revisions-title" }, "Revisions"),
      h(
        "div",
        { class: "table-wrap" },
        h(
          "table",
          { class: "revisions cards" },
          h(
            "thead",
            null,
            h(
              "tr",
              null,
              ["VERSION", "ORIGINS", "CREATED", "WEIGHT", "STATE", "REQ/S", "ERRORS", "ENDPOINT", "DETAIL"].map((t) => h("th", { scope: "col", title: COLUMN_TITLES.get(t) ?? "" }, t)),
              h("th", { scope: "col" }, h("span", { class: "visually-hidden" }, "Actions")),
            ),
          ),
          h(
            "tbody",
            null,
            rows.map((r) =>
              h(
                "tr",
                { "data-version": r.version },
                h("th", { scope: "row", "data-label": "VERSION" }, r.version, r.primary ? h("span", { class: "tag" }, "primary") : null),
                h("td", { "data-label": "ORIGINS" }, h("ul", { class: "origins" }, r.origins.map((o) => h("li", null, externalLink(o))))),
                h("td", { "data-label": "CREATED", title: localTime(r.createdAt) }, r.created),
                h("td", { "data-label": "WEIGHT" }, weightBar(r.weight)),
                h("td", { "data-label": "STATE" }, h("span", { class: `state state-${r.state}` }, r.state)),
                trafficCell("REQ/S", r.requests),
                trafficCell("ERRORS", r.errors),
                h("td", { "data-label": "ENDPOINT" }, externalLink(r.endpoint, wrappableUrl(r.endpoint))),
                h("td", { "data-label": "DETAIL" }, r.detail),
                h(
                  "td",
                  { class: "row-actions" },
                  r.primary
                    ? null
                    : guard(
                        h(
                          "button",
                          {
                            type: "button",
                            title: `Make ${r.version} the primary revision`,
                            onclick: (/** @type {MouseEvent} */ e) =>
                              act(ctx, /** @type {HTMLButtonElement} */ (e.currentTarget), async () => {
                                await ctx.api.send("POST", path("/promote"), { version: r.version });
                                return `Promoted ${id}:${r.version}: it is the primary now`;
                              }),
                          },
                          "Promote",
                        ),
                        denial,
                      ),
                ),
              ),
            ),
          ),
        ),
      ),
    ];
  }

  /**
   * @param {string} primary
   * @param {{ version: string, weight: number }[]} staged
   */
  function weightsSection(primary, staged) {
    const text = () => Object.fromEntries(staged.map((r) => [r.version, typed.get(r.version) ?? String(r.weight)]));
    const share = h("output", { for: staged.map((r) => `weight-${r.version}`).join(" ") });
    const showShare = () => {
      const p = primaryShare(staged, text());
      share.textContent = p === null ? "–" : `${p}%`;
      share.classList.toggle("over", p !== null && p < 0);
    };
    const ramp = guard(h("input", { id: "ramp", name: "ramp", type: "text", placeholder: "e.g. 10m", autocomplete: "off", spellcheck: false }), denial);
    const submit = guard(h("button", { type: "submit", class: "primary" }, "Set weights"), denial);
    showShare();
    return h(
      "form",
      {
        class: "weights-form",
        onsubmit: (/** @type {SubmitEvent} */ e) => {
          e.preventDefault();
          const change = weightChanges(staged, text());
          if ("error" in change) return ctx.fail(new Error(change.error));
          if (Object.keys(change.weights).length === 0) return ctx.done("The weights are already so: nothing to set.");
          const duration = ramp.value.trim();
          void act(ctx, submit, async () => {
            const body = duration ? { weights: change.weights, duration } : { weights: change.weights };
            const answer = await ctx.api.send("PUT", path("/weights"), body);
            typed.clear();
            weights.invalidate();
            ramp.value = "";
            const set = weightsText(change.weights);
            return duration ? `Rollout started: ${set} over ${answer.duration ?? duration}` : `Weights set: ${set}`;
          });
        },
      },
      h("h2", { id: "weights-title" }, "Weights"),
      h(
        "div",
        { class: "fields" },
        staged.map((r) =>
          h(
            "div",
            { class: "field" },
            h("label", { for: `weight-${r.version}` }, `Weight of ${r.version}`),
            h(
              "span",
              { class: "with-unit" },
              guard(
                h("input", {
                  id: `weight-${r.version}`,
                  name: r.version,
                  type: "number",
                  min: "0",
                  max: "100",
                  step: "0.01",
                  inputMode: "decimal",
                  required: true,
                  value: typed.get(r.version) ?? String(r.weight),
                  oninput: (/** @type {InputEvent} */ e) => {
                    typed.set(r.version, /** @type {HTMLInputElement} */ (e.currentTarget).value);
                    showShare();
                  },
                }),
                denial,
              ),
              "%",
            ),
          ),
        ),
        h("div", { class: "field" }, h("label", { for: "ramp" }, "Ramp over (optional)"), ramp),
      ),
      h("p", { class: "help" }, `The primary ${primary} gets the rest: `, share, ". With a ramp duration the change runs as a timed rollout."),
      submit,
    );
  }

  /** @param {RolloutView} r */
  function rolloutSection(r) {
    const controls = rolloutControls(r);
    /**
     * @param {"pause" | "resume" | "abort"} action
     * @param {string} label
     * @param {string} why when it does not apply
     */
    const button = (action, label, why) => {
      const b = h(
        "button",
        {
          type: "button",
          class: action === "abort" ? "danger" : "",
          onclick: (/** @type {MouseEvent} */ e) =>
            act(ctx, /** @type {HTMLButtonElement} */ (e.currentTarget), async () => {
              const after = await ctx.api.send("POST", path(`/rollout/${action}`));
              return `Rollout ${action === "abort" ? "aborted" : action === "pause" ? "paused" : "resumed"}: ${rolloutHeadline(after)}`;
            }),
        },
        label,
      );
      if (denial) return guard(b, denial);
      if (!controls[action]) return guard(b, why);
      return b;
    };
    const facts = [
      ["started", `${localTime(r.startedAt)} by ${r.startedBy}`],
      ["duration", `${r.duration}, a step every ${r.interval}`],
      ["from", weightsText(r.from)],
      ["now", weightsText(r.current)],
      ["target", weightsText(r.target)],
      ...(r.nextStepAt ? [["next step", localTime(r.nextStepAt)]] : []),
      ...(r.analysis ? [["analysis", `abort above ${formatRate(r.analysis.maxErrorRate)} errors, min ${r.analysis.minRequests} requests`]] : []),
      ...(r.failures > 0 && r.lastError ? [["failing", `${r.failures} ${r.failures === 1 ? "try" : "tries"} in a row; last at ${localTime(r.lastError.at)}: ${r.lastError.message}`]] : []),
      ...(r.endedAt ? [["ended", `${localTime(r.endedAt)}: ${r.reason ?? ""}`]] : []),
    ];
    const list = h("dl", { class: "facts" }, facts.map(([k, v]) => [h("dt", null, k), h("dd", null, v)]));
    // an ended rollout is history: one line, its facts on request
    if (!inFlight(r)) {
      return h("details", { class: "last-rollout" }, h("summary", null, "Last rollout: ", h("span", { class: `rollout-status status-${r.status}` }, rolloutHeadline(r))), list);
    }
    return [
      h("h2", null, "Rollout"),
      h("p", { class: `rollout-status status-${r.status}` }, rolloutHeadline(r)),
      h("progress", { max: 1, value: rolloutProgress(r), "aria-label": `Rollout progress: step ${r.step} of ${r.steps}` }),
      list,
      h(
        "div",
        { class: "actions" },
        button("pause", "Pause", "The rollout is paused already"),
        button("resume", "Resume", "The rollout is not paused"),
        button("abort", "Abort", "The rollout has ended"),
      ),
    ];
  }

  /**
   * Charts are made once per set of revisions, then only fed new data.
   * @param {ServiceView} s
   * @param {StatsView | null} stats
   */
  function renderCharts(s, stats) {
    const versions = [s.version, ...s.revisions.map((r) => r.version)];
    const rebuilt = charts.update(versions, () => [
      h("h2", { id: "traffic-title" }, "Traffic, last 15 minutes"),
      h(
        "div",
        { class: "charts" },
        versions.map((v) =>
          h("figure", { class: "chart-figure", "data-version": v }, h("figcaption", null, h("strong", null, v), " requests/s and error rate"), h("div", { class: "chart" })),
        ),
      ),
    ]);
    if (rebuilt) {
      for (const c of chartsByVersion.values()) c.destroy();
      chartsByVersion.clear();
    }
    if (!stats) return;
    for (const figure of charts.el.querySelectorAll("figure[data-version]")) {
      const version = figure.getAttribute("data-version") ?? "";
      const data = revisionSeries(stats, version);
      const rate = stats.revisions.find((r) => r.version === version)?.errorRate ?? null;
      figure.setAttribute("aria-label", `${version}: ${formatPerSecond(averagePerSecond(stats, version))} on average, error rate ${formatRate(rate)}, over the last 15 minutes`);
      const existing = chartsByVersion.get(version);
      if (existing) existing.update(data);
      else chartsByVersion.set(version, createChart(/** @type {HTMLElement} */ (figure.querySelector(".chart")), data));
    }
  }

  function stageSection() {
    const version = h("input", { id: "stage-version", name: "version", type: "text", required: true, pattern: "[a-z0-9]([a-z0-9\\-]{0,61}[a-z0-9])?", placeholder: "v3", autocomplete: "off", spellcheck: false });
    const origins = h("textarea", { id: "stage-origins", name: "origins", required: true, rows: 2, placeholder: "http://127.0.0.1:9003", spellcheck: false });
    const weight = h("input", { id: "stage-weight", name: "weight", type: "number", min: "0", max: "100", step: "0.01", value: "0", inputMode: "decimal" });
    const submit = h("button", { type: "submit", class: "primary" }, "Stage");
    for (const c of [version, origins, weight, submit]) guard(c, denial);
    return h(
      "section",
      { "aria-labelledby": "stage-title" },
      h(
        "form",
        {
          class: "stage-form",
          onsubmit: (/** @type {SubmitEvent} */ e) => {
            e.preventDefault();
            const body = {
              version: version.value.trim(),
              origins: origins.value.split(/\s+/).filter(Boolean),
              weight: weight.value.trim() === "" ? 0 : Number(weight.value),
            };
            void act(ctx, submit, async () => {
              await ctx.api.send("POST", path("/revisions"), body);
              version.value = "";
              origins.value = "";
              weight.value = "0";
              return `Staged ${id}:${body.version}`;
            });
          },
        },
        h("h2", { id: "stage-title" }, "Stage a revision"),
        h(
          "div",
          { class: "fields" },
          h("div", { class: "field" }, h("label", { for: "stage-version" }, "Version"), version),
          h("div", { class: "field wide" }, h("label", { for: "stage-origins" }, "Origins (one URL per line)"), origins),
          h("div", { class: "field" }, h("label", { for: "stage-weight" }, "Initial weight"), h("span", { class: "with-unit" }, weight, "%")),
        ),
        submit,
      ),
    );
  }

  return {
    el,
    refresh,
    destroy() {
      destroyed = true;
      for (const c of chartsByVersion.values()) c.destroy();
      chartsByVersion.clear();
    },
  };
}

const COLUMN_TITLES = new Map([
  ["REQ/S", `requests per second over the last ${CHART_WINDOW}, all traffic; below, the weighted part when some was pinned`],
  ["ERRORS", `error rate (5xx and origin errors) over the last ${CHART_WINDOW}, all traffic; below, the weighted part a rollout judges`],
]);

/**
 * A REQ/S or ERRORS cell: all traffic, and the weighted part in small text below.
 * @param {string} label
 * @param {TrafficCell} cell
 */
function trafficCell(label, cell) {
  return h("td", { "data-label": label, title: cell.title, class: "traffic" }, cell.text, cell.note ? h("small", { class: "weighted" }, cell.note) : null);
}

/**
 * "v0 50%, v3 50%" of a service view.
 * @param {ServiceView} s
 */
function versionsLine(s) {
  return [`${s.version} ${s.weight}%`, ...s.revisions.map((r) => `${r.version} ${r.weight}%`)].join(", ");
}

/** @param {Record<string, any>[]} list */
function rulesSection(list) {
  return [
    h("h2", null, "Rules"),
    list.length === 0
      ? h("p", { class: "help" }, "No rules: all traffic follows the weights.")
      : h(
          "div",
          { class: "table-wrap" },
          h(
            "table",
            { class: "rules cards" },
            h("thead", null, h("tr", null, ["#", "NAME", "MATCH", "ACTION"].map((t) => h("th", { scope: "col" }, t)))),
            h(
              "tbody",
              null,
              list.map((rule, i) =>
                h(
                  "tr",
                  null,
                  h("td", { "data-label": "#" }, String(i + 1)),
                  h("th", { scope: "row", "data-label": "NAME" }, String(rule.name ?? "")),
                  h("td", { "data-label": "MATCH" }, ruleMatchSummary(rule)),
                  h("td", { "data-label": "ACTION" }, ruleActionSummary(rule)),
                ),
              ),
            ),
          ),
        ),
  ];
}

/**
 * @param {HealthRow[]} rows
 * @param {Date} now
 */
function healthSection(rows, now) {
  return [
    h("h2", null, "Origin health"),
    rows.length === 0
      ? h("p", { class: "help" }, "No health checks: every origin counts as up.")
      : h(
          "div",
          { class: "table-wrap" },
          h(
            "table",
            { class: "health cards" },
            h("thead", null, h("tr", null, ["VERSION", "ORIGIN", "STATE", "LAST CHECK", "LAST ERROR", "COUNTS"].map((t) => h("th", { scope: "col" }, t)))),
            h(
              "tbody",
              null,
              rows.map((r) =>
                h(
                  "tr",
                  null,
                  h("td", { "data-label": "VERSION" }, r.version),
                  h("td", { "data-label": "ORIGIN" }, r.origin),
                  h("td", { "data-label": "STATE" }, h("span", { class: `state state-${r.state}` }, r.state)),
                  h("td", { "data-label": "LAST CHECK", title: r.lastCheck ? localTime(r.lastCheck) : "" }, r.lastCheck ? relativeTime(r.lastCheck, now) : "never"),
                  h("td", { "data-label": "LAST ERROR" }, r.lastError ?? "–"),
                  h("td", { "data-label": "COUNTS" }, r.counters.map(([k, v]) => `${k}=${v}`).join(" ")),
                ),
              ),
            ),
          ),
        ),
  ];
}
