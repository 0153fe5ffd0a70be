// @ts-check
/**
 * @module dashboard/client/router
 * The dashboard's pages live in the URL's fragment (`#/services/test/svc`), so the server
 * serves one page at `/` and every view can be bookmarked. Pure, unit-tested.
 */

/**
 * @typedef {{ page: "services" } | { page: "service", stack: string, name: string } |
 *   { page: "history", service?: { stack: string, name: string } }} Route
 */

const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * The page a fragment names; anything unknown is the Services page.
 * @param {string} hash e.g. "#/services/test/svc"
 * @returns {Route}
 */
export function parseRoute(hash) {
  const parts = hash.replace(/^#\/?/, "").split("/").filter(Boolean).map((p) => {
    try {
      return decodeURIComponent(p);
    } catch {
      return "";
    }
  });
  const pair = (/** @type {string[]} */ [stack, name]) =>
    stack !== undefined && name !== undefined && LABEL.test(stack) && LABEL.test(name) ? { stack, name } : undefined;
  if (parts[0] === "services" && parts.length === 3) {
    const s = pair(parts.slice(1));
    if (s) return { page: "service", ...s };
  }
  if (parts[0] === "history") {
    const s = parts.length === 3 ? pair(parts.slice(1)) : undefined;
    return s ? { page: "history", service: s } : { page: "history" };
  }
  return { page: "services" };
}

/**
 * @param {Route} route
 * @returns {string}
 */
export function routeHref(route) {
  if (route.page === "service") return `#/services/${route.stack}/${route.name}`;
  if (route.page === "history") return route.service ? `#/history/${route.service.stack}/${route.service.name}` : "#/history";
  return "#/";
}
