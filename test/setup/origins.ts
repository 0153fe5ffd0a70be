import { createServer } from "node:http";
import type { TestProject } from "vitest/node";
export default async function (project: TestProject) {
  const server = createServer((req, res) => { res.end("hello from " + req.headers.host); });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as any).port;
  project.provide("originPort", port);
  return () => new Promise<void>((r) => server.close(() => r()));
}
declare module "vitest" { interface ProvidedContext { originPort: number } }
