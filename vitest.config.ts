import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

// Two projects, split by where the code under test runs (as in workers-sdk): core, worker
// and admin tests run inside workerd against real KV and Durable Objects; CLI and
// end-to-end tests run in Node against a real `wrangler dev`. The dashboard's tests split the
// same way: serving in workerd, view logic in Node, the browser tests against `wrangler dev`.
export default defineConfig({
  test: {
    projects: [
      {
        plugins: [
          cloudflareTest(({ inject }) => ({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              bindings: {
                ADMIN_TOKEN: "test-root-token",
                STICKY_SECRET: "test-sticky-secret",
                // Edge stats flush on every request, so a test's own waitOnExecutionContext
                // does not wait out a delayed flush (tests that batch set it themselves).
                STATS_FLUSH_MS: "0",
                // ports of every test origin (test/setup/origins.ts), for test/worker
                ORIGINS: inject("origins"),
              },
              // wrangler.toml's limit with the shorter of the two periods the binding takes,
              // so the reset of the brute-force limit is seen within 10 s (auth-failures test)
              ratelimits: { AUTH_FAILURES: { simple: { limit: 20, period: 10 } } },
            },
          })),
        ],
        test: {
          name: "workerd",
          include: ["test/{core,worker,admin}/**/*.test.ts", "test/dashboard/worker/**/*.test.ts"],
          globalSetup: ["test/setup/origins.ts"],
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: "node",
          include: ["test/{cli,e2e}/**/*.test.ts", "test/dashboard/{unit,browser}/**/*.test.ts"],
          environment: "node",
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
