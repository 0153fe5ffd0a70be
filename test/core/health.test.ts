// Health settings and origin state (DESIGN §13, core/health.ts), and how route records
// carry the origins marked down (core/route-record.ts).
import { describe, expect, it } from "vitest";
import {
  afterCheck,
  freshOrigin,
  HealthInput,
  healthSpecOf,
  sameSpec,
  unhealthyVersions,
  usableDown,
  type HealthConfig,
} from "../../core/health.ts";
import type { ServiceConfig } from "../../core/model.ts";
import { buildRouteRecords, compileRouteRecord } from "../../core/route-record.ts";
import { createSlotTable, rebalance } from "../../core/slot-table.ts";

function problems(input: unknown): string[] {
  const result = HealthInput.safeParse(input);
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
}

describe("health settings", () => {
  it("fill the defaults of DESIGN §13 when only a path is given", () => {
    expect(HealthInput.parse({ path: "/healthz" })).toEqual({ path: "/healthz", interval: "10s", timeout: "2s", healthyThreshold: 2, unhealthyThreshold: 3 });
  });

  it("normalize durations, so the stored form round-trips", () => {
    const h = HealthInput.parse({ path: "/h", interval: "1m30s", timeout: "1500ms", healthyThreshold: 1, unhealthyThreshold: 10 });
    expect(h).toEqual({ path: "/h", interval: "90s", timeout: "1500ms", healthyThreshold: 1, unhealthyThreshold: 10 });
    expect(HealthInput.parse(h)).toEqual(h);
  });

  it.each([
    [{ path: "healthz" }, "path: must start with '/'"],
    [{ path: "//evil.example/x" }, "path: must not start with '//'"],
    [{ path: "/a b" }, "path: must hold printable ASCII only (character 3 is not)"],
    [{ path: "/a#b" }, "path: must not carry a fragment"],
    [{ path: "/a\\b" }, "path: must not contain a backslash"],
    [{ path: "/" + "x".repeat(1024) }, "path: must be at most 1024 characters"],
    [{ path: "/h", interval: "4s" }, "interval: must be from 5s to 1h, not 4s"],
    [{ path: "/h", interval: "2h" }, "interval: must be from 5s to 1h, not 2h"],
    [{ path: "/h", interval: "ten" }, "interval: 'ten' is not a duration"],
    [{ path: "/h", interval: "5s", timeout: "5s" }, "timeout: must be shorter than the interval (5s), not 5s"],
    [{ path: "/h", timeout: "50ms" }, "timeout: must be at least 100ms, not 50ms"],
    [{ path: "/h", healthyThreshold: 0 }, "healthyThreshold: must be from 1 to 10"],
    [{ path: "/h", unhealthyThreshold: 11 }, "unhealthyThreshold: must be from 1 to 10"],
    [{ path: "/h", unhealthyThreshold: 2.5 }, "unhealthyThreshold: must be a whole number from 1 to 10"],
    [{ path: "/h", retries: 3 }, "Unrecognized key"],
  ])("refuse %j, naming the field", (input, message) => {
    expect(problems(input).join("; ")).toContain(message);
  });
});

const H: HealthConfig = { path: "/healthz", interval: "10s", timeout: "2s", healthyThreshold: 2, unhealthyThreshold: 3 };

describe("an origin's state", () => {
  it("goes down after unhealthyThreshold failures in a row and comes back after healthyThreshold passes", () => {
    let o = freshOrigin();
    o = afterCheck(o, H, null, 1);
    expect(o).toEqual({ state: "up", consecutiveSuccesses: 1, consecutiveFailures: 0, lastCheck: 1, lastError: null });
    o = afterCheck(o, H, "cannot connect", 2);
    o = afterCheck(o, H, "cannot connect", 3);
    expect(o.state).toBe("up");
    o = afterCheck(o, H, null, 4); // a pass in between starts the count again
    o = afterCheck(o, H, "a", 5);
    o = afterCheck(o, H, "b", 6);
    expect(o.state).toBe("up");
    o = afterCheck(o, H, "answered 503", 7);
    expect(o).toEqual({ state: "down", consecutiveSuccesses: 0, consecutiveFailures: 3, lastCheck: 7, lastError: "answered 503" });
    o = afterCheck(o, H, null, 8);
    expect(o.state).toBe("down");
    o = afterCheck(o, H, null, 9);
    expect(o).toEqual({ state: "up", consecutiveSuccesses: 2, consecutiveFailures: 0, lastCheck: 9, lastError: "answered 503" });
  });

  it("a never-checked origin is unknown (it serves), and down only after the threshold", () => {
    let o = freshOrigin();
    expect(o.state).toBe("unknown");
    o = afterCheck(o, H, "x", 1);
    o = afterCheck(o, H, "x", 2);
    expect(o.state).toBe("unknown");
    expect(afterCheck(o, H, "x", 3).state).toBe("down");
  });
});

function service(over: Partial<ServiceConfig> = {}): ServiceConfig {
  return {
    stack: "t",
    name: "svc",
    version: "v0",
    origins: ["http://a", "http://b"],
    affinity: "cookie",
    revisionHeader: true,
    createdAt: "2026-01-01T00:00:00Z",
    health: H,
    revisions: [
      { version: "v3", origins: ["http://c"], weight: 5000, createdAt: "2026-01-01T00:00:00Z", health: H },
      { version: "v4", origins: ["http://d"], weight: 0, createdAt: "2026-01-01T00:00:00Z" },
    ],
    ...over,
  };
}

describe("specs and down lists", () => {
  it("a spec lists the revisions with health settings; none without", () => {
    const spec = healthSpecOf(service());
    expect(spec?.revisions.map((r) => [r.version, r.origins])).toEqual([
      ["v0", ["http://a", "http://b"]],
      ["v3", ["http://c"]],
    ]);
    expect(healthSpecOf(service({ health: undefined, revisions: [] }))).toBeNull();
    expect(sameSpec(spec, healthSpecOf(service()))).toBe(true);
    expect(sameSpec(spec, healthSpecOf(service({ health: { ...H, path: "/ready" } })))).toBe(false);
    expect(sameSpec(spec, healthSpecOf(service({ origins: ["http://a"] })))).toBe(false);
  });

  it("marks only count for checked revisions and origins they have; unhealthy means every origin down", () => {
    const s = service();
    const down = [
      { version: "v0", origin: "http://a" },
      { version: "v3", origin: "http://c" },
      { version: "v4", origin: "http://d" }, // v4 is not checked
      { version: "v3", origin: "http://gone" },
    ];
    expect(usableDown(s, down)).toEqual(down.slice(0, 2));
    expect(unhealthyVersions(s, down)).toEqual(["v3"]);
    expect(unhealthyVersions(s, [...down, { version: "v0", origin: "http://b" }])).toEqual(["v0", "v3"]);
  });
});

describe("route records", () => {
  const s = service();
  const table = createSlotTable("v0");
  rebalance(table, { v0: 5000, v3: 5000, v4: 0 });

  it("carry no mark and cost nothing while no origin is down", () => {
    const records = buildRouteRecords(s, table, 7, "weir.localhost");
    const weighted = records.get("svc.t.weir.localhost")!;
    expect(weighted.revisions.every((r) => r.down === undefined)).toBe(true);
    expect(compileRouteRecord(weighted).usable).toBeNull();
  });

  it("mark positions of down origins, same config version; compiled to the origins left, null when none", () => {
    const down = [
      { version: "v0", origin: "http://b" },
      { version: "v3", origin: "http://c" },
    ];
    const records = buildRouteRecords(s, table, 7, "weir.localhost", [], undefined, down);
    const weighted = records.get("svc.t.weir.localhost")!;
    expect(weighted.configVersion).toBe(7);
    expect(weighted.revisions.map((r) => r.down)).toEqual([[1], [0], undefined]);
    expect(compileRouteRecord(weighted).usable).toEqual([["http://a"], null, ["http://d"]]);
    // a version host carries its own revision's marks
    expect(records.get("svc-v3.t.weir.localhost")!.revisions).toEqual([{ version: "v3", origins: ["http://c"], down: [0] }]);
  });
});
