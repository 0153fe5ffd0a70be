// @ts-check
/**
 * @module dashboard/client/permissions
 * Who is signed in and what they may change (DESIGN §11). The API decides (a 403 names
 * what is missing); the dashboard only greys out what would be refused, and says why.
 * Pure, unit-tested in Node.
 */

/**
 * What `GET /v1/whoami` answers.
 * @typedef {object} Identity
 * @property {string} name the token's name; `root` for ADMIN_TOKEN
 * @property {"viewer" | "deployer" | "admin"} role
 * @property {string[]} stacks `["*"]` or the stacks the token covers
 * @property {string | null} expiresAt ISO time, or null
 */

const ROLES = ["viewer", "deployer", "admin"];

/**
 * The identity in a `GET /v1/whoami` answer (the root token is `root`, admin on every
 * stack).
 * @param {unknown} body
 * @returns {Identity}
 */
export function identityFrom(body) {
  const b = /** @type {Partial<Identity> | null} */ (body);
  if (!b || typeof b.name !== "string" || !ROLES.includes(String(b.role)) || !Array.isArray(b.stacks)) {
    throw new Error("GET /v1/whoami answered with something that is not an identity");
  }
  return { name: b.name, role: /** @type {Identity["role"]} */ (b.role), stacks: b.stacks.map(String), expiresAt: b.expiresAt ?? null };
}

/**
 * @param {Identity} identity
 * @param {string} stack
 */
export function coversStack(identity, stack) {
  return identity.stacks.includes("*") || identity.stacks.includes(stack);
}

/**
 * Why `identity` may not change services of `stack` (stage, weights, promote, rollback,
 * rollouts: the deployer's rights), or null when it may.
 * @param {Identity} identity
 * @param {string} stack
 * @returns {string | null}
 */
export function writeDenial(identity, stack) {
  if (identity.role === "viewer") return `${who(identity)} is a viewer: it can look but not change anything`;
  if (!coversStack(identity, stack)) return `${who(identity)} may only change ${scope(identity.stacks)}, not stack ${stack}`;
  return null;
}

/** @param {Identity} identity */
function who(identity) {
  return identity.name === "root" ? "The root token" : `Token ${identity.name}`;
}

/** @param {readonly string[]} stacks */
export function scope(stacks) {
  if (stacks.includes("*")) return "every stack";
  return `${stacks.length === 1 ? "stack" : "stacks"} ${stacks.join(", ")}`;
}

/**
 * "root · admin · every stack" for the header.
 * @param {Identity} identity
 */
export function describeIdentity(identity) {
  return `${identity.name} · ${identity.role} · ${scope(identity.stacks)}`;
}
