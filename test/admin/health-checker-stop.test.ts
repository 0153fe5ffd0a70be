// Origin health under the rules/health probe (probe-a): a service removed while a round of
// its checks is in flight. The checker's storage is deleted meanwhile; the round used to
// resume into the dropped tables ("no such table: origins", an uncaught alarm error the
// runtime retries) and then re-create them.
import { describe, expect, it } from "vitest";
import { api, origin, run, uniqueStack } from "./helpers.ts";
import { checkerAlarm, inChecker } from "./health-helpers.ts";

const TABLES = `SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('spec', 'origins', 'due', 'report')`;

describe("a round of checks in flight when the checker stops", () => {
  it("ends without an error, and leaves no alarm and no tables", async () => {
    const stack = uniqueStack("hcrace");
    const id = `${stack}/svc`;
    // the lab origin never answers /slow: each check waits out its 1 s timeout
    await run(stack, "svc", origin("lab"), { health: { path: "/slow", interval: "1h", timeout: "1s", unhealthyThreshold: 1 } });
    const round = inChecker(id, (instance) => instance.alarm());
    await new Promise((resolve) => setTimeout(resolve, 200));
    const res = await api("DELETE", `/v1/services/${stack}/svc`);
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    await expect(round).resolves.toBeUndefined();
    expect(await checkerAlarm(id)).toBeNull();
    expect(await inChecker(id, (_instance, state) => state.storage.sql.exec(TABLES).toArray())).toEqual([]);
  });
});
