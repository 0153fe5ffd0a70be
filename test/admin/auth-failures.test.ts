// The brute-force limit (DESIGN §11) through the real Rate Limiting binding as Miniflare
// simulates it (vitest.config.ts: 20 per 10 s): only failed authentications count, per
// client IP; past the limit a failing request gets 429 with Retry-After; successful
// requests neither count nor are blocked; a new window starts the count again.
import { describe, expect, it } from "vitest";
import { api, expectError } from "./helpers.ts";

/** the test binding's period (vitest.config.ts) */
const PERIOD_MS = 10_000;

/**
 * Miniflare counts in windows aligned to multiples of the period (its ratelimit worker
 * keys buckets by floor(now / period)); start where a whole window lies ahead, so the
 * count of a burst cannot be split by a reset.
 */
async function freshWindow(): Promise<void> {
  const left = PERIOD_MS - (Date.now() % PERIOD_MS);
  if (left < PERIOD_MS - 1_000) await new Promise((r) => setTimeout(r, left + 100));
}

let ipCounter = 0;
const uniqueIp = () => `198.51.100.${++ipCounter + Math.floor(Math.random() * 100)}`;

const failing = (ip: string, i: number) => {
  // every kind of failure counts: a wrong token, a malformed API token, no header
  const kinds = [{ token: "wrong-token" }, { token: "weir_" + "A".repeat(43) }, { token: null }];
  return api("GET", "/v1/services", { ...kinds[i % kinds.length], headers: { "cf-connecting-ip": ip } });
};
const succeeding = (ip: string) => api("GET", "/v1/whoami", { headers: { "cf-connecting-ip": ip } });

describe("failed authentications per client IP", () => {
  it("answers 429 with Retry-After past 20 failures; successes neither count nor are blocked; the count resets", async () => {
    const ip = uniqueIp();
    await freshWindow();
    for (let i = 0; i < 10; i++) await expectError(await failing(ip, i), 401, "unauthorized");
    // successes in between: if they counted, the limit would come five failures early
    for (let i = 0; i < 5; i++) expect((await succeeding(ip)).status).toBe(200);
    for (let i = 10; i < 20; i++) await expectError(await failing(ip, i), 401, "unauthorized");

    const limited = await failing(ip, 20);
    expect(limited.headers.get("retry-after")).toBe("60");
    expect(await expectError(limited, 429, "rate_limited")).toBe("too many failed authentications from this address: try again in 60 s");
    await expectError(await failing(ip, 21), 429, "rate_limited");

    // the right token still works from the blocked address, and other addresses are untouched
    const ok = await succeeding(ip);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ name: "root", role: "admin", stacks: ["*"], expiresAt: null });
    await expectError(await failing(uniqueIp(), 0), 401, "unauthorized");

    // a new window: failures get their 401 back, and the count starts again from zero
    const deadline = Date.now() + PERIOD_MS + 2_000;
    let status = 429;
    while (status === 429 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      const res = await failing(ip, 0);
      status = res.status;
      await res.arrayBuffer();
    }
    expect(status).toBe(401);
    for (let i = 1; i < 20; i++) await expectError(await failing(ip, i), 401, "unauthorized");
    await expectError(await failing(ip, 20), 429, "rate_limited");
  });
});
