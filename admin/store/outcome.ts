/**
 * @module admin/store/outcome
 * What a ConfigStore RPC call returns: a value or a refusal, and always the config version
 * (the admin API's ETag). Errors travel as data because an exception crossing RPC loses its
 * code; the admin app turns a refusal back into a WeirError.
 */
import type { ErrorCode } from "../../core/errors.ts";
import type { DownOrigin } from "../../core/health.ts";
import type { ServiceConfig } from "../../core/model.ts";
import type { DomainBinding } from "../../core/route-record.ts";

export type Outcome<T> =
  | { ok: true; value: T; configVersion: number }
  | { ok: false; error: { code: ErrorCode; message: string; details?: Record<string, unknown> }; configVersion: number };

/** `*`, or the config versions an `If-Match` header lists. */
export type IfMatch = "*" | number[];

export interface WriteContext {
  /** token name; `root` for ADMIN_TOKEN */
  actor: string;
  /** the client IP of the request (CF-Connecting-IP), recorded in history; none for the store's own steps */
  ip?: string | null;
  ifMatch?: IfMatch;
  /** the stacks the caller may see (a scoped token's); absent: every stack. A refusal names no service outside them. */
  scope?: readonly string[];
  /** false when the caller may not bind or unbind custom domains (below admin): a rollback must not change them */
  domains?: false;
}

/** A service as the admin API reads it: config, weights counted from the slot table. */
export interface StoredService {
  service: ServiceConfig;
  /** slots held per version (bp), from the slot table */
  slots: Record<string, number>;
  /** the last config version that changed this service */
  configVersion: number;
  domains: DomainBinding[];
  /** origins health checks mark down now, as the edge sees them (DESIGN §13) */
  down: DownOrigin[];
}

/** A service's state in history, without the slot table bytes. */
export interface HistoryState {
  service: ServiceConfig;
  slots: Record<string, number>;
  domains: DomainBinding[];
  /** ids in `slot_tables` of the slot tables of the rules that split (DESIGN §10), by rule name */
  ruleTables?: Record<string, number>;
}

export interface HistoryEntry {
  configVersion: number;
  at: string;
  actor: string;
  /** the client IP of the change's request, or null (a rollout step, or no CF-Connecting-IP) */
  ip: string | null;
  operation: string;
  summary: string;
  service: string;
  before: HistoryState | null;
  after: HistoryState | null;
}

/** History entries beyond HISTORY_KEEP that were deleted, counted per service. */
export interface PrunedHistory {
  /** entries pruned in all (of the filtered service, with a filter) */
  entries: number;
  services: {
    service: string;
    entries: number;
    /** config versions of the oldest and the newest pruned entry of the service */
    firstConfigVersion: number;
    lastConfigVersion: number;
    lastAt: string;
  }[];
}

/** `GET /v1/history`: the latest entries, and what is no longer kept. */
export interface HistoryPage {
  entries: HistoryEntry[];
  pruned: PrunedHistory;
}

/** What the stats route reports on: a service's versions, or those a removed one had. */
export interface StatsSubject {
  /** the primary first */
  versions: string[];
  /** set when the service no longer exists: the change that removed it */
  removed?: { configVersion: number; at: string };
}

export interface ServiceChangeSummary {
  service: string;
  action: "create" | "update" | "delete";
  changes: string[];
}

export interface ApplyResult {
  stack: string;
  dryRun: boolean;
  /** false when the file matched the stored config: no new config version */
  changed: boolean;
  services: ServiceChangeSummary[];
}

export interface DomainView {
  host: string;
  service: string;
  version?: string;
}
