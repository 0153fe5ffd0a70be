/**
 * @module bench/load/seed-worker
 * Writes many services' route records into the ROUTES namespace from inside workerd, where
 * a KV put is a local call rather than a round trip from Node: `GET /?from=0&count=1000`
 * writes services `scale/s<from>` … with the records `serviceRecords` builds (primary v0,
 * staged v1 30 % and v2 20 %, every revision on the ORIGIN binding).
 */
import { routeKey } from "../../core/route-record.ts";
import { serviceRecords } from "./route-seed.ts";

const SEED_STACK = "scale";

interface SeedEnv {
  ROUTES: { put(key: string, value: string): Promise<void> };
  ORIGIN: string;
}

export default {
  async fetch(request: Request, env: SeedEnv): Promise<Response> {
    const params = new URL(request.url).searchParams;
    const from = Number(params.get("from"));
    const count = Number(params.get("count"));
    const width = Number(params.get("width") ?? 16);
    const entries: [string, string][] = [];
    for (let i = from; i < from + count; i++) {
      for (const [host, record] of serviceRecords(SEED_STACK, `s${i}`, env.ORIGIN, [3000, 2000])) {
        entries.push([routeKey(host), JSON.stringify(record)]);
      }
    }
    let next = 0;
    const lane = async () => {
      while (next < entries.length) {
        const [key, value] = entries[next++];
        await env.ROUTES.put(key, value);
      }
    };
    await Promise.all(Array.from({ length: width }, lane));
    return Response.json({ written: entries.length });
  },
};
