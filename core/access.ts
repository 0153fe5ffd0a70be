/**
 * @module core/access
 * Who may do what (DESIGN §11): the three roles in order, stack scopes, and the two rules
 * every caller is held to — a request needs a role on a stack, and a new token never gets
 * more rights than the token that makes it. Pure: admin/authorization.ts applies it to
 * requests, the token routes to new tokens.
 */

export const ROLES = ["viewer", "deployer", "admin"] as const;
export type Role = (typeof ROLES)[number];

/** The scope entry that covers every stack. */
export const ALL_STACKS = "*";

/** Whoever a request acts as: the root token or an API token. */
export interface Principal {
  /** the token's name; `root` for ADMIN_TOKEN (history's WHO) */
  name: string;
  role: Role;
  /** `["*"]`, or the stacks the token may touch */
  stacks: string[];
  /** ISO time, or null when it never expires */
  expiresAt: string | null;
}

/** ADMIN_TOKEN: everything, everywhere, forever. */
export const ROOT: Principal = { name: "root", role: "admin", stacks: [ALL_STACKS], expiresAt: null };

/** What one request needs, once the stack it acts on is known. */
export interface Need {
  role: Role;
  /** the stack acted on; absent for lists (filtered to the scope) and stackless routes */
  stack?: string;
  /** the route acts on every stack at once (tokens) */
  allStacks?: boolean;
  /** what was asked, e.g. `PUT /v1/stacks/prod`, for the refusal's message */
  what: string;
}

export function roleRank(role: Role): number {
  return ROLES.indexOf(role);
}

export function hasRole(principal: Pick<Principal, "role">, role: Role): boolean {
  return roleRank(principal.role) >= roleRank(role);
}

export function coversAllStacks(stacks: readonly string[]): boolean {
  return stacks.includes(ALL_STACKS);
}

export function coversStack(stacks: readonly string[], stack: string): boolean {
  return coversAllStacks(stacks) || stacks.includes(stack);
}

/** `every stack` or `stack test` / `stacks a, b` */
export function describeScope(stacks: readonly string[]): string {
  if (coversAllStacks(stacks)) return "every stack";
  return `${stacks.length === 1 ? "stack" : "stacks"} ${stacks.join(", ")}`;
}

function describePrincipal(p: Principal): string {
  return p.name === ROOT.name ? "the root token" : `token '${p.name}' (${p.role} on ${describeScope(p.stacks)})`;
}

function describeNeed(need: Need): string {
  if (need.allStacks) return `${need.role} on every stack`;
  if (need.stack !== undefined) return `${need.role} on stack '${need.stack}'`;
  return need.role;
}

/** Why `principal` may not do what `need` describes (the 403's message), or undefined. */
export function accessProblem(principal: Principal, need: Need): string | undefined {
  const enough =
    hasRole(principal, need.role) &&
    (need.allStacks ? coversAllStacks(principal.stacks) : need.stack === undefined || coversStack(principal.stacks, need.stack));
  return enough ? undefined : `${describePrincipal(principal)} cannot ${need.what}: that needs ${describeNeed(need)}`;
}

/** The rights a new token asks for. */
export interface Grant {
  role: Role;
  stacks: readonly string[];
  expiresAt: string | null;
}

/**
 * Why `granter` may not mint a token with `wanted`'s rights, or undefined: no higher role,
 * no stack outside its own scope, and no life beyond its own expiry (a token that outlived
 * its maker would be a way to keep rights past their end).
 */
export function grantProblem(granter: Principal, wanted: Grant): string | undefined {
  const who = describePrincipal(granter);
  if (roleRank(wanted.role) > roleRank(granter.role)) {
    return `${who} cannot create a token with role ${wanted.role}: that is more than its own role ${granter.role}`;
  }
  const outside = coversAllStacks(granter.stacks) ? [] : wanted.stacks.filter((s) => !granter.stacks.includes(s));
  if (outside.length > 0) {
    const what = outside.includes(ALL_STACKS) ? "every stack" : `${outside.length === 1 ? "stack" : "stacks"} ${outside.join(", ")}`;
    return `${who} cannot create a token for ${what}: that is outside its own scope`;
  }
  if (granter.expiresAt !== null && (wanted.expiresAt === null || Date.parse(wanted.expiresAt) > Date.parse(granter.expiresAt))) {
    return `${who} cannot create a token that outlives it: it expires at ${granter.expiresAt}, so the new one must expire by then too`;
  }
  return undefined;
}
