/**
 * @module scripts/demo-origins
 * Tiny HTTP origins for the demo and the end-to-end tests: each answers every request
 * with one fixed line of text.
 */
import { createServer, type Server } from "node:http";

export interface DemoOrigin {
  url: string;
  port: number;
  close(): Promise<void>;
}

export function startOrigin(port: number, text: string): Promise<DemoOrigin> {
  const server: Server = createServer((req, res) => {
    req.resume();
    res.writeHead(200, { "content-type": "text/plain; charset=utf-8" });
    res.end(`${text}\n`);
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      const actual = (server.address() as { port: number }).port;
      resolve({
        url: `http://127.0.0.1:${actual}`,
        port: actual,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}
