/**
 * @module bench/load/log-probe-worker
 * Logs a marker line on every request: a suite that scans workerd's output requests it
 * once to prove the capture sees what Workers log (bench/stats-flush.ts). Run by the
 * same workerd as Weir (bench/load/weir-runtime.ts helpers).
 */
// A Worker module exports only handlers: the marker is written out here and in the suite.
export default {
  fetch(): Response {
    console.warn("weir-bench-log-probe: the bench reads this line");
    return new Response("logged");
  },
};
