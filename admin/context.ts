/**
 * @module admin/context
 * What every admin route handler shares: the Hono env type, the store handle, the write
 * context (actor, If-Match) and `settle`, which records the config version for the ETag and
 * turns a store refusal into the one error type.
 */
import type { Context } from "hono";
import { coversAllStacks, hasRole, type Principal } from "../core/access.ts";
import { WeirError } from "../core/errors.ts";
import type { Env } from "../worker/env.ts";
import { clientIp } from "./client-ip.ts";
import { parseIfMatch } from "./etag.ts";
import { configStore, type StoreClient } from "./store/client.ts";
import type { Outcome, WriteContext } from "./store/outcome.ts";
import { endpointStyle, type EndpointStyle } from "./views.ts";

export interface AdminEnv {
  Bindings: Env;
  Variables: {
    actor: string;
    /** who the request acts as (admin/authorization.ts); absent on public routes */
    principal: Principal | undefined;
    configVersion: number | undefined;
  };
}

export type AdminContext = Context<AdminEnv>;

export function store(c: AdminContext): StoreClient {
  return configStore(c.env);
}

export function writeContext(c: AdminContext): WriteContext {
  const ifMatch = parseIfMatch(c.req.header("if-match"));
  const w: WriteContext = { actor: c.get("actor"), ip: clientIp(c) };
  if (ifMatch !== undefined) w.ifMatch = ifMatch;
  const principal = c.get("principal");
  if (principal !== undefined && !coversAllStacks(principal.stacks)) w.scope = principal.stacks;
  if (principal !== undefined && !hasRole(principal, "admin")) w.domains = false;
  return w;
}

/**
 * If-Match on a write that makes no config version (a token created or revoked, a rollout
 * paused or resumed): checked against the current config version like any other write
 * (DESIGN §8), so a client's precondition is never silently ignored; malformed is a 400.
 */
export async function checkIfMatch(c: AdminContext): Promise<void> {
  const ifMatch = parseIfMatch(c.req.header("if-match"));
  if (ifMatch === undefined || ifMatch === "*") return;
  const current = await store(c).configVersion();
  if (!ifMatch.includes(current)) {
    throw new WeirError("precondition_failed", `If-Match does not match the current config version "${current}"`, { details: { configVersion: current } });
  }
}

export function style(c: AdminContext): EndpointStyle {
  return endpointStyle(c.req.url, c.env.BASE_DOMAIN);
}

/** The outcome's value; a refusal becomes a thrown WeirError (mapped by the app's onError). */
export function settle<T>(c: AdminContext, outcome: Outcome<T>): T {
  c.set("configVersion", outcome.configVersion);
  if (!outcome.ok) {
    const { code, message, details } = outcome.error;
    throw new WeirError(code, message, details === undefined ? undefined : { details });
  }
  return outcome.value;
}
