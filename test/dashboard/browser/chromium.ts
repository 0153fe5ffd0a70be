/**
 * @module test/dashboard/browser/chromium
 * Debian's Chromium (`/usr/bin/chromium`; `.ci/run` installs it), driven by playwright-core:
 * never a browser downloaded through npm. Each page records what a person would not want
 * to see: console errors and warnings, uncaught exceptions, Content Security Policy
 * violations, and failed loads.
 */
import { existsSync } from "node:fs";
import { chromium, type Browser, type BrowserContext, type ConsoleMessage, type Page } from "playwright-core";

export const CHROMIUM = process.env.WEIR_CHROMIUM ?? "/usr/bin/chromium";

export function chromiumMissing(): string | undefined {
  return existsSync(CHROMIUM) ? undefined : `${CHROMIUM} is missing: install it with 'apt-get install -y chromium' (.ci/run does)`;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
}

export interface Problem {
  kind: "console" | "pageerror" | "csp" | "requestfailed";
  text: string;
  /** the URL the message is about, when known */
  url?: string;
}

export interface WatchedPage {
  page: Page;
  context: BrowserContext;
  problems: Problem[];
  close(): Promise<void>;
}

/**
 * A fresh browser context (its own sessionStorage and cookies) and page, watched.
 * `securitypolicyviolation` is listened for from the first script of every document, so a
 * violation anywhere in the page's life is caught, not only those Chromium logs.
 */
export async function watchedPage(browser: Browser, options: { width?: number; height?: number } = {}): Promise<WatchedPage> {
  const context = await browser.newContext({ viewport: { width: options.width ?? 1280, height: options.height ?? 900 } });
  const page = await context.newPage();
  const problems: Problem[] = [];
  await page.exposeBinding("__weirReportViolation", (_source, text: string) => {
    problems.push({ kind: "csp", text });
  });
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) => {
      const report = (window as unknown as { __weirReportViolation(t: string): void }).__weirReportViolation;
      report(`${e.violatedDirective} blocked ${e.blockedURI || "inline"} (${e.sourceFile}:${e.lineNumber})`);
    });
  });
  page.on("console", (m: ConsoleMessage) => {
    if (m.type() === "error" || m.type() === "warning") problems.push({ kind: "console", text: `${m.type()}: ${m.text()}`, url: m.location().url });
  });
  page.on("pageerror", (e) => problems.push({ kind: "pageerror", text: e.stack ?? e.message }));
  page.on("requestfailed", (r) => {
    // a navigation away aborts in-flight polls; that is not a failure of the page
    if (r.failure()?.errorText !== "net::ERR_ABORTED") problems.push({ kind: "requestfailed", text: `${r.method()} ${r.url()}: ${r.failure()?.errorText}`, url: r.url() });
  });
  return { page, context, problems, close: () => context.close() };
}
