// The brute-force limit (DESIGN §11) through the real Rate Limiting binding as Miniflare
// simulates it (vitest.config.ts: 20 per 10 s): only failed authentications count, per
// client IP; past the limit a failing request gets 429 with Retry-After; successful
// requests neither count nor are blocked; a new window starts the count again.
import { describe, expect, it } from "vitest";
import { failureKeyOf } from "../../admin/client-ip.ts";
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

  it("counts an IPv6 client by its /64: hopping between addresses of one /64 does not escape the limit", async () => {
    const words = Array.from(crypto.getRandomValues(new Uint16Array(2)), (w) => w.toString(16));
    const prefix = `2001:db8:${words.join(":")}`;
    const address = (i: number) => `${prefix}:${(i + 1).toString(16)}::${Math.floor(Math.random() * 0xffff).toString(16)}`;
    await freshWindow();
    for (let i = 0; i < 20; i++) await expectError(await failing(address(i), i), 401, "unauthorized");
    await expectError(await failing(address(20), 20), 429, "rate_limited");
    // the same /64 written in full, with upper-case digits, is the same client
    const full = `${prefix}:0000:0000:0000:0001`.toUpperCase();
    await expectError(await failing(full, 0), 429, "rate_limited");
    // the neighbouring /64 is another client
    await expectError(await failing(`2001:db8:${words[0]}:${((parseInt(words[1], 16) + 1) & 0xffff).toString(16)}::1`, 0), 401, "unauthorized");
  });

  it("keys IPv4 by address, IPv6 by /64, an IPv4-mapped IPv6 address as its IPv4", () => {
    expect(failureKeyOf("203.0.113.7")).toBe("203.0.113.7");
    expect(failureKeyOf("2001:db8:1:2:3:4:5:6")).toBe("2001:db8:1:2::/64");
    expect(failureKeyOf("2001:0db8:0001:0002::9")).toBe("2001:db8:1:2::/64");
    expect(failureKeyOf("2001:db8::1")).toBe("2001:db8:0:0::/64");
    expect(failureKeyOf("::1")).toBe("0:0:0:0::/64");
    expect(failureKeyOf("::ffff:198.51.100.4")).toBe("198.51.100.4");
    expect(failureKeyOf("64:ff9b::198.51.100.4")).toBe("64:ff9b:0:0::/64");
    // not an address: counted as it is
    expect(failureKeyOf("1:2:3")).toBe("1:2:3");
    expect(failureKeyOf("1::2::3")).toBe("1::2::3");
  });
});
