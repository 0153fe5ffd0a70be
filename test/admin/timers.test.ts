// Named timers on one Durable Object alarm (issue 9): a handler that throws is not the end
// of its timer. Run in a ConfigStore object of its own (real SQLite, real alarm), with a
// clock the test moves, so the shared store and its rollouts never see these timers.
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { Timers, TIMER_RETRY_BASE_MS, TIMER_RETRY_MAX_MS, timerRetryDelayMs } from "../../admin/store/timers.ts";

function probeStore(name: string): DurableObjectStub {
  const ns = env.CONFIG_STORE;
  return ns.get(ns.idFromName(`timers-probe-${name}-${crypto.randomUUID()}`));
}

describe("Timers", () => {
  it("backs off 1 s, 2 s, 4 s … up to 5 min", () => {
    expect([1, 2, 3, 4].map(timerRetryDelayMs)).toEqual([1_000, 2_000, 4_000, 8_000]);
    expect(timerRetryDelayMs(30)).toBe(TIMER_RETRY_MAX_MS);
  });

  it("a handler that throws gets its timer back with growing backoff; one that succeeds starts afresh", async () => {
    await runInDurableObject(probeStore("retry"), async (_instance, state) => {
      const clock = { t: Date.now() + 3_600_000 };
      const timers = new Timers(state.storage.sql, state.storage, () => clock.t);
      let calls = 0;
      let failuresLeft = 2;
      const handlers = {
        probe: async () => {
          calls++;
          if (failuresLeft-- > 0) throw new Error("flaky");
        },
      };
      const due = () => state.storage.sql.exec<{ due: number }>(`SELECT due FROM timers WHERE name = 'probe:a'`).toArray()[0]?.due ?? null;

      await timers.schedule("probe:a", clock.t);
      await timers.run(handlers, clock.t);
      expect(calls).toBe(1);
      expect(due()).toBe(clock.t + TIMER_RETRY_BASE_MS);
      expect(timers.failures("probe:a")).toBe(1);
      expect(await state.storage.getAlarm()).toBe(clock.t + TIMER_RETRY_BASE_MS);

      clock.t += TIMER_RETRY_BASE_MS;
      await timers.run(handlers, clock.t);
      expect(calls).toBe(2);
      expect(due()).toBe(clock.t + 2 * TIMER_RETRY_BASE_MS);
      expect(timers.failures("probe:a")).toBe(2);

      clock.t += 2 * TIMER_RETRY_BASE_MS;
      await timers.run(handlers, clock.t);
      expect(calls).toBe(3);
      // it succeeded and did not set itself again: gone, and its failures forgotten
      expect(due()).toBeNull();
      expect(timers.failures("probe:a")).toBe(0);
      expect(await state.storage.getAlarm()).toBeNull();
    });
  });

  it("a failing handler starves no other timer, and a later time it set for itself wins over the backoff", async () => {
    await runInDurableObject(probeStore("others"), async (_instance, state) => {
      const clock = { t: Date.now() + 3_600_000 };
      const timers = new Timers(state.storage.sql, state.storage, () => clock.t);
      const ran: string[] = [];
      const handlers = {
        bad: async (name: string) => {
          ran.push(name);
          // sets itself an hour ahead, then fails: the hour stands
          await timers.schedule(name, clock.t + 3_600_000);
          throw new Error("bad");
        },
        good: async (name: string) => void ran.push(name),
      };
      await timers.schedule("bad:x", clock.t);
      await timers.schedule("good:y", clock.t);
      await timers.run(handlers, clock.t);
      expect(ran).toEqual(["bad:x", "good:y"]);
      const rows = state.storage.sql.exec<{ name: string; due: number }>(`SELECT name, due FROM timers ORDER BY name`).toArray();
      expect(rows).toEqual([{ name: "bad:x", due: clock.t + 3_600_000 }]);
      await timers.cancel("bad:x");
    });
  });
});
