/**
 * @module worker/route-cache
 * Hostname → compiled route, the data plane's only read path (DESIGN §7): a per-isolate
 * map (ROUTE_CACHE_MS, default 2 s) in front of Workers KV (whose own cacheTtl cannot go
 * below 30 s). Unknown hosts are cached too (negative caching), and when KV fails the last
 * record this isolate saw for the host keeps serving (last-known-good). A host longer than
 * DNS allows (253 characters, 63 a label) is no route without a KV read.
 */
import { WeirError } from "../core/errors.ts";
import { withinDnsLimits } from "../core/hostnames.ts";
import { compileRouteRecord, RouteRecord, routeKey, type CompiledRoute } from "../core/route-record.ts";

/** KV's minimum edge cache lifetime, in seconds. */
const KV_CACHE_TTL_S = 30;
const DEFAULT_CACHE_MS = 2000;
/** Hostnames kept per isolate; the oldest fill is dropped beyond it. */
export const ROUTE_CACHE_SIZE = 10_000;
/**
 * Bytes of routes kept per isolate, the oldest fill dropped beyond it: a weighted host
 * holds its 10,000-byte slot table, so the count cap alone would let 10,000 weighted hosts
 * take ~116 MiB of a 128 MB isolate (BENCHMARKS.md, scale).
 */
export const ROUTE_CACHE_BYTES = 32 * 1024 * 1024;
/** rough cost of a record's strings and objects beside its slot table */
const ENTRY_OVERHEAD_BYTES = 2048;

interface Entry {
  /** null: KV has no record for the host */
  route: CompiledRoute | null;
  /** Date.now() of the fill; its age is judged against the current ROUTE_CACHE_MS */
  filled: number;
  /** estimated bytes held */
  bytes: number;
}

const cache = new Map<string, Entry>();
let cachedBytes = 0;
let byteBudget = ROUTE_CACHE_BYTES;
interface PendingFill {
  promise: Promise<CompiledRoute | null>;
  /** Date.now() when the read started */
  started: number;
}

/** fills in flight, so a burst for one cold host makes one KV read */
const pending = new Map<string, PendingFill>();

/** Forgets every cached route (tests, and nothing else, need this). */
export function clearRouteCache(): void {
  cache.clear();
  cachedBytes = 0;
  pending.clear();
}

/** Tests only: a smaller byte budget (no argument: the default). */
export function limitRouteCacheBytes(bytes = ROUTE_CACHE_BYTES): void {
  byteBudget = bytes;
}

/** What the cache holds now: hosts and estimated bytes. */
export function routeCacheFootprint(): { hosts: number; bytes: number } {
  return { hosts: cache.size, bytes: cachedBytes };
}

/** the last ROUTE_CACHE_MS seen and its value: env vars do not change between requests */
let parsedCacheMs: { value: string | undefined; ms: number } = { value: undefined, ms: DEFAULT_CACHE_MS };

export function cacheMs(value: string | undefined): number {
  if (value === parsedCacheMs.value) return parsedCacheMs.ms;
  const ms = value === undefined || value === "" ? Number.NaN : Number(value);
  parsedCacheMs = { value, ms: Number.isFinite(ms) && ms >= 0 ? ms : DEFAULT_CACHE_MS };
  return parsedCacheMs.ms;
}

/**
 * The route of a normalized hostname, or null when no service is bound to it. Throws a
 * WeirError only when KV fails (or holds an unusable record) and this isolate has never
 * seen the host.
 */
export function lookupRoute(kv: KVNamespace, host: string, ttlMs: number): CompiledRoute | null | Promise<CompiledRoute | null> {
  const entry = cache.get(host);
  if (entry !== undefined && Date.now() - entry.filled < ttlMs) return entry.route;
  // A name DNS cannot hold has no route, and KV is not asked: it refuses keys over 512 bytes,
  // and each such request would cost a read. Not cached either, so junk cannot evict routes.
  if (!withinDnsLimits(host)) return null;
  const inFlight = pending.get(host);
  // a fill older than JOIN_WAIT_MS is taken for lost (its request may be gone): start afresh
  if (inFlight === undefined || Date.now() - inFlight.started > JOIN_WAIT_MS) {
    const own: PendingFill = { started: Date.now(), promise: refill(kv, host, entry) };
    own.promise = own.promise.finally(() => {
      if (pending.get(host) === own) pending.delete(host);
    });
    pending.set(host, own);
    return own.promise;
  }
  // Another request is reading KV for this host, and its promise settles from that request's
  // I/O: workerd cancels a request that waits on nothing of its own as hung (a 500 every few
  // tens of thousands of requests under load, BENCHMARKS.md overhead). So the stale route
  // serves meanwhile, and a cold host's waiter keeps a timer of its own, reading KV itself past it.
  if (entry !== undefined) return entry.route;
  return join(inFlight.promise, kv, host);
}

const JOIN_WAIT_MS = 1000;
const LATE = Symbol("late");

async function join(fill: Promise<CompiledRoute | null>, kv: KVNamespace, host: string): Promise<CompiledRoute | null> {
  let timer: number | null = null;
  const late = new Promise<typeof LATE>((resolve) => {
    timer = setTimeout(() => resolve(LATE), JOIN_WAIT_MS);
  });
  try {
    const first = await Promise.race([fill, late]);
    return first === LATE ? await refill(kv, host, undefined) : first;
  } finally {
    clearTimeout(timer);
  }
}

async function refill(kv: KVNamespace, host: string, stale: Entry | undefined): Promise<CompiledRoute | null> {
  let route: CompiledRoute | null;
  try {
    route = await readRoute(kv, host);
  } catch (error) {
    if (stale === undefined) {
      throw new WeirError("routes_unavailable", `the route of '${host}' cannot be read right now; try again`, { cause: error });
    }
    // Last-known-good; retried once the entry expires again, not on every request.
    console.warn(`weir: serving last-known route for ${host}:`, error);
    remember(host, stale.route);
    return stale.route;
  }
  remember(host, route);
  return route;
}

async function readRoute(kv: KVNamespace, host: string): Promise<CompiledRoute | null> {
  const raw = await kv.get(routeKey(host), { type: "json", cacheTtl: KV_CACHE_TTL_S });
  if (raw === null) return null;
  // Validated and compiled once per fill, never per request.
  const route = compileRouteRecord(RouteRecord.parse(raw));
  // Requests read the decoded table; its base64 text would more than double what each
  // cached host holds (about 13 KB more per weighted host; see BENCHMARKS.md, scale).
  delete route.record.slots;
  for (const rule of route.record.rules ?? []) delete rule.slots;
  return route;
}

function remember(host: string, route: CompiledRoute | null): void {
  forget(host); // re-insert at the end: Map order is fill order
  const bytes = ENTRY_OVERHEAD_BYTES + (route?.slots?.length ?? 0) + rulesBytes(route);
  while (cache.size > 0 && (cache.size >= ROUTE_CACHE_SIZE || cachedBytes + bytes > byteBudget)) {
    forget(cache.keys().next().value as string);
  }
  cache.set(host, { route, filled: Date.now(), bytes });
  cachedBytes += bytes;
}

/** Rough bytes of a route's compiled rules: each split's table, and what the rules carry. */
function rulesBytes(route: CompiledRoute | null): number {
  if (route?.rules == null) return 0;
  let bytes = 0;
  for (const rule of route.rules) {
    bytes += ENTRY_OVERHEAD_BYTES;
    if (rule.action.kind === "split") bytes += rule.action.slots.length;
    if (rule.action.kind === "respond") bytes += rule.action.body.length * 2;
  }
  return bytes;
}

function forget(host: string): void {
  const entry = cache.get(host);
  if (entry === undefined) return;
  cachedBytes -= entry.bytes;
  cache.delete(host);
}
