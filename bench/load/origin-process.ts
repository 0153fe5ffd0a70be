/**
 * @module bench/load/origin-process
 * The load benchmarks' origin, in its own Node process so it never shares an event loop
 * with the load generator: every request gets 200 "Hello World" (text/plain, keep-alive),
 * after `?delay=MS` milliseconds when the URL asks for it (requests a client gives up on).
 * Started by bench/load/origin.ts; it sends its port to the parent over IPC.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

const BODY = Buffer.from("Hello World");

const server = createServer((request, response) => {
  // drain any body so the connection stays reusable
  request.resume();
  const answer = () => {
    if (response.destroyed) return;
    response.writeHead(200, { "content-type": "text/plain", "content-length": BODY.length });
    response.end(BODY);
  };
  // Only a URL that asks is parsed: the other suites' origin stays as cheap as it was.
  if (request.url?.includes("delay=")) setTimeout(answer, Number(new URL(request.url, "http://origin").searchParams.get("delay")) || 0);
  else answer();
});
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => {
  process.send?.({ port: (server.address() as AddressInfo).port });
});
process.on("disconnect", () => process.exit(0));
