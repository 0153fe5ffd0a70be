/**
 * @module bench/load/pass-through-worker
 * Baseline (b) of the overhead benchmark: the least a Worker can do to proxy, `fetch` of
 * the incoming request re-aimed at the origin (ORIGIN binding). Bundled by
 * bench/load/weir-runtime.ts and run by the same workerd as Weir.
 */
export default {
  fetch(request: Request, env: { ORIGIN: string }): Promise<Response> {
    const url = request.url;
    const path = url.indexOf("/", url.indexOf("://") + 3);
    return fetch(env.ORIGIN + (path === -1 ? "/" : url.slice(path)), request);
  },
};
