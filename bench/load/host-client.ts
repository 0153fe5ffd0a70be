/**
 * @module bench/load/host-client
 * HTTP requests to Miniflare's server with a chosen Host header (Node's fetch ignores a
 * Host header), over keep-alive connections: the admin API and one-off data-plane reads.
 */
import { Agent, request as httpRequest } from "node:http";

export interface HostResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export class HostClient {
  private readonly agent: Agent;

  constructor(
    private readonly base: URL,
    connections = 1,
  ) {
    this.agent = new Agent({ keepAlive: true, maxSockets: connections });
  }

  send(host: string, method: string, path: string, options: { json?: unknown; headers?: Record<string, string> } = {}): Promise<HostResponse> {
    const body = options.json === undefined ? undefined : JSON.stringify(options.json);
    const headers: Record<string, string> = { host, ...options.headers };
    if (body !== undefined) headers["content-type"] = "application/json";
    return new Promise((resolve, reject) => {
      const req = httpRequest(new URL(path, this.base), { method, agent: this.agent, headers }, (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (text += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
        res.on("error", reject);
      });
      req.on("error", reject);
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
