// @ts-check
/**
 * @module dashboard/client/sign-in-page
 * Sign-in: paste a token (the root token or an API token). The token is checked against
 * the API before it is kept; a refusal shows the API's message, as does the 401 that sent
 * the person back here.
 */
import { h } from "./dom.js";

/**
 * @param {{ message?: string, notice?: string, signIn(token: string): Promise<void> }} options
 *   `message`: an error to show (role=alert); `notice`: a plain note (e.g. "Signed out.")
 */
export function signInPage(options) {
  const alert = h("p", { class: "alert", role: "alert", hidden: !options.message }, options.message ?? "");
  const input = h("input", {
    id: "token",
    name: "token",
    type: "password",
    autocomplete: "off",
    spellcheck: false,
    required: true,
    "aria-describedby": "token-help",
  });
  const button = h("button", { type: "submit", class: "primary" }, "Sign in");
  const form = h(
    "form",
    {
      class: "sign-in",
      onsubmit: async (/** @type {SubmitEvent} */ e) => {
        e.preventDefault();
        const token = input.value.trim();
        if (!token) {
          alert.textContent = "Paste a token first.";
          alert.hidden = false;
          return;
        }
        button.disabled = true;
        alert.hidden = true;
        try {
          await options.signIn(token);
        } catch (err) {
          alert.textContent = err instanceof Error ? err.message : String(err);
          alert.hidden = false;
          input.focus();
        } finally {
          button.disabled = false;
        }
      },
    },
    h("h1", null, "Sign in to Weir"),
    options.notice ? h("p", { role: "status" }, options.notice) : null,
    alert,
    h("label", { for: "token" }, "Token"),
    input,
    h(
      "p",
      { id: "token-help", class: "help" },
      "The root token (ADMIN_TOKEN; locally in .dev.vars) or an API token. It is kept in this tab only and sent to the admin API as a Bearer token.",
    ),
    button,
  );
  return { el: h("div", { class: "page narrow" }, form), focus: () => input.focus() };
}
