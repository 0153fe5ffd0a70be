/**
 * @module scripts/start
 * `npm start`: Weir on http://127.0.0.1:8787 with local KV and Durable Object state under
 * `.wrangler/`. On first start it writes `.dev.vars` with a random admin token and sticky
 * secret, so `npx weir ps` works with no setup.
 */
import { join } from "node:path";
import { LOCAL_ADMIN_URL } from "../cli/client.ts";
import { PROJECT_ROOT, startDevServer, type DevServer } from "./dev-server.ts";
import { ensureDevVars } from "./dev-vars.ts";

const PORT = 8787;

const added = ensureDevVars(join(PROJECT_ROOT, ".dev.vars"));
if (added.length > 0) console.log(`weir: wrote a random ${added.join(" and ")} to .dev.vars (gitignored)`);

let server: DevServer;
try {
  server = await startDevServer({ port: PORT, persistTo: join(PROJECT_ROOT, ".wrangler", "state"), echo: true });
} catch (err) {
  console.error(`weir: ${err instanceof Error ? err.message : String(err)}`);
  console.error(`weir: is port ${PORT} taken (another \`npm start\` or \`npm run demo\`)?`);
  process.exit(1);
}

console.log(`
Weir is running on ${server.url}
  services   http://<service>.<stack>.weir.localhost:${PORT}   (*.localhost is loopback, no DNS needed)
  admin API  ${LOCAL_ADMIN_URL}/v1   (Bearer ADMIN_TOKEN from .dev.vars)
  dashboard  ${LOCAL_ADMIN_URL}/      (sign in with ADMIN_TOKEN from .dev.vars)
  CLI        npx weir ps            (finds this server and its token by itself)
  try        npx weir run --name test/svc http://127.0.0.1:9001
Press Ctrl-C to stop.
`);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => void server.stop().then(() => process.exit(0)));
}
process.exitCode = (await server.exited) ?? 0;
