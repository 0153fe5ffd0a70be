// Types `env` from "cloudflare:test" (and "cloudflare:workers") as Weir's Env plus the
// test-only bindings.
type WeirEnv = import("../worker/env.ts").Env;
type OriginPorts = import("./origin-ports.ts").OriginPorts;

declare namespace Cloudflare {
  interface Env extends WeirEnv {
    ORIGINS: OriginPorts;
    ADMIN_TOKEN: string;
  }
}
