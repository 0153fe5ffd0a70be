// @ts-check
/**
 * @module dashboard/client/api
 * Every datum the dashboard shows comes from the admin API on this origin, sent with
 * `Authorization: Bearer <token>`. An error answer becomes an ApiError carrying the API's
 * own message (shown as it is); a 401 also signs the person out.
 */

export class ApiError extends Error {
  /**
   * @param {number} status 0 when the API could not be reached
   * @param {string} code the API's error code, e.g. "invalid"
   * @param {string} message the API's message
   */
  constructor(status, code, message) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
  }
}

/**
 * The error in an API answer's body, or a plain description of the status.
 * @param {number} status
 * @param {string} statusText
 * @param {unknown} body
 */
export function errorOf(status, statusText, body) {
  const e = /** @type {{ error?: { code?: unknown, message?: unknown } } | null} */ (body)?.error;
  const message = typeof e?.message === "string" && e.message ? e.message : `${status} ${statusText}`.trim();
  return new ApiError(status, typeof e?.code === "string" ? e.code : `http_${status}`, message);
}

/**
 * @typedef {object} Api
 * @property {(path: string) => Promise<any>} get
 * @property {(method: string, path: string, body?: unknown) => Promise<any>} send
 * @property {(path: string) => Promise<{ status: number, body: any }>} probe a GET whose 404 is an answer, not an error
 */

/**
 * @param {string} token
 * @param {{ onUnauthorized(message: string): void }} hooks
 * @returns {Api}
 */
export function createApi(token, hooks) {
  /**
   * @param {string} method
   * @param {string} path
   * @param {unknown} body
   * @param {boolean} [notFoundIsAnswer]
   */
  async function request(method, path, body, notFoundIsAnswer = false) {
    /** @type {Record<string, string>} */
    const headers = { authorization: `Bearer ${token}`, accept: "application/json" };
    if (body !== undefined) headers["content-type"] = "application/json";
    let res;
    try {
      res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: "no-store", credentials: "omit" });
    } catch (err) {
      throw new ApiError(0, "network", `cannot reach the admin API (${err instanceof Error ? err.message : String(err)})`);
    }
    const text = await res.text();
    let json = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = null;
    }
    if (res.ok || (notFoundIsAnswer && res.status === 404)) return { status: res.status, body: json };
    const error = errorOf(res.status, res.statusText, json);
    if (res.status === 401) hooks.onUnauthorized(error.message);
    throw error;
  }
  return {
    get: async (path) => (await request("GET", path, undefined)).body,
    send: async (method, path, body) => (await request(method, path, body)).body,
    probe: (path) => request("GET", path, undefined, true),
  };
}

/**
 * `/v1/services/test/svc` + suffix, each label encoded.
 * @param {string} stack
 * @param {string} name
 * @param {string} [suffix]
 */
export function servicePath(stack, name, suffix = "") {
  return `/v1/services/${encodeURIComponent(stack)}/${encodeURIComponent(name)}${suffix}`;
}
