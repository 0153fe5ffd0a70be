// @ts-check
/**
 * @module dashboard/client/ps-rows
 * The Services table: the rows of `weir ps`, one per service and one per staged revision
 * below it, with the error rate and rules count in DETAIL. Pure, unit-tested.
 */
import { formatRate, localTime, relativeTime } from "./format.js";
import { rulesOf } from "./rules-view.js";

/** @typedef {import("../../core/views.ts").ServiceView} ServiceView */

/**
 * @typedef {object} PsRow
 * @property {string} key `stack/name` or `stack/name:version`
 * @property {string} stack
 * @property {string} service
 * @property {string} origin the first origin
 * @property {string} created "10 seconds ago"
 * @property {string} createdAt local time, for a tooltip
 * @property {number} scale origin count
 * @property {number} weight percent
 * @property {string} state
 * @property {string} endpoint
 * @property {string} detail
 */

/**
 * @param {{ services: ServiceView[] }} list `GET /v1/services`
 * @param {{ now: Date, errorRates?: Map<string, number | null> }} options error rate by `stack/name:version`
 * @returns {PsRow[]}
 */
export function psRows(list, options) {
  /** @type {PsRow[]} */
  const rows = [];
  for (const s of list.services) {
    /** @param {string} version */
    const errors = (version) => {
      const rate = options.errorRates?.get(`${s.id}:${version}`);
      return rate !== undefined && rate !== null && rate > 0 ? `errors=${formatRate(rate)}` : "";
    };
    /** @param {string | undefined} version */
    const domains = (version) => {
      const hosts = s.domains.filter((d) => d.version === version).map((d) => d.host);
      return hosts.length ? `domains=${hosts.join(",")}` : "";
    };
    const rules = rulesOf(s).length;
    /**
     * @param {string} key
     * @param {{ origins: string[], createdAt: string, weight: number, state: string, endpoint: string }} r
     * @param {string[]} detail
     * @returns {PsRow}
     */
    const row = (key, r, detail) => ({
      key,
      stack: s.stack,
      service: s.name,
      origin: r.origins[0] ?? "",
      created: relativeTime(r.createdAt, options.now),
      createdAt: localTime(r.createdAt),
      scale: r.origins.length,
      weight: r.weight,
      state: r.state,
      endpoint: r.endpoint,
      detail: detail.filter(Boolean).join(" "),
    });
    rows.push(row(s.id, s, [domains(undefined), rules > 0 ? `rules=${rules}` : "", errors(s.version)]));
    for (const r of s.revisions) rows.push(row(`${s.id}:${r.version}`, r, [domains(r.version), errors(r.version)]));
  }
  return rows;
}
