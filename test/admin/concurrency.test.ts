// Concurrent writers (DESIGN §8): 100 weight writes racing with If-Match. The store is the
// single writer, so each write either wins (200, a new config version, one history entry)
// or loses (412, no trace); the final state is the last winner's.
import { describe, expect, it } from "vitest";
import { RouteRecord, routeKey } from "../../core/route-record.ts";
import { api, env, json, origin, run, stage, uniqueStack } from "./helpers.ts";

interface Attempt {
  weight: number;
  status: number;
  configVersion?: number;
}

describe("100 concurrent weight writes with If-Match", () => {
  it("records exactly the winners, in strictly increasing versions, and ends on the last winner", async () => {
    const stack = uniqueStack("race");
    const path = `/v1/services/${stack}/svc`;
    await run(stack);
    await stage(stack, "svc", "v3", origin("helloV3"));
    const historyBefore = (await json(await api("GET", `/v1/history?service=${stack}/svc`))).entries.length;

    // Each writer reads the ETag and writes its own weight; on 412 it re-reads, at most 3 times.
    const writer = async (i: number): Promise<Attempt[]> => {
      const weight = (i + 1) / 2; // 0.5 … 50, one per writer
      const attempts: Attempt[] = [];
      for (let tries = 0; tries < 3; tries++) {
        const read = await api("GET", path);
        await read.arrayBuffer();
        const res = await api("PUT", `${path}/weights`, { body: { weights: { v3: weight } }, headers: { "if-match": read.headers.get("etag")! } });
        const body = (await res.json()) as { configVersion?: number; error?: { code: string } };
        attempts.push({ weight, status: res.status, configVersion: body.configVersion });
        if (res.status === 200) break;
        expect(body.error?.code).toBe("precondition_failed");
      }
      return attempts;
    };
    const attempts = (await Promise.all(Array.from({ length: 100 }, (_, i) => writer(i)))).flat();

    expect(new Set(attempts.map((a) => a.status))).toEqual(new Set([200, 412]));
    const winners = attempts.filter((a) => a.status === 200).sort((a, b) => a.configVersion! - b.configVersion!);
    expect(winners.length).toBeGreaterThan(1);
    expect(attempts.filter((a) => a.status === 412).length).toBeGreaterThan(0);

    const entries = (await json(await api("GET", `/v1/history?service=${stack}/svc&limit=1000`))).entries.slice(historyBefore);
    expect(entries.map((e: { configVersion: number }) => e.configVersion)).toEqual(winners.map((w) => w.configVersion));
    expect(entries.map((e: { after: { revisions: { weight: number }[] } }) => e.after.revisions[0].weight)).toEqual(winners.map((w) => w.weight));
    for (let i = 1; i < winners.length; i++) expect(winners[i].configVersion!).toBeGreaterThan(winners[i - 1].configVersion!);

    const last = winners.at(-1)!;
    const final = await json(await api("GET", path));
    expect(final.revisions[0].weight).toBe(last.weight);
    expect(final.configVersion).toBe(last.configVersion);
    const record = RouteRecord.parse(await env.ROUTES.get(routeKey(`svc.${stack}.weir.localhost`), "json"));
    expect(record.configVersion).toBe(last.configVersion);
  });
});
