// @ts-check
/**
 * @module dashboard/client/app
 * The dashboard's entry: sign-in, the header (pages, who is signed in, "Sign out"), the
 * page named by the URL's fragment, and the auto-refresh. A 401 from any request signs
 * out and shows the API's message on the sign-in page.
 */
import { createApi } from "./api.js";
import { apiRoutes } from "./api-routes.js";
import { h } from "./dom.js";
import { historyPage } from "./history-page.js";
import { describeIdentity, identityFrom } from "./permissions.js";
import { parseRoute } from "./router.js";
import { servicePage } from "./service-page.js";
import { servicesPage } from "./services-page.js";
import { forgetToken, saveToken, savedToken } from "./session.js";
import { signInPage } from "./sign-in-page.js";

/** @typedef {import("./actions.js").Page} Page */
/** @typedef {import("./actions.js").PageContext} PageContext */

/** How often the page re-reads the API. */
const REFRESH_MS = 4_000;

const root = /** @type {HTMLElement} */ (document.getElementById("app"));

/** What lives while someone is signed in; null when signed out. */
/** @type {{ stop(): void } | null} */
let session = null;

/**
 * @param {{ message?: string, notice?: string }} [why]
 */
function showSignIn(why = {}) {
  session?.stop();
  session = null;
  document.title = "Sign in · Weir";
  const page = signInPage({ ...why, signIn });
  root.replaceChildren(page.el);
  page.focus();
}

/**
 * Checks the token with the API (`GET /v1/whoami`: who it is and what it may do), reads
 * which routes the API serves (its OpenAPI document), keeps the token for this tab, and
 * opens the dashboard. Rejects with the API's message when the token is refused.
 * @param {string} token
 */
async function signIn(token) {
  const api = createApi(token, { onUnauthorized() {} });
  // a refusal rejects with the API's message, which the sign-in page shows
  const identity = identityFrom(await api.get("/v1/whoami"));
  const routes = apiRoutes(await api.get("/v1/openapi.json"));
  saveToken(token);
  openDashboard(token, identity, routes);
}

/**
 * @param {string} token
 * @param {import("./permissions.js").Identity} identity
 * @param {ReadonlySet<string>} routes what the API serves, as "METHOD /path"
 */
function openDashboard(token, identity, routes) {
  session?.stop();
  let stopped = false;
  const api = createApi(token, {
    onUnauthorized: (message) => {
      if (stopped) return;
      forgetToken();
      showSignIn({ message });
    },
  });

  const alert = h("div", { class: "alert", role: "alert", hidden: true });
  const status = h("p", { class: "status", role: "status" });
  const main = h("main", { id: "main" });
  const nav = h("nav", { "aria-label": "Pages" }, h("a", { href: "#/" }, "Services"), h("a", { href: "#/history" }, "History"));
  const signOut = h(
    "button",
    {
      type: "button",
      onclick: () => {
        forgetToken();
        showSignIn({ notice: "Signed out." });
      },
    },
    "Sign out",
  );
  const header = h(
    "header",
    { class: "top" },
    h("a", { class: "brand", href: "#/" }, "Weir"),
    nav,
    h("span", { class: "who", title: identity.expiresAt ? `expires ${identity.expiresAt}` : "" }, describeIdentity(identity)),
    signOut,
  );
  root.replaceChildren(header, h("div", { class: "notices" }, alert, status), main);

  /** where the alert's message came from: a refresh failure clears when a refresh works */
  let alertFrom = "";
  /**
   * @param {string} message
   * @param {string} from
   */
  const showAlert = (message, from) => {
    alertFrom = from;
    alert.replaceChildren(
      h("span", null, message),
      h("button", { type: "button", class: "link", onclick: () => clearAlert() }, "Dismiss"),
    );
    alert.hidden = false;
  };
  const clearAlert = () => {
    alert.hidden = true;
    alert.replaceChildren();
    alertFrom = "";
  };
  /** @param {unknown} err */
  const messageOf = (err) => (err instanceof Error ? err.message : String(err));

  /** @type {PageContext} */
  const ctx = {
    api,
    identity,
    routes,
    now: () => new Date(),
    done: (message) => {
      clearAlert();
      status.textContent = message;
    },
    fail: (err) => {
      if (stopped) return;
      status.textContent = "";
      showAlert(messageOf(err), "action");
    },
    refresh: () => void refreshNow(),
  };

  /** @type {Page | null} */
  let page = null;
  /** @type {number | undefined} */
  let timer;
  let running = false;
  let again = false;

  async function refreshNow() {
    if (stopped || !page || document.visibilityState === "hidden") return;
    if (running) {
      again = true;
      return;
    }
    running = true;
    window.clearTimeout(timer);
    const current = page;
    try {
      await current.refresh();
      if (alertFrom === "refresh") clearAlert();
    } catch (err) {
      if (!stopped && current === page) showAlert(`Could not refresh: ${messageOf(err)}`, "refresh");
    } finally {
      running = false;
      if (!stopped) {
        if (again) {
          again = false;
          void refreshNow();
        } else timer = window.setTimeout(() => void refreshNow(), REFRESH_MS);
      }
    }
  }

  function route() {
    page?.destroy();
    const r = parseRoute(location.hash);
    page = r.page === "service" ? servicePage(ctx, r.stack, r.name) : r.page === "history" ? historyPage(ctx, r.service) : servicesPage(ctx);
    document.title = `${r.page === "service" ? `${r.stack}/${r.name}` : r.page === "history" ? "History" : "Services"} · Weir`;
    for (const a of nav.querySelectorAll("a")) {
      const current = a.getAttribute("href") === (r.page === "history" ? "#/history" : r.page === "services" ? "#/" : "");
      if (current) a.setAttribute("aria-current", "page");
      else a.removeAttribute("aria-current");
    }
    status.textContent = "";
    clearAlert();
    main.replaceChildren(page.el);
    void refreshNow();
  }

  const onHash = () => route();
  // a hidden tab does not poll; it catches up when shown again
  const onVisible = () => {
    if (document.visibilityState === "visible") void refreshNow();
    else window.clearTimeout(timer);
  };
  window.addEventListener("hashchange", onHash);
  document.addEventListener("visibilitychange", onVisible);
  session = {
    stop() {
      stopped = true;
      window.clearTimeout(timer);
      window.removeEventListener("hashchange", onHash);
      document.removeEventListener("visibilitychange", onVisible);
      page?.destroy();
      page = null;
    },
  };
  route();
}

async function start() {
  const token = savedToken();
  if (!token) return showSignIn();
  try {
    await signIn(token);
  } catch (err) {
    forgetToken();
    showSignIn({ message: err instanceof Error ? err.message : String(err) });
  }
}

void start();
