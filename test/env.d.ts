// Types `env` from "cloudflare:test" as Weir's Env plus the test-only bindings.
import type { Env } from "../worker/env.ts";

declare global {
  namespace Cloudflare {
    interface Env extends import("../worker/env.ts").Env {
      ORIGIN_PORT: string;
    }
  }
}
export type { Env };
