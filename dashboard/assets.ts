/**
 * @module dashboard/assets
 * The dashboard's files, bundled into the Worker as text modules (the `[[rules]]` of
 * wrangler.toml, which vitest-pool-workers honours too): `wrangler deploy` uploads them with
 * the Worker, `wrangler dev` serves them, and there is no build step. The browser loads the
 * client's ES modules as they are written, uPlot from its npm package.
 *
 * Files are served under `/assets/<version>/`, where the version is a hash of every file:
 * a URL's content never changes (cacheable for a year), a changed file gets new URLs, and
 * the client's relative imports (`./api.js`) stay within one version.
 */
import { murmur3 } from "../core/hash.ts";
// The specifiers name `dashboard/client/` so that one rule glob matches them in wrangler's
// bundler and in vitest-pool-workers alike (see wrangler.toml).
import actionsJs from "../dashboard/client/actions.js";
import apiJs from "../dashboard/client/api.js";
import apiRoutesJs from "../dashboard/client/api-routes.js";
import appJs from "../dashboard/client/app.js";
import chartJs from "../dashboard/client/chart.js";
import domJs from "../dashboard/client/dom.js";
import faviconSvg from "../dashboard/client/favicon.svg";
import formatJs from "../dashboard/client/format.js";
import healthViewJs from "../dashboard/client/health-view.js";
import historyDiffJs from "../dashboard/client/history-diff.js";
import historyPageJs from "../dashboard/client/history-page.js";
import indexHtml from "../dashboard/client/index.html";
import permissionsJs from "../dashboard/client/permissions.js";
import psRowsJs from "../dashboard/client/ps-rows.js";
import rolloutViewJs from "../dashboard/client/rollout-view.js";
import routerJs from "../dashboard/client/router.js";
import rulesViewJs from "../dashboard/client/rules-view.js";
import servicePageJs from "../dashboard/client/service-page.js";
import servicesPageJs from "../dashboard/client/services-page.js";
import sessionJs from "../dashboard/client/session.js";
import signInPageJs from "../dashboard/client/sign-in-page.js";
import statsSeriesJs from "../dashboard/client/stats-series.js";
import styleCss from "../dashboard/client/style.css";
import weightsJs from "../dashboard/client/weights.js";
import uplotJs from "uplot/dist/uPlot.esm.js";
import uplotCss from "uplot/dist/uPlot.min.css";

/** Every file under /assets/<version>/, by its path there. */
const FILES: ReadonlyMap<string, string> = new Map([
  ["actions.js", actionsJs],
  ["api.js", apiJs],
  ["api-routes.js", apiRoutesJs],
  ["app.js", appJs],
  ["chart.js", chartJs],
  ["dom.js", domJs],
  ["favicon.svg", faviconSvg],
  ["format.js", formatJs],
  ["health-view.js", healthViewJs],
  ["history-diff.js", historyDiffJs],
  ["history-page.js", historyPageJs],
  ["permissions.js", permissionsJs],
  ["ps-rows.js", psRowsJs],
  ["rollout-view.js", rolloutViewJs],
  ["router.js", routerJs],
  ["rules-view.js", rulesViewJs],
  ["service-page.js", servicePageJs],
  ["services-page.js", servicesPageJs],
  ["session.js", sessionJs],
  ["sign-in-page.js", signInPageJs],
  ["stats-series.js", statsSeriesJs],
  ["style.css", styleCss],
  ["weights.js", weightsJs],
  ["uPlot.esm.js", uplotJs],
  ["uPlot.min.css", uplotCss],
]);

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  js: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
  svg: "image/svg+xml",
  html: "text/html; charset=utf-8",
};

export interface Asset {
  body: string;
  contentType: string;
}

export interface DashboardBundle {
  /** hash of every file: the `<version>` in /assets/<version>/ */
  version: string;
  /** `/assets/<version>` */
  base: string;
  /** the page, its file URLs filled in */
  page: string;
  files: ReadonlyMap<string, Asset>;
}

function contentType(path: string): string {
  return CONTENT_TYPES[path.slice(path.lastIndexOf(".") + 1)] ?? "application/octet-stream";
}

/** 64 bits of MurmurHash3 (two seeds) over every path and content: enough to tell builds apart. */
export function bundleVersion(files: ReadonlyMap<string, string>): string {
  const all = [...files].map(([path, body]) => `${path}\0${body}`).join("\0");
  return [murmur3(all, 1), murmur3(all, 2)].map((h) => (h >>> 0).toString(16).padStart(8, "0")).join("");
}

/** The page with `{{assets}}` and `{{modulepreload}}` filled in. */
export function renderPage(html: string, base: string, files: Iterable<string>): string {
  const preload = [...files]
    .filter((p) => p.endsWith(".js") && p !== "app.js")
    .map((p) => `<link rel="modulepreload" href="${base}/${p}">`)
    .join("\n");
  return html.replaceAll("{{modulepreload}}", preload).replaceAll("{{assets}}", base);
}

let bundle: DashboardBundle | undefined;

/**
 * The dashboard, built on its first request in an isolate: hashing ~200 KB is cheap, but
 * the data plane's cold starts should not pay for it.
 */
export function dashboardBundle(): DashboardBundle {
  if (bundle) return bundle;
  const version = bundleVersion(new Map([...FILES, ["index.html", indexHtml]]));
  const base = `/assets/${version}`;
  const files = new Map([...FILES].map(([path, body]) => [path, { body, contentType: contentType(path) }]));
  bundle = { version, base, page: renderPage(indexHtml, base, FILES.keys()), files };
  return bundle;
}
