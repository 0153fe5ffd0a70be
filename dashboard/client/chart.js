// @ts-check
/**
 * @module dashboard/client/chart
 * A revision's traffic over the last 15 minutes with uPlot: requests per second (left
 * axis) and error rate in percent (right axis). The chart follows its container's width,
 * so it fits a phone as well as a desktop.
 */
import uPlot from "./uPlot.esm.js";
import { formatPerSecond, formatRate } from "./format.js";

/** @typedef {import("./stats-series.js").RevisionSeries} RevisionSeries */

const HEIGHT = 160;

/**
 * @param {HTMLElement} container an empty element in the page
 * @param {RevisionSeries} data
 */
export function createChart(container, data) {
  /** @type {uPlot.Options} */
  const options = {
    width: Math.max(200, container.clientWidth),
    height: HEIGHT,
    cursor: { drag: { x: false, y: false } },
    scales: {
      x: { time: true },
      rps: { range: (_u, _min, max) => [0, Math.max(1, max * 1.15)] },
      err: { range: (_u, _min, max) => [0, Math.max(5, Math.min(100, max * 1.15))] },
    },
    series: [
      {},
      { label: "requests/s", scale: "rps", stroke: "#2563eb", fill: "rgba(37, 99, 235, 0.08)", width: 2, points: { show: false }, value: (_u, v) => (v === null ? "–" : formatPerSecond(v)) },
      { label: "error rate", scale: "err", stroke: "#dc2626", width: 2, points: { show: false }, value: (_u, v) => formatRate(v) },
    ],
    axes: [
      { stroke: "#555", grid: { stroke: "#eee" }, ticks: { stroke: "#ddd" } },
      { scale: "rps", stroke: "#2563eb", grid: { stroke: "#eee" }, ticks: { stroke: "#ddd" }, size: 44 },
      { scale: "err", side: 1, stroke: "#dc2626", grid: { show: false }, ticks: { stroke: "#ddd" }, size: 44, values: (_u, ticks) => ticks.map((t) => `${t}%`) },
    ],
  };
  const plot = new uPlot(options, toData(data), container);
  const resize = new ResizeObserver(() => {
    const width = Math.max(200, container.clientWidth);
    if (width !== plot.width) plot.setSize({ width, height: HEIGHT });
  });
  resize.observe(container);
  return {
    /** @param {RevisionSeries} next */
    update(next) {
      plot.setData(toData(next));
    },
    destroy() {
      resize.disconnect();
      plot.destroy();
    },
  };
}

/**
 * @param {RevisionSeries} s
 * @returns {uPlot.AlignedData}
 */
function toData(s) {
  return [s.times, s.requestsPerSecond, s.errorRate];
}
