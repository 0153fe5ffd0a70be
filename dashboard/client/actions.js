// @ts-check
/**
 * @module dashboard/client/actions
 * What every page gets from the app (the API, who is signed in, how to report), and how a
 * control runs a write: disabled while it runs, the outcome reported (an error as the
 * API's own message), the page refreshed.
 */

/**
 * @typedef {object} PageContext
 * @property {import("./api.js").Api} api
 * @property {import("./permissions.js").Identity} identity
 * @property {ReadonlySet<string>} routes the routes the API serves, as "METHOD /path" (api-routes.js)
 * @property {() => Date} now
 * @property {(message: string) => void} done says what a write did (role=status)
 * @property {(error: unknown) => void} fail shows an error's message (role=alert)
 * @property {() => void} refresh refreshes the page now
 */

/**
 * @typedef {object} Page
 * @property {HTMLElement} el
 * @property {() => Promise<void>} refresh loads and shows the latest data; rejects with an ApiError
 * @property {() => void} destroy
 */

/**
 * @param {PageContext} ctx
 * @param {HTMLButtonElement} control
 * @param {() => Promise<string>} run resolves to the line to report
 */
export async function act(ctx, control, run) {
  control.disabled = true;
  control.setAttribute("aria-busy", "true");
  try {
    ctx.done(await run());
  } catch (err) {
    ctx.fail(err);
  } finally {
    control.disabled = false;
    control.removeAttribute("aria-busy");
    ctx.refresh();
  }
}

/**
 * Greys out a control the signed-in token may not use, with the reason as its tooltip.
 * @template {HTMLButtonElement | HTMLInputElement | HTMLTextAreaElement} T
 * @param {T} control
 * @param {string | null} denial
 * @returns {T}
 */
export function guard(control, denial) {
  if (denial !== null) {
    control.disabled = true;
    control.title = denial;
  }
  return control;
}
