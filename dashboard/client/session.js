// @ts-check
/**
 * @module dashboard/client/session
 * The signed-in token lives in sessionStorage only (DESIGN §12): it is gone when the tab
 * closes, never shared with other tabs, never in a URL or a cookie.
 */

const KEY = "weir.token";

/** @returns {string | null} */
export function savedToken() {
  try {
    return sessionStorage.getItem(KEY);
  } catch {
    return null;
  }
}

/** @param {string} token */
export function saveToken(token) {
  sessionStorage.setItem(KEY, token);
}

export function forgetToken() {
  try {
    sessionStorage.removeItem(KEY);
  } catch {
    // storage unavailable: nothing was kept
  }
}
