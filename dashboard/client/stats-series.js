// @ts-check
/**
 * @module dashboard/client/stats-series
 * Chart data from `GET …/stats?window=15m&step=30s`: per revision, the time of each step
 * (seconds, as uPlot wants them), requests per second and error rate in percent (null
 * where nothing answered, drawn as a gap). Pure, unit-tested.
 */
import { parseDuration } from "./format.js";

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
