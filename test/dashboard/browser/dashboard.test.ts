/**
 * The dashboard in a real browser (DESIGN §12, issue 13): Debian's Chromium driven by
 * playwright-core against a real Weir (`wrangler dev`, real origins, the real CLI, API
 * tokens made through `POST /v1/tokens`). Each test's page must end without console errors,
 * uncaught exceptions, CSP violations or failed loads, except the refusals it provokes on
 * purpose (a wrong token's 401, a 409, a scoped token's 403): the page never asks for what
 * it knows is absent (a rollout of a service that never had one, a health route the API
 * does not list), so no 404 is expected anywhere. Controls are found by their exact
 * accessible names (§12). Every wait is for a condition, never a fixed time.
 */
import { copyFile, mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it, type TestContext } from "vitest";
import { PROJECT_ROOT } from "../../../scripts/dev-server.ts";
import { edgeGet, waitForConfigVersion, type EdgeResponse } from "../../../scripts/edge-request.ts";
import { startOrigin } from "../../../scripts/demo-origins.ts";
import { ADMIN_TOKEN, startLocalWeir, type LocalWeir } from "../../e2e/local-weir.ts";
import { chromiumMissing, launchChromium, watchedPage, type Problem, type WatchedPage } from "./chromium.ts";

const missing = chromiumMissing();
/** Refreshes come every few seconds; anything the page must pick up gets this long. */
const SEEN = { timeout: 20_000 };
const SCREENSHOT = join(PROJECT_ROOT, "docs", "dashboard.png");

let weir: LocalWeir;
let browser: Browser;
let scratch: string;

beforeAll(async () => {
  if (missing) return;
  scratch = await mkdtemp(join(tmpdir(), "weir-dashboard-"));
  [weir, browser] = await Promise.all([startLocalWeir(), launchChromium()]);
});

afterAll(async () => {
  await browser?.close();
  await weir?.stop();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

/** The admin API from Node, with the root token unless told otherwise. */
async function adminGet(path: string, token = ADMIN_TOKEN): Promise<EdgeResponse & { json: any }> {
  const res = await edgeGet(`${weir.adminUrl}${path}`, { authorization: `Bearer ${token}` });
  return { ...res, json: res.body ? JSON.parse(res.body) : null };
}

/** A write to the admin API from Node (connects to 127.0.0.1 with the admin Host, as edgeGet does). */
function adminSend(method: string, path: string, body?: unknown, token = ADMIN_TOKEN): Promise<{ status: number; json: any }> {
  const url = new URL(`${weir.adminUrl}${path}`);
  const payload = body === undefined ? "" : JSON.stringify(body);
  const headers: Record<string, string | number> = { host: url.host, authorization: `Bearer ${token}` };
  if (body !== undefined) Object.assign(headers, { "content-type": "application/json", "content-length": Buffer.byteLength(payload) });
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port: url.port, path: url.pathname, method, headers }, (res) => {
      let text = "";
      res.on("data", (c: Buffer) => (text += c.toString("utf8")));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, json: text ? JSON.parse(text) : null }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(payload);
  });
}

/** An API token made by the root token (DESIGN §11); its secret. */
async function makeToken(name: string, role: "viewer" | "deployer" | "admin", stacks: string[], expires?: string): Promise<{ token: string; expiresAt: string | null }> {
  const created = await adminSend("POST", "/v1/tokens", { name, role, stacks, ...(expires ? { expires } : {}) });
  expect(created.status, JSON.stringify(created.json)).toBe(201);
  return { token: created.json.token, expiresAt: created.json.expiresAt };
}

/** The message of the API's refusal of `path` for `token`, as the page must show it. */
async function refusal(path: string, token: string, status: number): Promise<string> {
  const res = await adminGet(path, token);
  expect(res.status, res.body).toBe(status);
  return res.json.error.message as string;
}

async function ok(...args: string[]): Promise<string> {
  const res = await weir.cli(args);
  expect(res.stderr, `weir ${args.join(" ")}`).toBe("");
  expect(res.code, `weir ${args.join(" ")}`).toBe(0);
  return res.stdout;
}

function unexpected(problems: Problem[], allow: (p: Problem) => boolean = () => false): Problem[] {
  return problems.filter((p) => !allow(p));
}

/** Chromium's console line for a refused request: `status` on a URL matching `url`. */
const refused = (status: number, url: RegExp) => (p: Problem) => p.kind === "console" && p.text.includes(`status of ${status}`) && url.test(p.url ?? "");

/** A page signed in with `token`, on the Services page. */
async function signedIn(token = ADMIN_TOKEN, viewport?: { width: number; height: number }): Promise<WatchedPage> {
  const w = await watchedPage(browser, viewport);
  await w.page.goto(`${weir.adminUrl}/`);
  await w.page.getByLabel("Token", { exact: true }).fill(token);
  await w.page.getByRole("button", { name: "Sign in", exact: true }).click();
  await w.page.getByRole("heading", { name: "Services", level: 1 }).waitFor(SEEN);
  return w;
}

async function openService(page: Page, id: string): Promise<void> {
  await page.getByRole("link", { name: id, exact: true }).click();
  await page.getByRole("heading", { name: id, level: 1 }).waitFor(SEEN);
}

/** The line that says what the last write did (role=status; the weights form's <output> is another). */
const statusLine = (page: Page) => page.locator('p.status[role="status"]');

async function done(w: WatchedPage, allow?: (p: Problem) => boolean): Promise<void> {
  const left = unexpected(w.problems, allow);
  await w.close();
  expect(left).toEqual([]);
}

function skipWithoutChromium(ctx: TestContext): void {
  if (missing) ctx.skip(missing);
}

describe("the dashboard in Chromium", () => {
  it("shows the API's message for a wrong token and stays on sign-in", async (ctx) => {
    skipWithoutChromium(ctx);
    const w = await watchedPage(browser);
    const res = await w.page.goto(`${weir.adminUrl}/`);
    expect(res?.status()).toBe(200);
    await w.page.getByLabel("Token", { exact: true }).fill("not-the-token");
    await w.page.getByRole("button", { name: "Sign in", exact: true }).click();
    const message = await refusal("/v1/whoami", "not-the-token", 401);
    await expect.poll(() => w.page.getByRole("alert").textContent(), SEEN).toBe(message);
    expect(await w.page.evaluate(() => sessionStorage.length)).toBe(0);
    await expect(w.page.getByRole("button", { name: "Sign out", exact: true }).count()).resolves.toBe(0);
    // the one console error: Chromium logging the refused request
    await done(w, refused(401, /\/v1\/whoami$/));
  });

  it("signs in with the root token and shows a service once `weir run` creates it", async (ctx) => {
    skipWithoutChromium(ctx);
    const w = await signedIn();
    await expect.poll(() => w.page.locator(".who").textContent(), SEEN).toBe("root · admin · every stack");
    await w.page.getByText("No services yet").waitFor(SEEN);
    await ok("run", "--name", "test/svc", weir.v1.url);
    const row = w.page.locator('tr[data-row="test/svc"]');
    await row.waitFor(SEEN);
    await expect.poll(async () => (await row.locator("td").allTextContents()).map((t) => t.trim())).toEqual([
      weir.v1.url,
      expect.stringMatching(/ago$|just now/),
      "1",
      "100%",
      "active",
      weir.url("svc.test"),
      "",
    ]);
    // the token is kept in this tab's sessionStorage, nowhere else
    expect(await w.page.evaluate(() => ({ session: Object.values(sessionStorage), local: localStorage.length, cookie: document.cookie }))).toEqual({
      session: [ADMIN_TOKEN],
      local: 0,
      cookie: "",
    });
    await done(w);
  });

  it("stages a revision from the page, and shows the API's message when it refuses one", async (ctx) => {
    skipWithoutChromium(ctx);
    const w = await signedIn();
    await openService(w.page, "test/svc");
    await w.page.getByLabel("Version", { exact: true }).fill("v3");
    await w.page.getByLabel("Origins (one URL per line)", { exact: true }).fill(weir.v3.url);
    await w.page.getByRole("button", { name: "Stage", exact: true }).click();
    await w.page.locator('tr[data-version="v3"]').waitFor(SEEN);
    await expect.poll(() => statusLine(w.page).textContent(), SEEN).toBe("Staged test/svc:v3");
    const svc = (await adminGet("/v1/services/test/svc")).json;
    expect(svc.revisions).toEqual([expect.objectContaining({ version: "v3", origins: [weir.v3.url], weight: 0, state: "staged" })]);

    // the same version again: the API's 409, word for word
    await w.page.getByLabel("Version", { exact: true }).fill("v3");
    await w.page.getByLabel("Origins (one URL per line)", { exact: true }).fill(weir.v3.url);
    await w.page.getByRole("button", { name: "Stage", exact: true }).click();
    await expect.poll(() => w.page.getByRole("alert").locator("span").textContent(), SEEN).toBe("test/svc already has a revision 'v3'");
    await done(w, refused(409, /\/revisions$/));
  });

  it("sets a weight in the page; the API and the data plane follow", async (ctx) => {
    skipWithoutChromium(ctx);
    const w = await signedIn();
    await openService(w.page, "test/svc");
    const field = w.page.getByLabel("Weight of v3", { exact: true });
    await expect.poll(() => field.inputValue(), SEEN).toBe("0");
    await field.fill("100");
    await expect.poll(() => w.page.locator("output").textContent()).toBe("0%");
    await w.page.getByRole("button", { name: "Set weights", exact: true }).click();
    await expect.poll(() => statusLine(w.page).textContent(), SEEN).toBe("Weights set: v3 100%");

    const svc = (await adminGet("/v1/services/test/svc")).json;
    expect({ primary: svc.weight, v3: svc.revisions[0].weight }).toEqual({ primary: 0, v3: 100 });
    await waitForConfigVersion(weir.url("svc.test"), svc.configVersion);
    const bodies = await Promise.all(Array.from({ length: 20 }, () => edgeGet(weir.url("svc.test")).then((r) => r.body)));
    expect(new Set(bodies)).toEqual(new Set(["Hello World v3\n"]));
    // the page shows what the API says
    await expect.poll(() => w.page.locator('tr[data-version="v3"] .weight-number').textContent(), SEEN).toBe("100%");
    await done(w);
  });

  it("follows a rollout started with the CLI, pauses and resumes it, and aborts it from the page", async (ctx) => {
    skipWithoutChromium(ctx);
    const w = await signedIn();
    await openService(w.page, "test/svc");
    await ok("weight", "test/svc:v3=0%", "--duration", "10m");
    const pause = w.page.getByRole("button", { name: "Pause", exact: true });
    await pause.waitFor(SEEN);
    await expect.poll(() => w.page.locator(".rollout-status").textContent(), SEEN).toMatch(/^weights rollout running: step \d+ of \d+$/);
    expect(await w.page.getByRole("progressbar").count()).toBe(1);

    await pause.click();
    await expect.poll(async () => (await adminGet("/v1/services/test/svc/rollout")).json.status, SEEN).toBe("paused");
    await expect.poll(() => w.page.getByRole("button", { name: "Pause", exact: true }).isDisabled(), SEEN).toBe(true);
    await w.page.getByRole("button", { name: "Resume", exact: true }).click();
    await expect.poll(async () => (await adminGet("/v1/services/test/svc/rollout")).json.status, SEEN).toBe("running");

    await expect.poll(() => w.page.getByRole("button", { name: "Abort", exact: true }).isEnabled(), SEEN).toBe(true);
    await w.page.getByRole("button", { name: "Abort", exact: true }).click();
    await expect.poll(async () => (await adminGet("/v1/services/test/svc/rollout")).json.status, SEEN).toBe("aborted");
    // abort restores the weights from before the rollout
    expect((await adminGet("/v1/services/test/svc")).json.revisions[0].weight).toBe(100);
    await expect.poll(() => w.page.locator(".rollout-status").textContent(), SEEN).toMatch(/^weights rollout aborted: aborted by root$/);
    expect(await w.page.getByRole("button", { name: "Abort", exact: true }).count()).toBe(0);
    await done(w);
  });

  it("rolls a change back from History, with its before/after diff", async (ctx) => {
    skipWithoutChromium(ctx);
    const w = await signedIn();
    await w.page.getByRole("link", { name: "History", exact: true }).click();
    // the weight change made in the page: v3 0% → 100%, by root
    const entry = w.page.locator("article.entry").filter({ hasText: "weight test/svc" }).filter({ hasText: "weight of v3" }).first();
    await entry.waitFor(SEEN);
    expect(await entry.locator(".actor").textContent()).toBe("root");
    const diff = entry.locator("table.diff tbody tr").filter({ hasText: "weight of v3" });
    expect((await diff.locator("td").allTextContents()).map((t) => t.trim())).toEqual(["0%", "100%"]);
    const version = Number(await entry.getAttribute("data-config-version"));

    await entry.getByRole("button", { name: "Roll back", exact: true }).click();
    await expect.poll(() => statusLine(w.page).textContent(), SEEN).toMatch(new RegExp(`^Rolled back test/svc to config version ${version - 1}`));
    const svc = (await adminGet("/v1/services/test/svc")).json;
    expect({ primary: svc.weight, v3: svc.revisions[0].weight }).toEqual({ primary: 100, v3: 0 });
    const history = (await adminGet("/v1/history?service=test/svc")).json.entries;
    expect(history.at(-1)).toMatchObject({ operation: "rollback", actor: "root", configVersion: svc.configVersion });
    await waitForConfigVersion(weir.url("svc.test"), svc.configVersion);
    expect((await edgeGet(weir.url("svc.test"))).body).toBe("Hello World\n");
    // the new entry shows up at the top
    await expect.poll(() => w.page.locator("article.entry .operation").first().textContent(), SEEN).toBe("rollback");
    // the service's creation cannot be rolled back: nothing was there before it
    const created = w.page.locator("article.entry").filter({ has: w.page.locator(".operation", { hasText: /^run$/ }) });
    expect(await created.getByRole("button", { name: "Roll back", exact: true }).isDisabled()).toBe(true);
    await done(w);
  });

  it("shows two revisions with live charts and the service's rules (the README's screenshot)", async (ctx) => {
    skipWithoutChromium(ctx);
    await ok("weight", "test/svc:v3=40%");
    // beta testers, who send x-beta: 1, get v3 (DESIGN §10)
    await ok("route", "add", "test/svc", "beta", "--header", "x-beta=1", "--to", "v3");
    // traffic to draw: the stats reach the API once the data plane flushes them
    const svcUrl = weir.url("svc.test");
    await waitForConfigVersion(svcUrl, (await adminGet("/v1/services/test/svc")).json.configVersion);
    for (let i = 0; i < 60; i++) await edgeGet(svcUrl);
    // and some pinned to v3 (as a tester's Weir-Revision header would), shown apart from the weighted part
    for (let i = 0; i < 20; i++) await edgeGet(svcUrl, { "weir-revision": "v3" });
    type Counts = { requests: number; pinned: { requests: number } };
    await expect
      .poll(async () => ((await adminGet("/v1/services/test/svc/stats?window=1m")).json.revisions as Counts[]).map((r) => [r.requests > 0, r.pinned.requests > 0]), {
        timeout: 30_000,
      })
      .toEqual([
        [true, false],
        [true, true],
      ]);

    const w = await signedIn();
    await openService(w.page, "test/svc");
    const figures = w.page.locator("figure.chart-figure");
    await expect.poll(() => figures.count(), SEEN).toBe(2);
    await expect.poll(() => figures.locator("canvas").count(), SEEN).toBe(2);
    for (const v of ["v0", "v3"]) {
      await expect.poll(() => w.page.locator(`figure[data-version="${v}"]`).getAttribute("aria-label"), SEEN).toMatch(new RegExp(`^${v}: [0-9.]+/s on average, error rate 0%`));
    }
    await expect.poll(() => w.page.locator('tr[data-version="v3"] .weight-number').textContent(), SEEN).toBe("40%");
    // REQ/S and ERRORS count all traffic; below them, v3's weighted part (what a rollout judges)
    const cell = (v: string, column: string) => w.page.locator(`tr[data-version="${v}"] td[data-label="${column}"]`);
    await expect.poll(() => cell("v3", "REQ/S").locator("small").textContent(), SEEN).toMatch(/^weighted [0-9.]+\/s$/);
    expect(await cell("v3", "REQ/S").getAttribute("title")).toMatch(/^\d+ requests over the last 15m: \d+ sent by the weights, [1-9]\d* pinned to v3$/);
    expect(await cell("v3", "ERRORS").textContent()).toBe("0%weighted 0%");
    expect(await cell("v0", "REQ/S").locator("small").count()).toBe(0);
    expect(await cell("v0", "ERRORS").textContent()).toBe("0%");
    // the rules in order: name, what each matches, what it does
    const rule = w.page.locator("table.rules tbody tr");
    await expect.poll(() => rule.count(), SEEN).toBe(1);
    expect((await rule.locator("th, td").allTextContents()).map((t) => t.trim())).toEqual(["1", "beta", "header x-beta exact 1", "→ v3"]);
    // no hover left on the control the pointer last clicked near
    await w.page.mouse.move(0, 0);
    const shot = join(scratch, "dashboard.png");
    await w.page.screenshot({ path: shot, fullPage: true });
    const png = await readFile(shot);
    expect(png.subarray(1, 4).toString()).toBe("PNG");
    // docs/dashboard.png is rewritten on request only, so a test run leaves the tree clean
    if (process.env.WEIR_UPDATE_SCREENSHOT === "1" || !(await stat(SCREENSHOT).catch(() => null))) await copyFile(shot, SCREENSHOT);
    await done(w);
  });

  it("shows origin health: each origin's state and last error, healthy n/m in the revision's row (DESIGN §13)", async (ctx) => {
    skipWithoutChromium(ctx);
    const a = await startOrigin(0, "health a");
    const b = await startOrigin(0, "health b");
    try {
      const flags = ["--health-url", "/healthz", "--health-interval", "5s", "--health-timeout", "1s", "--health-failure-threshold", "1"];
      await ok("run", "--name", "hp/svc", weir.v1.url);
      await ok("stage", "--origin", a.url, "--origin", b.url, "--weight", "10%", ...flags, "hp/svc:v3");
      await b.close();
      // the checker's alarm marks b down within an interval
      type Origin = { origin: string; state: string };
      await expect
        .poll(async () => ((await adminGet("/v1/services/hp/svc/health")).json.revisions[1].origins as Origin[]).map((o) => o.state), { timeout: 30_000 })
        .toEqual(["up", "down"]);

      const w = await signedIn();
      await openService(w.page, "hp/svc");
      const section = w.page.locator("section.health-region");
      await section.getByRole("heading", { name: "Origin health" }).waitFor(SEEN);
      const row = (url: string) => section.locator("tbody tr").filter({ hasText: url });
      await expect.poll(() => row(b.url).locator('td[data-label="STATE"]').textContent(), SEEN).toBe("down");
      expect(await row(b.url).locator('td[data-label="LAST ERROR"]').textContent()).toMatch(/^cannot connect/);
      expect(await row(a.url).locator('td[data-label="STATE"]').textContent()).toBe("up");
      // the primary has no checks: it is not listed
      expect(await section.locator("tbody tr").count()).toBe(2);
      await expect.poll(() => w.page.locator('tr[data-version="v3"] td[data-label="DETAIL"]').textContent(), SEEN).toBe("healthy 1/2");
      await done(w);
    } finally {
      await a.close();
      await ok("rm", "hp/svc");
    }
  });

  it("promotes a revision from its row, and rolls the service back from its page", async (ctx) => {
    skipWithoutChromium(ctx);
    await ok("run", "--name", "test/other", weir.v1.url);
    await ok("stage", "--origin", weir.v3.url, "test/other:v2");
    const w = await signedIn();
    await openService(w.page, "test/other");
    await w.page.locator('tr[data-version="v2"]').getByRole("button", { name: "Promote", exact: true }).click();
    await expect.poll(() => statusLine(w.page).textContent(), SEEN).toBe("Promoted test/other:v2: it is the primary now");
    let svc = (await adminGet("/v1/services/test/other")).json;
    expect({ primary: svc.version, origins: svc.origins, staged: svc.revisions }).toEqual({ primary: "v2", origins: [weir.v3.url], staged: [] });
    await waitForConfigVersion(weir.url("other.test"), svc.configVersion);
    expect((await edgeGet(weir.url("other.test"))).body).toBe("Hello World v3\n");
    // the page follows: one revision, no weights to set
    await expect.poll(() => w.page.locator("tr[data-version]").count(), SEEN).toBe(1);
    expect(await w.page.getByRole("button", { name: "Set weights", exact: true }).count()).toBe(0);

    await w.page.getByRole("button", { name: "Roll back", exact: true }).click();
    await expect.poll(() => statusLine(w.page).textContent(), SEEN).toBe("Rolled back test/other: v0 100%, v2 0%");
    svc = (await adminGet("/v1/services/test/other")).json;
    expect({ primary: svc.version, staged: svc.revisions.map((r: { version: string }) => r.version) }).toEqual({ primary: "v0", staged: ["v2"] });
    await expect.poll(() => w.page.locator("tr[data-version]").count(), SEEN).toBe(2);
    await done(w);
  });

  it("fits a 375 px wide screen without horizontal scrolling", async (ctx) => {
    skipWithoutChromium(ctx);
    const w = await signedIn(ADMIN_TOKEN, { width: 375, height: 812 });
    const overflow = () => w.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    await w.page.locator('tr[data-row="test/svc"]').waitFor(SEEN);
    expect(await overflow()).toBeLessThanOrEqual(0);
    await openService(w.page, "test/svc");
    await w.page.locator("figure.chart-figure canvas").first().waitFor(SEEN);
    expect(await overflow()).toBeLessThanOrEqual(0);
    // the controls are there and usable at this width
    for (const name of ["Set weights", "Stage", "Promote", "Roll back"]) expect(await w.page.getByRole("button", { name, exact: true }).isVisible(), name).toBe(true);
    expect(await w.page.getByLabel("Weight of v3", { exact: true }).isVisible()).toBe(true);
    await w.page.getByRole("link", { name: "History", exact: true }).click();
    await w.page.locator("article.entry").first().waitFor(SEEN);
    expect(await overflow()).toBeLessThanOrEqual(0);
    await done(w);
  });

  it("signs out, forgetting the token; a refused token returns to sign-in with the API's message", async (ctx) => {
    skipWithoutChromium(ctx);
    const w = await signedIn();
    await w.page.getByRole("button", { name: "Sign out", exact: true }).click();
    await w.page.getByLabel("Token", { exact: true }).waitFor(SEEN);
    expect(await w.page.evaluate(() => sessionStorage.length)).toBe(0);
    await w.page.reload();
    await w.page.getByRole("button", { name: "Sign in", exact: true }).waitFor(SEEN);

    // a token the API no longer accepts (as a revoked one would be): back to sign-in
    await w.page.evaluate(() => sessionStorage.setItem("weir.token", "revoked-token"));
    await w.page.reload();
    const message = await refusal("/v1/whoami", "revoked-token", 401);
    await expect.poll(() => w.page.getByRole("alert").textContent(), SEEN).toBe(message);
    expect(await w.page.evaluate(() => sessionStorage.length)).toBe(0);
    await done(w, refused(401, /\/v1\/whoami$/));
  });

  it("never serves a dashboard file on a service hostname: those paths go to the origin", async (ctx) => {
    skipWithoutChromium(ctx);
    const w = await watchedPage(browser);
    const admin = await w.page.goto(`${weir.adminUrl}/`);
    const asset = /src="(\/assets\/[0-9a-f]+\/app\.js)"/.exec((await admin?.text()) ?? "")?.[1];
    expect(asset).toBeDefined();
    for (const path of ["/", asset as string]) {
      const res = await w.page.goto(`${weir.url("svc.test")}${path}`);
      expect(res?.status(), path).toBe(200);
      expect(await res?.text(), path).toMatch(/^Hello World( v3)?\n$/);
      expect(res?.headers()["content-security-policy"], path).toBeUndefined();
      expect(res?.headers()["weir-revision"], path).toMatch(/^v(0|3)$/);
    }
    await done(w);
  });

  it("signs in with a viewer token: only its stack's services, every write greyed out with the reason, 403s as the API's message", async (ctx) => {
    skipWithoutChromium(ctx);
    const { token } = await makeToken("dash-viewer", "viewer", ["test"]);
    await ok("run", "--name", "prod/api", weir.v1.url);
    // a rollout in flight, so that Pause / Resume / Abort are on the page too
    await ok("weight", "test/svc:v3=60%", "--duration", "10m");
    const w = await signedIn(token);
    await expect.poll(() => w.page.locator(".who").textContent(), SEEN).toBe("dash-viewer · viewer · stack test");
    // lists show only the token's stacks
    await w.page.locator('tr[data-row="test/svc"]').waitFor(SEEN);
    await w.page.locator('tr[data-row="test/other"]').waitFor(SEEN);
    expect(await w.page.locator('tr[data-row^="prod/"]').count()).toBe(0);

    await openService(w.page, "test/svc");
    await w.page.getByRole("button", { name: "Pause", exact: true }).waitFor(SEEN);
    await w.page.getByRole("button", { name: "Promote", exact: true }).waitFor(SEEN);
    const reason = "Token dash-viewer is a viewer: it can look but not change anything";
    await expect.poll(() => w.page.locator("p.note").textContent(), SEEN).toBe(`Read-only: ${reason}.`);
    // every control in the page is greyed out, each saying why
    const buttons = w.page.locator("main button");
    const names = (await buttons.allTextContents()).map((t) => t.trim());
    expect(names).toEqual(expect.arrayContaining(["Roll back", "Promote", "Pause", "Resume", "Abort", "Set weights", "Stage"]));
    for (const b of await buttons.all()) {
      const name = (await b.textContent())?.trim();
      expect(await b.isDisabled(), name).toBe(true);
      expect(await b.getAttribute("title"), name).toBe(reason);
    }
    for (const field of await w.page.locator("main input, main textarea").all()) expect(await field.isDisabled(), await field.getAttribute("id") ?? "").toBe(true);
    expect(await w.page.getByLabel("Weight of v3", { exact: true }).isDisabled()).toBe(true);

    // History: its stack's changes only, none of them to roll back
    await w.page.getByRole("link", { name: "History", exact: true }).click();
    await w.page.locator("article.entry").first().waitFor(SEEN);
    const services = await w.page.locator("article.entry header a").allTextContents();
    expect(services.length).toBeGreaterThan(0);
    for (const service of services) expect(service).toMatch(/^test\//);
    for (const b of await w.page.getByRole("button", { name: "Roll back", exact: true }).all()) expect(await b.isDisabled()).toBe(true);

    // a service outside its stacks, asked for by URL: the API's 403, word for word
    const forbidden = await refusal("/v1/services/prod/api", token, 403);
    await w.page.evaluate(() => (location.hash = "#/services/prod/api"));
    await expect.poll(() => w.page.getByRole("alert").locator("span").textContent(), SEEN).toBe(`Could not refresh: ${forbidden}`);

    await ok("rollout", "abort", "test/svc");
    await done(w, refused(403, /\/v1\/services\/prod\/api(\/stats\?.*)?$/));
  });

  it("signs in with a deployer token: it changes its stack from the page, and only its stack", async (ctx) => {
    skipWithoutChromium(ctx);
    const { token } = await makeToken("dash-deployer", "deployer", ["test"]);
    const w = await signedIn(token);
    await expect.poll(() => w.page.locator(".who").textContent(), SEEN).toBe("dash-deployer · deployer · stack test");
    expect(await w.page.locator('tr[data-row^="prod/"]').count()).toBe(0);

    await openService(w.page, "test/svc");
    expect(await w.page.locator("p.note").count()).toBe(0);
    const field = w.page.getByLabel("Weight of v3", { exact: true });
    await expect.poll(() => field.isEnabled(), SEEN).toBe(true);
    await field.fill("25");
    await w.page.getByRole("button", { name: "Set weights", exact: true }).click();
    await expect.poll(() => statusLine(w.page).textContent(), SEEN).toBe("Weights set: v3 25%");
    expect((await adminGet("/v1/services/test/svc")).json.revisions[0].weight).toBe(25);
    expect((await adminGet("/v1/history?service=test/svc")).json.entries.at(-1)).toMatchObject({ operation: "weight", actor: "dash-deployer" });

    // another stack: the API's 403 as the page's message, and its writes greyed out
    const forbidden = await refusal("/v1/services/prod/api", token, 403);
    await w.page.evaluate(() => (location.hash = "#/services/prod/api"));
    await expect.poll(() => w.page.getByRole("alert").locator("span").textContent(), SEEN).toBe(`Could not refresh: ${forbidden}`);
    const stage = w.page.getByRole("button", { name: "Stage", exact: true });
    expect(await stage.isDisabled()).toBe(true);
    expect(await stage.getAttribute("title")).toBe("Token dash-deployer may only change stack test, not stack prod");
    await done(w, refused(403, /\/v1\/services\/prod\/api(\/stats\?.*)?$/));
  });

  it("returns to sign-in with the API's message when the signed-in token is revoked", async (ctx) => {
    skipWithoutChromium(ctx);
    const { token } = await makeToken("dash-revoked", "viewer", ["*"]);
    const w = await signedIn(token);
    await w.page.locator('tr[data-row="test/svc"]').waitFor(SEEN);
    expect((await adminSend("DELETE", "/v1/tokens/dash-revoked")).status).toBe(200);
    // the next refresh is refused: back to sign-in, the token forgotten
    await w.page.getByLabel("Token", { exact: true }).waitFor(SEEN);
    const message = await refusal("/v1/whoami", token, 401);
    await expect.poll(() => w.page.getByRole("alert").textContent(), SEEN).toBe(message);
    expect(message).toMatch(/revoked/);
    expect(await w.page.evaluate(() => sessionStorage.length)).toBe(0);
    expect(await w.page.getByRole("button", { name: "Sign out", exact: true }).count()).toBe(0);
    await done(w, refused(401, /\/v1\//));
  });

  it("returns to sign-in with the API's message when the signed-in token expires", async (ctx) => {
    skipWithoutChromium(ctx);
    const { token, expiresAt } = await makeToken("dash-brief", "viewer", ["*"], "20s");
    const w = await signedIn(token);
    await w.page.getByRole("button", { name: "Sign out", exact: true }).waitFor(SEEN);
    // signed in until the token expires; the refresh after that is refused
    await w.page.getByLabel("Token", { exact: true }).waitFor({ timeout: 60_000 });
    expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(expiresAt as string));
    const message = await refusal("/v1/whoami", token, 401);
    expect(message).toBe(`token 'dash-brief' expired at ${expiresAt}`);
    await expect.poll(() => w.page.getByRole("alert").textContent(), SEEN).toBe(message);
    expect(await w.page.evaluate(() => sessionStorage.length)).toBe(0);
    await done(w, refused(401, /\/v1\//));
  });
});
