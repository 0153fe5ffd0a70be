/** The Services table (the rows of `weir ps`), chart series and traffic cells from the stats route, and page routes. */
import { describe, expect, it } from "vitest";
import { psRows } from "../../../dashboard/client/ps-rows.js";
import { parseRoute, routeHref } from "../../../dashboard/client/router.js";
import { averagePerSecond, revisionSeries, revisionTraffic } from "../../../dashboard/client/stats-series.js";
import type { ServiceView } from "../../../core/views.ts";
import type { StatsView } from "../../../core/stats-view.ts";

const svc: ServiceView = {
  id: "test/svc",
  stack: "test",
  name: "svc",
  version: "v0",
  origins: ["http://127.0.0.1:9001", "http://127.0.0.1:9002"],
  affinity: "cookie",
  revisionHeader: true,
  weight: 50,
  state: "active",
  createdAt: "2026-04-20T11:59:00.000Z",
  configVersion: 4,
  endpoint: "http://svc.test.weir.localhost:8787",
  versionEndpoint: "http://svc-v0.test.weir.localhost:8787",
  revisions: [
    { version: "v3", origins: ["http://127.0.0.1:9003"], weight: 50, state: "active", createdAt: "2026-04-20T11:59:50.000Z", endpoint: "http://svc-v3.test.weir.localhost:8787" },
  ],
  domains: [{ host: "shop.example.com" }, { host: "beta.example.com", version: "v3" }],
  rules: [],
};

describe("psRows", () => {
  it("gives a row per service and per staged revision, as `weir ps` does", () => {
    const withRules = { ...svc, rules: [{ name: "a" }, { name: "b" }] };
    const rows = psRows({ services: [withRules] }, { now: new Date("2026-04-20T12:00:00.000Z"), errorRates: new Map([["test/svc:v3", 12.5], ["test/svc:v0", 0]]) });
    expect(rows.map(({ key, origin, created, scale, weight, state, endpoint, detail }) => [key, origin, created, scale, weight, state, endpoint, detail])).toEqual([
      ["test/svc", "http://127.0.0.1:9001", "1 minute ago", 2, 50, "active", "http://svc.test.weir.localhost:8787", "domains=shop.example.com rules=2"],
      ["test/svc:v3", "http://127.0.0.1:9003", "10 seconds ago", 1, 50, "active", "http://svc-v3.test.weir.localhost:8787", "domains=beta.example.com errors=12.5%"],
    ]);
    expect(rows[0]).toMatchObject({ stack: "test", service: "svc" });
  });
  it("leaves DETAIL empty for a plain healthy service, like the walkthrough", () => {
    const plain = { ...svc, domains: [], revisions: [] };
    expect(psRows({ services: [plain] }, { now: new Date() })[0].detail).toBe("");
  });
});

/** A traffic part as the stats route writes it: `errors` of `requests`, every request answered. */
const part = (requests: number, errors: number) => ({ requests, responses: requests, errors, errorRate: requests === 0 ? null : (errors / requests) * 100 });

/** A revision's line of the stats view from its weighted, pinned and mirrored parts. */
function revision(version: string, weighted: [number, number], pinned: [number, number] = [0, 0], mirrored: [number, number] = [0, 0]): StatsView["revisions"][number] {
  const all = part(weighted[0] + pinned[0] + mirrored[0], weighted[1] + pinned[1] + mirrored[1]);
  return {
    version,
    ...all,
    weighted: part(...weighted),
    pinned: part(...pinned),
    mirrored: part(...mirrored),
    retries: 0,
    faultAborts: 0,
    faultDelays: 0,
    status: { "1xx": 0, "2xx": all.requests - all.errors, "3xx": 0, "4xx": 0, "5xx": all.errors },
    originErrors: 0,
    latencyMs: { mean: null, p50: null, p95: null, p99: null },
  };
}

/** A revision in a point of the series. */
const point = (version: string, requests: number, errors: number) => ({ version, ...part(requests, errors), weighted: part(requests, errors), pinned: part(0, 0), mirrored: part(0, 0) });

describe("chart series", () => {
  const stats: StatsView = {
    service: "test/svc",
    window: "15m",
    from: "2026-04-20T11:45:00.000Z",
    to: "2026-04-20T12:00:00.000Z",
    revisions: [revision("v0", [90, 3]), revision("v3", [0, 0])],
    rules: [],
    series: {
      step: "30s",
      points: [
        { at: "2026-04-20T11:59:00.000Z", revisions: [point("v0", 60, 3), point("v3", 0, 0)] },
        { at: "2026-04-20T11:59:30.000Z", revisions: [point("v0", 30, 0), point("v3", 0, 0)] },
      ],
    },
  };
  it("gives seconds, requests per second per step, and error rates with gaps where nothing answered", () => {
    expect(revisionSeries(stats, "v0")).toEqual({ times: [1776686340, 1776686370], requestsPerSecond: [2, 1], errorRate: [5, 0] });
    expect(revisionSeries(stats, "v3")).toEqual({ times: [1776686340, 1776686370], requestsPerSecond: [0, 0], errorRate: [null, null] });
    expect(revisionSeries({ ...stats, series: undefined }, "v0")).toEqual({ times: [], requestsPerSecond: [], errorRate: [] });
  });
  it("averages requests per second over the window", () => {
    expect(averagePerSecond(stats, "v0")).toBe(0.1);
    expect(averagePerSecond(stats, "nope")).toBe(0);
  });
});

describe("revision traffic cells", () => {
  const window = { service: "test/svc", window: "15m", from: "2026-04-20T11:45:00.000Z", to: "2026-04-20T12:00:00.000Z", rules: [] };
  it("show all traffic, and the weighted part below it only when some traffic was pinned", () => {
    // 900 s: 1,800 weighted requests (18 failed) and 900 pinned (90 failed)
    const stats: StatsView = { ...window, revisions: [revision("v0", [1800, 0]), revision("v3", [1800, 18], [900, 90])] };
    expect(revisionTraffic(stats, "v0")).toEqual({
      requests: { text: "2/s", note: "", title: "1800 requests over the last 15m: 1800 sent by the weights, 0 pinned to v0" },
      errors: { text: "0%", note: "", title: "0 of 1800 responses failed over the last 15m; weighted traffic (what a rollout judges): 0 of 1800, pinned: 0 of 0" },
    });
    expect(revisionTraffic(stats, "v3")).toEqual({
      requests: { text: "3/s", note: "weighted 2/s", title: "2700 requests over the last 15m: 1800 sent by the weights, 900 pinned to v3" },
      errors: { text: "4%", note: "weighted 1%", title: "108 of 2700 responses failed over the last 15m; weighted traffic (what a rollout judges): 18 of 1800, pinned: 90 of 900" },
    });
  });
  it("show a revision with only pinned traffic as weighted 0/s and no weighted error rate", () => {
    const stats: StatsView = { ...window, revisions: [revision("v3", [0, 0], [90, 9])] };
    expect(revisionTraffic(stats, "v3").requests).toMatchObject({ text: "0.1/s", note: "weighted 0/s" });
    expect(revisionTraffic(stats, "v3").errors).toMatchObject({ text: "10%", note: "weighted –" });
  });
  it("name a rule's mirror copies, which the weighted part leaves out", () => {
    const stats: StatsView = { ...window, revisions: [revision("v4", [0, 0], [0, 0], [90, 90])] };
    expect(revisionTraffic(stats, "v4")).toEqual({
      requests: { text: "0.1/s", note: "weighted 0/s", title: "90 requests over the last 15m: 0 sent by the weights, 0 pinned to v4, 90 mirror copies" },
      errors: { text: "100%", note: "weighted –", title: "90 of 90 responses failed over the last 15m; weighted traffic (what a rollout judges): 0 of 0, pinned: 0 of 0, mirror copies: 90 of 90" },
    });
  });
  it("show nothing served for a revision the view does not have", () => {
    const stats: StatsView = { ...window, revisions: [] };
    expect(revisionTraffic(stats, "v9")).toEqual({ requests: { text: "0/s", note: "", title: "" }, errors: { text: "–", note: "", title: "" } });
  });
});

describe("routes", () => {
  it("maps fragments to pages and back", () => {
    expect(parseRoute("")).toEqual({ page: "services" });
    expect(parseRoute("#/")).toEqual({ page: "services" });
    expect(parseRoute("#/services/test/svc")).toEqual({ page: "service", stack: "test", name: "svc" });
    expect(parseRoute("#/history")).toEqual({ page: "history" });
    expect(parseRoute("#/history/test/svc")).toEqual({ page: "history", service: { stack: "test", name: "svc" } });
    for (const r of [{ page: "services" }, { page: "service", stack: "a", name: "b" }, { page: "history" }, { page: "history", service: { stack: "a", name: "b" } }] as const) {
      expect(parseRoute(routeHref(r))).toEqual(r);
    }
  });
  it("treats anything that is not a page of DNS labels as the Services page", () => {
    for (const hash of ["#/services/Test/svc", "#/services/a", "#/services/a/b/c", "#/services/%E0%A4%A/x", "#/nope", "#/services/<b>/x"]) {
      expect(parseRoute(hash), hash).toEqual({ page: "services" });
    }
  });
});
