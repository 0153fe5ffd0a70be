import { describe, expect, it } from "vitest";
import { psRows, PS_HEADERS } from "../../cli/commands/ps.ts";
import { describeApply, readStackFile } from "../../cli/commands/apply.ts";
import { healthRows, healthSettings } from "../../cli/commands/health.ts";
import { renderTable } from "../../cli/table.ts";
import type { ServiceList } from "../../core/views.ts";

const now = new Date("2026-11-26T10:01:00Z");

const list: ServiceList = {
  configVersion: 7,
  services: [
    {
      id: "test/svc",
      stack: "test",
      name: "svc",
      version: "v0",
      origins: ["http://127.0.0.1:9001", "http://127.0.0.1:9002"],
      affinity: "cookie",
      revisionHeader: true,
      weight: 49.5,
      state: "active",
      createdAt: "2026-11-26T10:00:00Z",
      configVersion: 6,
      endpoint: "http://svc.test.weir.localhost:8787",
      versionEndpoint: "http://svc-v0.test.weir.localhost:8787",
      revisions: [
        { version: "v3", origins: ["http://127.0.0.1:9003"], weight: 50, state: "active", createdAt: "2026-11-26T10:00:50Z", endpoint: "http://svc-v3.test.weir.localhost:8787" },
        { version: "v4", origins: ["http://127.0.0.1:9004"], weight: 0.5, state: "active", createdAt: "2026-11-26T10:00:55Z", endpoint: "http://svc-v4.test.weir.localhost:8787" },
        { version: "v5", origins: ["http://127.0.0.1:9005"], weight: 0, state: "staged", createdAt: "2026-11-26T10:00:59.5Z", endpoint: "http://svc-v5.test.weir.localhost:8787" },
      ],
      domains: [{ host: "shop.example.com" }, { host: "beta.example.com", version: "v3" }],
      rules: [],
    },
  ],
};

describe("weir ps rows", () => {
  it("has a row per service and per staged revision, as in DESIGN §1", () => {
    expect(psRows(list, { all: false, now })).toEqual([
      ["test/svc", "http://127.0.0.1:9001", "1 minute ago", "2", "49.5%", "active", "http://svc.test.weir.localhost:8787", "domains=shop.example.com"],
      ["test/svc:v3", "http://127.0.0.1:9003", "10 seconds ago", "1", "50%", "active", "http://svc-v3.test.weir.localhost:8787", "domains=beta.example.com"],
      ["test/svc:v4", "http://127.0.0.1:9004", "5 seconds ago", "1", "0.5%", "active", "http://svc-v4.test.weir.localhost:8787", ""],
      ["test/svc:v5", "http://127.0.0.1:9005", "just now", "1", "0%", "staged", "http://svc-v5.test.weir.localhost:8787", ""],
    ]);
  });

  it("-a adds the primary's version, affinity, config version and extra origins", () => {
    const rows = psRows(
      { ...list, services: [{ ...list.services[0], revisionHeader: false, affinity: "header:X-User" }] },
      { all: true, now },
    );
    expect(rows[0][7]).toBe("version=v0 affinity=header:X-User config=6 revision-header=off +http://127.0.0.1:9002 domains=shop.example.com");
    expect(rows[1][7]).toBe("domains=beta.example.com");
  });

  it("DETAIL shows rules=N when the service has rules (DESIGN §10)", () => {
    const rules = [{ name: "beta", version: "v3" }, { name: "maint", respond: { status: 503 } }];
    const rows = psRows({ ...list, services: [{ ...list.services[0], rules }] }, { all: false, now });
    expect(rows[0][7]).toBe("domains=shop.example.com rules=2");
    expect(rows[1][7]).toBe("domains=beta.example.com");
  });

  it("renders under the §1 header", () => {
    const table = renderTable(PS_HEADERS, psRows(list, { all: false, now }));
    expect(table.split("\n")[0]).toBe("NAME         ORIGIN                 CREATED         SCALE  WEIGHT  STATE   ENDPOINT                                DETAIL");
    expect(table.split("\n")[4]).toBe("test/svc:v5  http://127.0.0.1:9005  just now        1      0%      staged  http://svc-v5.test.weir.localhost:8787");
  });
});

describe("origin health in ps (DESIGN §13)", () => {
  it("STATE unhealthy when every origin of a revision is down, DETAIL healthy n/m when some are", () => {
    const [svc] = list.services;
    const sick = {
      ...list,
      services: [
        {
          ...svc,
          down: ["http://127.0.0.1:9002"],
          revisions: [{ ...svc.revisions[0], state: "unhealthy" as const, down: ["http://127.0.0.1:9003"] }, ...svc.revisions.slice(1)],
        },
      ],
    };
    const rows = psRows(sick, { all: false, now });
    expect(rows[0].slice(5)).toEqual(["active", "http://svc.test.weir.localhost:8787", "healthy 1/2 domains=shop.example.com"]);
    expect(rows[1].slice(5)).toEqual(["unhealthy", "http://svc-v3.test.weir.localhost:8787", "domains=beta.example.com"]);
    expect(rows[2][7]).toBe("");
  });
});

describe("weir health rows", () => {
  it("one row per checked origin; under the table each revision's settings, or that it has none", () => {
    const view = {
      service: "test/svc",
      revisions: [
        { version: "v0", health: null, origins: [] },
        {
          version: "v3",
          health: { path: "/healthz", interval: "10s", timeout: "2s", healthyThreshold: 2, unhealthyThreshold: 3 },
          origins: [
            { origin: "http://b", state: "down" as const, lastCheck: "2026-11-26T10:00:48Z", lastError: "cannot connect: refused", consecutiveSuccesses: 0, consecutiveFailures: 4 },
            { origin: "http://c", state: "unknown" as const, lastCheck: null, lastError: null, consecutiveSuccesses: 0, consecutiveFailures: 0 },
          ],
        },
      ],
    };
    expect(healthRows(view, now)).toEqual([
      ["v3", "http://b", "down", "12 seconds ago", "0", "4", "cannot connect: refused"],
      ["v3", "http://c", "unknown", "not yet", "0", "0", ""],
    ]);
    expect(healthSettings(view)).toBe("v0: no health checks\nv3: /healthz every 10s (timeout 2s, up after 2, down after 3)\n");
  });
});

describe("weir apply helpers", () => {
  it("reads YAML and JSON stack files; --stack overrides the file's stack", () => {
    const yaml = "stack: test\nservices:\n  svc:\n    origins:\n    - http://127.0.0.1:9001\n";
    expect(readStackFile(yaml, "f.yaml")).toEqual({ stack: "test", doc: { stack: "test", services: { svc: { origins: ["http://127.0.0.1:9001"] } } } });
    expect(readStackFile('{"stack":"a","services":{}}', "f.json", "b")).toEqual({ stack: "b", doc: { stack: "b", services: {} } });
    expect(() => readStackFile("- 1\n- 2\n", "list.yaml")).toThrow("list.yaml must hold a stack file: a map with 'stack' and 'services'");
    expect(() => readStackFile("stack: [\n", "bad.yaml")).toThrow(/^bad.yaml is not valid YAML or JSON: /);
    expect(() => readStackFile("services: {}\n", "x.yaml")).toThrow("x.yaml names no stack: add 'stack:' or pass --stack");
    expect(() => readStackFile("stack: Bad\n", "x.yaml")).toThrow(/^invalid stack 'Bad'/);
  });

  it("prints the diff one service per line with its changes indented", () => {
    const result = {
      stack: "test",
      changed: true,
      configVersion: 9,
      services: [
        { service: "test/svc", action: "update" as const, changes: ["weight v3: 0% → 50%"] },
        { service: "test/old", action: "delete" as const, changes: [] },
      ],
    };
    expect(describeApply({ ...result, dryRun: false })).toBe("update test/svc\n  weight v3: 0% → 50%\ndelete test/old");
    expect(describeApply({ ...result, dryRun: true })).toBe("test: dry run, nothing changed; would:\nupdate test/svc\n  weight v3: 0% → 50%\ndelete test/old");
    expect(describeApply({ ...result, dryRun: true, changed: false, services: [] })).toBe("test: no changes");
  });
});
