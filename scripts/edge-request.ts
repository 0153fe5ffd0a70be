/**
 * @module scripts/edge-request
 * One HTTP GET to the local Weir (`wrangler dev` on 127.0.0.1) for any hostname it
 * serves — `svc.test.weir.localhost` or a custom domain like `shop.example.com` — the way
 * `curl --resolve` does it: connect to 127.0.0.1, send the real Host header (Node's fetch
 * would drop it).
 */
import { request } from "node:http";

export interface EdgeResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export function edgeGet(url: string, headers: Record<string, string> = {}): Promise<EdgeResponse> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port: target.port || 80,
        path: target.pathname + target.search,
        headers: { host: target.host, ...headers },
        timeout: 30_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("error", reject);
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
      },
    );
    req.on("timeout", () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on("error", reject);
    req.end();
  });
}

/** The config version a data-plane response was served with (`Weir-Config-Version`). */
export function servedConfigVersion(res: EdgeResponse): number | undefined {
  const v = res.headers["weir-config-version"];
  return typeof v === "string" && /^\d+$/.test(v) ? Number(v) : undefined;
}

/**
 * Waits until `url` is served with config version `version` or later: a change reaches
 * the edge once the per-isolate route cache expires (DESIGN §7).
 */
export async function waitForConfigVersion(url: string, version: number, timeoutMs = 30_000): Promise<EdgeResponse> {
  const deadline = Date.now() + timeoutMs;
  let last: EdgeResponse | undefined;
  for (;;) {
    last = await edgeGet(url);
    const served = servedConfigVersion(last);
    if (served !== undefined && served >= version) return last;
    if (Date.now() > deadline) {
      throw new Error(`${url} still serves config version ${served ?? "none"} (status ${last.status}) after ${timeoutMs / 1000} s; expected ${version}`);
    }
    // Polling is the only signal there is: the edge pushes nothing.
    await new Promise((r) => setTimeout(r, 100));
  }
}
