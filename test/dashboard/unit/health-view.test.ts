/** Origin health (DESIGN §13) as table rows, whichever of the contract's shapes the API gives. */
import { describe, expect, it } from "vitest";
import { healthRows, revisionHealth } from "../../../dashboard/client/health-view.js";

describe("healthRows", () => {
  it("reads origins grouped by revision, with their state, last check, last error and counters", () => {
    const rows = healthRows({
      service: "test/svc",
      revisions: [
        {
          version: "v0",
          origins: [
            { origin: "http://a", state: "up", lastCheck: "2026-04-20T12:00:00.000Z", lastError: null, consecutiveSuccesses: 4, consecutiveFailures: 0 },
            { origin: "http://b", state: "down", lastCheckAt: 1776686400000, lastError: "connection refused", consecutive: { failures: 3 } },
          ],
        },
      ],
    });
    expect(rows).toEqual([
      { version: "v0", origin: "http://a", state: "up", lastCheck: "2026-04-20T12:00:00.000Z", lastError: null, counters: [["consecutiveSuccesses", 4], ["consecutiveFailures", 0]] },
      { version: "v0", origin: "http://b", state: "down", lastCheck: "2026-04-20T12:00:00.000Z", lastError: "connection refused", counters: [["consecutive.failures", 3]] },
    ]);
  });
  it("reads a flat list of origins, and `healthy` booleans, and nothing from nonsense", () => {
    expect(healthRows({ origins: [{ version: "v3", url: "http://c", healthy: false }, { url: "http://d" }] })).toEqual([
      { version: "v3", origin: "http://c", state: "down", lastCheck: null, lastError: null, counters: [] },
      { version: "", origin: "http://d", state: "unknown", lastCheck: null, lastError: null, counters: [] },
    ]);
    expect(healthRows(null)).toEqual([]);
    expect(healthRows({ revisions: "x" })).toEqual([]);
  });
});

it("says a revision is unhealthy when all its origins are down, healthy n/m when some are", () => {
  const rows = healthRows({
    revisions: [
      { version: "v0", origins: [{ origin: "a", state: "up" }, { origin: "b", state: "down" }, { origin: "c", state: "up" }] },
      { version: "v3", origins: [{ origin: "d", state: "down" }] },
      { version: "v4", origins: [{ origin: "e", state: "unknown" }] },
    ],
  });
  expect(["v0", "v3", "v4", "v9"].map((v) => revisionHealth(rows, v))).toEqual(["healthy 2/3", "unhealthy", "", ""]);
});
