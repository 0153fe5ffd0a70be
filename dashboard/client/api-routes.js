// @ts-check
/**
 * @module dashboard/client/api-routes
 * Which routes this Weir's admin API serves, read once at sign-in from its OpenAPI
 * document (`GET /v1/openapi.json`, any valid token). A part of the page whose route a
 * Weir may not have yet (origin health, DESIGN §13) is asked for only when the document
 * lists it, rather than asked and answered with a 404. Pure, unit-tested.
 */

/** Origin health of a service (DESIGN §13). */
export const HEALTH_ROUTE = "GET /v1/services/{stack}/{name}/health";

const METHODS = new Set(["get", "put", "post", "delete", "patch", "head", "options"]);

/**
 * Every operation of an OpenAPI document as "METHOD /path", e.g. "GET /v1/services".
 * @param {unknown} doc
 * @returns {Set<string>}
 */
export function apiRoutes(doc) {
  /** @type {Set<string>} */
  const out = new Set();
  const paths = /** @type {{ paths?: unknown } | null} */ (doc)?.paths;
  if (!paths || typeof paths !== "object") return out;
  for (const [path, operations] of Object.entries(paths)) {
    if (!operations || typeof operations !== "object") continue;
    for (const method of Object.keys(operations)) if (METHODS.has(method)) out.add(`${method.toUpperCase()} ${path}`);
  }
  return out;
}
