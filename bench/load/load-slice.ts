/**
 * @module bench/load/load-slice
 * One slice of load: autocannon against a target for a bounded time, with the CPU time a
 * process spent over the same window (/proc/<pid>/stat) and every response's latency.
 * Slices of the variants under comparison are interleaved by the suites and summed here,
 * so slow drifts of a shared machine fall on every variant alike.
 */
import autocannon, { type AutocannonRequest } from "autocannon";
import { median } from "../suite.ts";
import { cpuMs } from "./process-cpu.ts";

export interface LoadTarget {
  /** where autocannon connects, e.g. Miniflare's server */
  url: string;
  /** sent with every request */
  headers?: Record<string, string>;
  /** Host headers cycled through request by request (default: the URL's host) */
  hosts?: readonly string[];
}

export interface SliceOptions {
  seconds: number;
  connections: number;
  /** the process whose CPU time is charged to the requests (workerd); none for the origin alone */
  cpuPid?: number;
}

export interface Slice {
  requests: number;
  /** connection errors, timeouts and non-2xx responses */
  failures: number;
  seconds: number;
  /** CPU ms the measured process spent during the slice */
  cpuMs: number | null;
  /** latency of each response, ms */
  latencies: number[];
  /** responses by status other than 2xx, and connection errors / timeouts */
  problems: Record<string, number>;
}

export async function loadSlice(target: LoadTarget, options: SliceOptions): Promise<Slice> {
  const latencies: number[] = [];
  const problems: Record<string, number> = {};
  const requests: AutocannonRequest[] | undefined = target.hosts?.map((host) => ({
    method: "GET",
    path: "/",
    headers: { ...target.headers, host },
  }));
  const cpuBefore = options.cpuPid === undefined ? null : cpuMs(options.cpuPid);
  const started = performance.now();
  const result = await autocannon({
    url: target.url,
    connections: options.connections,
    duration: options.seconds,
    headers: target.headers,
    requests,
    setupClient: (client) => {
      client.on("response", (status: number, _bytes: number, ms: number) => {
        latencies.push(ms);
        if (status < 200 || status > 299) problems[status] = (problems[status] ?? 0) + 1;
      });
    },
  });
  const seconds = (performance.now() - started) / 1000;
  const cpuAfter = options.cpuPid === undefined ? null : cpuMs(options.cpuPid);
  if (result.errors) problems["connection errors"] = result.errors;
  if (result.timeouts) problems.timeouts = result.timeouts;
  return {
    requests: result.requests.total,
    failures: result.errors + result.timeouts + result.non2xx,
    seconds,
    cpuMs: cpuBefore === null || cpuAfter === null ? null : cpuAfter - cpuBefore,
    latencies,
    problems,
  };
}

export interface LoadFigures {
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  /** µs of CPU of the measured process per request served */
  cpuUs: number | null;
  failures: number;
}

function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/** The figures of one run of a variant: its slices added up. */
export function combineSlices(slices: readonly Slice[]): LoadFigures {
  const requests = slices.reduce((n, s) => n + s.requests, 0);
  const seconds = slices.reduce((n, s) => n + s.seconds, 0);
  const cpu = slices.every((s) => s.cpuMs !== null) ? slices.reduce((n, s) => n + s.cpuMs!, 0) : null;
  const latencies = slices.flatMap((s) => s.latencies).sort((a, b) => a - b);
  return {
    requests,
    rps: requests / seconds,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    cpuUs: cpu === null || requests === 0 ? null : (cpu * 1000) / requests,
    failures: slices.reduce((n, s) => n + s.failures, 0),
  };
}

/** Median of each figure over runs (each run already combined). */
export function medianFigures(runs: readonly LoadFigures[]): LoadFigures {
  const of = (pick: (f: LoadFigures) => number | null) => {
    const values = runs.map(pick).filter((v): v is number => v !== null);
    return values.length ? median(values) : null;
  };
  return {
    requests: of((f) => f.requests)!,
    rps: of((f) => f.rps)!,
    p50: of((f) => f.p50)!,
    p99: of((f) => f.p99)!,
    cpuUs: of((f) => f.cpuUs),
    failures: runs.reduce((n, f) => n + f.failures, 0),
  };
}
