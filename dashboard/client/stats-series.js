// @ts-check
/**
 * @module dashboard/client/stats-series
 * Chart data from `GET …/stats?window=15m&step=30s`: per revision, the time of each step
 * (seconds, as uPlot wants them), requests per second and error rate in percent (null
 * where nothing answered, drawn as a gap), over all its traffic; and the revision table's
 * traffic cells, which add the weighted part (what a rollout judges) when some traffic was
 * pinned. Pure, unit-tested.
 */
import { formatPerSecond, formatRate, parseDuration } from "./format.js";

/** @typedef {import("../../core/stats-view.ts").StatsView} StatsView */

/**
 * @typedef {object} RevisionSeries
 * @property {number[]} times seconds since the epoch, start of each step
 * @property {number[]} requestsPerSecond
 * @property {(number | null)[]} errorRate percent
 */

/** The window and step the service page asks for. */
export const CHART_WINDOW = "15m";
export const CHART_STEP = "30s";

/**
 * @param {StatsView} stats
 * @param {string} version
 * @returns {RevisionSeries}
 */
export function revisionSeries(stats, version) {
  const series = stats.series;
  const stepSeconds = series ? (parseDuration(series.step) ?? 30_000) / 1000 : 30;
  /** @type {RevisionSeries} */
  const out = { times: [], requestsPerSecond: [], errorRate: [] };
  for (const p of series?.points ?? []) {
    const r = p.revisions.find((x) => x.version === version);
    out.times.push(Date.parse(p.at) / 1000);
    out.requestsPerSecond.push(r ? r.requests / stepSeconds : 0);
    out.errorRate.push(r ? r.errorRate : null);
  }
  return out;
}

/**
 * Requests per second over the whole window, for a revision's row.
 * @param {StatsView} stats
 * @param {string} version
 */
export function averagePerSecond(stats, version) {
  const r = stats.revisions.find((x) => x.version === version);
  const seconds = (Date.parse(stats.to) - Date.parse(stats.from)) / 1000;
  return r && seconds > 0 ? r.requests / seconds : 0;
}

/**
 * @typedef {object} TrafficCell
 * @property {string} text over all traffic, e.g. "1.2/s" or "2.5%"
 * @property {string} note the weighted part when not all traffic was weighted, e.g. "weighted 0.8/s"; else ""
 * @property {string} title what the figures are, for a tooltip
 */

/**
 * A revision's REQ/S and ERRORS cells over the stats window: all its traffic, and, when
 * some of it was pinned (Weir-Revision header, version host or domain, a rule's version),
 * mirrored (a rule's mirror copies) or counted before the split, the weighted part the
 * rollout analysis judges.
 * @param {StatsView} stats
 * @param {string} version
 * @returns {{ requests: TrafficCell, errors: TrafficCell }}
 */
export function revisionTraffic(stats, version) {
  const r = stats.revisions.find((x) => x.version === version);
  const seconds = (Date.parse(stats.to) - Date.parse(stats.from)) / 1000;
  /** @param {number} n */
  const perSecond = (n) => formatPerSecond(seconds > 0 ? n / seconds : 0);
  if (!r) return { requests: { text: perSecond(0), note: "", title: "" }, errors: { text: formatRate(null), note: "", title: "" } };
  const split = r.weighted.requests !== r.requests;
  const over = `over the last ${stats.window}`;
  // a rule's mirror copies: shown in the totals, never judged
  const mirrored = r.mirrored.requests > 0 ? `, ${r.mirrored.requests} mirror copies` : "";
  const mirroredErrors = r.mirrored.requests > 0 ? `, mirror copies: ${r.mirrored.errors} of ${r.mirrored.responses}` : "";
  return {
    requests: {
      text: perSecond(r.requests),
      note: split ? `weighted ${perSecond(r.weighted.requests)}` : "",
      title: `${r.requests} requests ${over}: ${r.weighted.requests} sent by the weights, ${r.pinned.requests} pinned to ${version}${mirrored}`,
    },
    errors: {
      text: formatRate(r.errorRate),
      note: split ? `weighted ${formatRate(r.weighted.errorRate)}` : "",
      title: `${r.errors} of ${r.responses} responses failed ${over}; weighted traffic (what a rollout judges): ${r.weighted.errors} of ${r.weighted.responses}, pinned: ${r.pinned.errors} of ${r.pinned.responses}${mirroredErrors}`,
    },
  };
}
