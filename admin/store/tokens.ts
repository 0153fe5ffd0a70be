/**
 * @module admin/store/tokens
 * API tokens in the ConfigStore's SQLite (DESIGN §11): one row per token with its role,
 * stacks, expiry, last use and the SHA-256 of its secret — never the secret. A secret is
 * found by the first 8 bytes of its digest (an index that reveals nothing: nobody can aim
 * a guess at a digest prefix) and then compared whole in constant time. Tokens are not
 * config: creating or revoking one makes no config version and no history entry, and a
 * revoked token's row is gone, so its very next request is refused (nothing caches them).
 */
import type { Principal, Role } from "../../core/access.ts";
import { WeirError } from "../../core/errors.ts";
import type { TokenView } from "../../core/token.ts";

/** lastUsedAt is written at most this often per token, so authentication stays a read. */
export const LAST_USED_RESOLUTION_MS = 60_000;

export interface NewToken {
  name: string;
  role: Role;
  stacks: string[];
  /** the creation time, the same instant its expiry is counted from */
  createdAt: string;
  expiresAt: string | null;
  createdBy: string;
}

/** What a presented secret turns out to be. */
export type TokenCheck =
  | { status: "valid"; principal: Principal }
  | { status: "expired"; name: string; expiresAt: string }
  | { status: "invalid" };

interface TokenRow extends Record<string, SqlStorageValue> {
  name: string;
  role: string;
  stacks: string;
  hash: ArrayBuffer;
  created_at: string;
  created_by: string;
  expires_at: string | null;
  last_used_at: string | null;
}

/** The index key of a digest: its first 8 bytes, in hex. */
function lookupOf(digest: ArrayBuffer): string {
  return [...new Uint8Array(digest, 0, 8)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function view(row: TokenRow): TokenView {
  return {
    name: row.name,
    role: row.role as Role,
    stacks: JSON.parse(row.stacks) as string[],
    createdAt: row.created_at,
    createdBy: row.created_by,
    expiresAt: row.expires_at,
    lastUsedAt: row.last_used_at,
  };
}

/** The `tokens` table (created in schema.ts). */
export class Tokens {
  constructor(private readonly sql: SqlStorage) {}

  /** Stores a token by the digest of its secret; 409 when the name is taken. */
  create(token: NewToken, digest: ArrayBuffer): TokenView {
    if (digest.byteLength !== 32) throw new WeirError("internal", "a token is stored by the 32-byte SHA-256 of its secret");
    if (this.sql.exec(`SELECT 1 FROM tokens WHERE name = ?`, token.name).toArray().length > 0) {
      throw new WeirError("conflict", `a token named '${token.name}' already exists: remove it first, or choose another name`);
    }
    this.sql.exec(
      `INSERT INTO tokens (name, role, stacks, lookup, hash, created_at, created_by, expires_at, last_used_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL)`,
      token.name,
      token.role,
      JSON.stringify(token.stacks),
      lookupOf(digest),
      digest,
      token.createdAt,
      token.createdBy,
      token.expiresAt,
    );
    return this.get(token.name) as TokenView;
  }

  get(name: string): (TokenView) | null {
    const row = this.sql.exec<TokenRow>(`SELECT * FROM tokens WHERE name = ?`, name).toArray()[0];
    return row ? view(row) : null;
  }

  list(): (TokenView)[] {
    return this.sql.exec<TokenRow>(`SELECT * FROM tokens ORDER BY name`).toArray().map(view);
  }

  /** Revokes a token: its row goes, so the next request with its secret is refused. */
  remove(name: string): TokenView {
    const token = this.get(name);
    if (token === null) throw new WeirError("not_found", `no token '${name}'`);
    this.sql.exec(`DELETE FROM tokens WHERE name = ?`, name);
    return token;
  }

  /** Checks the digest of a presented secret; notes the use at most once a minute. */
  check(digest: ArrayBuffer, now: Date): TokenCheck {
    if (digest.byteLength !== 32) return { status: "invalid" };
    const candidates = this.sql.exec<TokenRow>(`SELECT * FROM tokens WHERE lookup = ?`, lookupOf(digest)).toArray();
    const row = candidates.find((r) => crypto.subtle.timingSafeEqual(r.hash, digest));
    if (row === undefined) return { status: "invalid" };
    if (row.expires_at !== null && Date.parse(row.expires_at) <= now.getTime()) {
      return { status: "expired", name: row.name, expiresAt: row.expires_at };
    }
    if (row.last_used_at === null || now.getTime() - Date.parse(row.last_used_at) >= LAST_USED_RESOLUTION_MS) {
      this.sql.exec(`UPDATE tokens SET last_used_at = ? WHERE name = ?`, now.toISOString(), row.name);
    }
    return {
      status: "valid",
      principal: { name: row.name, role: row.role as Role, stacks: JSON.parse(row.stacks) as string[], expiresAt: row.expires_at },
    };
  }
}
