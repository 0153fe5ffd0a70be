/**
 * @module admin/store/health-checker
 * The HealthChecker Durable Object (DESIGN §13): one per service with health settings,
 * named `stack/name`, driven by its own alarm. The ConfigStore hands it its spec (every
 * revision that has `health`, with its origins) after each committed change to them; each
 * alarm checks the revisions whose interval is due, every origin in parallel (at most
 * PROBE_CONCURRENCY at once), each bounded by its timeout: `GET <origin><path>` with
 * `Via: 1.1 weir` and `User-Agent: weir-health/1`, redirects not followed, 2xx or 3xx passes.
 * Per origin it keeps state, consecutive counts, last check and last error (SQLite); only
 * transitions in which origins are down are reported to the ConfigStore, which publishes
 * them to the edge. Told that the service or its health settings are gone, it deletes its
 * alarm and all its storage.
 */
import { DurableObject } from "cloudflare:workers";
import {
  afterCheck,
  freshOrigin,
  healthTiming,
  passingStatus,
  sameDown,
  type DownOrigin,
  type HealthConfig,
  type HealthSpec,
  type OriginHealth,
  type OriginState,
} from "../../core/health.ts";
import type { CheckedOrigin } from "../../core/health-view.ts";
import type { Env } from "../../worker/env.ts";
import { configStore } from "./client.ts";

/** Sent with every check, so an origin's logs say who asked. */
export const HEALTH_USER_AGENT = "weir-health/1";
/** How long the ConfigStore may take to take a report. */
const REPORT_TIMEOUT_MS = 10_000;
/** Checks in flight at once per checker (a Worker has six connections at a time). */
const PROBE_CONCURRENCY = 6;

const SCHEMA = [
  // the one spec this checker runs, and the generation (config version) that set it
  `CREATE TABLE IF NOT EXISTS spec (k INTEGER PRIMARY KEY CHECK (k = 1), generation INTEGER NOT NULL, service TEXT NOT NULL, spec TEXT NOT NULL)`,
  // one row per checked origin; health: the settings it is checked with (JSON), reset when they change
  `CREATE TABLE IF NOT EXISTS origins (
     version TEXT NOT NULL, origin TEXT NOT NULL, health TEXT NOT NULL, state TEXT NOT NULL,
     successes INTEGER NOT NULL, failures INTEGER NOT NULL, last_check INTEGER, last_error TEXT,
     PRIMARY KEY (version, origin))`,
  // when each revision's next round of checks is due (ms)
  `CREATE TABLE IF NOT EXISTS due (version TEXT PRIMARY KEY, at INTEGER NOT NULL, interval_ms INTEGER NOT NULL)`,
  // what the ConfigStore last accepted (down JSON), the sequence of reports, and whether one is owed
  `CREATE TABLE IF NOT EXISTS report (k INTEGER PRIMARY KEY CHECK (k = 1), seq INTEGER NOT NULL, down TEXT NOT NULL, pending INTEGER NOT NULL)`,
];

/** What the checker tells about itself (GET …/health, tests). */
export interface CheckerStatus {
  service: string | null;
  generation: number | null;
  origins: CheckedOrigin[];
}

/** What the ConfigStore answers a report with. */
export interface ReportAnswer {
  /** the service or its health settings are gone: stop checking */
  stop: boolean;
}

/** A report of the origins a checker finds down, for the ConfigStore. */
export interface HealthReport {
  service: string;
  /** the spec generation the checker ran */
  generation: number;
  /** increases with each report of that checker */
  seq: number;
  down: DownOrigin[];
}

interface OriginRow extends Record<string, SqlStorageValue> {
  version: string;
  origin: string;
  health: string;
  state: string;
  successes: number;
  failures: number;
  last_check: number | null;
  last_error: string | null;
}

function healthKey(h: HealthConfig): string {
  return JSON.stringify([h.path, h.interval, h.timeout, h.healthyThreshold, h.unhealthyThreshold]);
}

function rowHealth(row: OriginRow): OriginHealth {
  return {
    state: row.state as OriginState,
    consecutiveSuccesses: row.successes,
    consecutiveFailures: row.failures,
    lastCheck: row.last_check,
    lastError: row.last_error,
  };
}

/** One check: null when it passed, else why it failed (shown as lastError). */
export async function probe(origin: string, path: string, timeoutMs: number): Promise<string | null> {
  const url = (origin.endsWith("/") ? origin.slice(0, -1) : origin) + path;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    const response = await fetch(url, {
      method: "GET",
      headers: { via: "1.1 weir", "user-agent": HEALTH_USER_AGENT },
      redirect: "manual",
      signal: controller.signal,
    });
    await response.body?.cancel().catch(() => undefined);
    if (passingStatus(response.status)) return null;
    return `answered ${response.status}${response.statusText ? ` ${response.statusText.slice(0, 64)}` : ""}`;
  } catch (error) {
    if (controller.signal.aborted) return `no answer within ${timeoutMs} ms`;
    return `cannot connect: ${String(error instanceof Error ? error.message : error).slice(0, 200)}`;
  } finally {
    clearTimeout(timer);
  }
}

/** Runs `tasks` with at most `limit` in flight. */
async function pooled<T>(tasks: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results = new Array<T>(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return results;
}

export class HealthChecker extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  /** the tables exist (deleteAll drops them): false after `stop`, also in a round that was in flight then */
  private ready = false;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
  }

  private schema(): void {
    if (this.ready) return;
    for (const statement of SCHEMA) this.sql.exec(statement);
    this.ready = true;
  }

  private current(): { generation: number; spec: HealthSpec } | null {
    this.schema();
    const row = this.sql.exec<{ generation: number; spec: string }>(`SELECT generation, spec FROM spec`).toArray()[0];
    return row ? { generation: row.generation, spec: JSON.parse(row.spec) as HealthSpec } : null;
  }

  /**
   * From the ConfigStore: the checks to run, or null to stop. A spec older than the one
   * held is ignored (deliveries are ordered, but a retry may arrive late). Origins whose
   * settings are unchanged keep their state; new ones start unknown and are checked at once.
   */
  async configure(spec: HealthSpec | null, generation: number): Promise<{ applied: boolean }> {
    const held = this.current();
    if (held !== null && generation < held.generation) return { applied: false };
    if (spec === null) {
      await this.stop();
      return { applied: true };
    }
    const now = Date.now();
    this.ctx.storage.transactionSync(() => {
      const wanted = new Map<string, string>();
      for (const r of spec.revisions) for (const o of r.origins) wanted.set(`${r.version}\n${o}`, healthKey(r.health));
      for (const row of this.sql.exec<OriginRow>(`SELECT version, origin, health FROM origins`).toArray()) {
        if (wanted.get(`${row.version}\n${row.origin}`) !== row.health) this.sql.exec(`DELETE FROM origins WHERE version = ? AND origin = ?`, row.version, row.origin);
      }
      const dues = new Map(
        this.sql.exec<{ version: string; interval_ms: number }>(`SELECT version, interval_ms FROM due`).toArray().map((d) => [d.version, d.interval_ms]),
      );
      const versions = new Set(spec.revisions.map((r) => r.version));
      for (const version of dues.keys()) if (!versions.has(version)) this.sql.exec(`DELETE FROM due WHERE version = ?`, version);
      for (const r of spec.revisions) {
        const fresh = freshOrigin();
        let added = false;
        for (const o of r.origins) {
          const inserted = this.sql.exec(
            `INSERT INTO origins (version, origin, health, state, successes, failures, last_check, last_error)
             VALUES (?, ?, ?, ?, 0, 0, NULL, NULL) ON CONFLICT (version, origin) DO NOTHING`,
            r.version,
            o,
            healthKey(r.health),
            fresh.state,
          ).rowsWritten;
          if (inserted > 0) added = true;
        }
        const { intervalMs } = healthTiming(r.health);
        // A revision with new origins or new settings is checked now; the others keep their rhythm.
        if (added || dues.get(r.version) !== intervalMs) {
          this.sql.exec(
            `INSERT INTO due (version, at, interval_ms) VALUES (?, ?, ?) ON CONFLICT (version) DO UPDATE SET at = excluded.at, interval_ms = excluded.interval_ms`,
            r.version,
            now,
            intervalMs,
          );
        }
      }
      this.sql.exec(
        `INSERT INTO spec (k, generation, service, spec) VALUES (1, ?, ?, ?)
         ON CONFLICT (k) DO UPDATE SET generation = excluded.generation, service = excluded.service, spec = excluded.spec`,
        generation,
        spec.service,
        JSON.stringify(spec),
      );
      // A new generation is always reported, so the ConfigStore hears this checker's view of it.
      this.sql.exec(
        `INSERT INTO report (k, seq, down, pending) VALUES (1, 0, '[]', 1) ON CONFLICT (k) DO UPDATE SET pending = 1`,
      );
    });
    await this.arm();
    return { applied: true };
  }

  /** Per-origin state, for GET …/health. */
  status(): CheckerStatus {
    const held = this.current();
    const origins = this.sql
      .exec<OriginRow>(`SELECT * FROM origins ORDER BY version, origin`)
      .toArray()
      .map((row) => ({ version: row.version, origin: row.origin, ...rowHealth(row) }));
    return { service: held?.spec.service ?? null, generation: held?.generation ?? null, origins };
  }

  /** One round: the due revisions' origins are checked, transitions reported, the alarm re-armed. */
  override async alarm(): Promise<void> {
    const held = this.current();
    if (held === null) return; // stopped: no spec, no alarm
    const now = Date.now();
    // The alarm fired for the earliest round, so that one counts as due even if it came early (or was run by hand).
    const earliest = this.sql.exec<{ at: number | null }>(`SELECT MIN(at) AS at FROM due`).one().at ?? now;
    const due = this.sql
      .exec<{ version: string }>(`SELECT version FROM due WHERE at <= ?`, Math.max(now, earliest))
      .toArray()
      .map((d) => d.version);
    // Whatever happens to the checks, this round counts: the next one is an interval away.
    for (const r of held.spec.revisions) {
      if (due.includes(r.version)) this.sql.exec(`UPDATE due SET at = ? WHERE version = ?`, now + healthTiming(r.health).intervalMs, r.version);
    }
    const checks = held.spec.revisions
      .filter((r) => due.includes(r.version))
      .flatMap((r) => r.origins.map((origin) => ({ version: r.version, origin, health: r.health })));
    const results = await pooled(
      checks.map((c) => () => probe(c.origin, c.health.path, healthTiming(c.health).timeoutMs)),
      PROBE_CONCURRENCY,
    );
    // Stopped while the checks ran (the service or its settings were removed): the storage
    // is gone, and touching it would re-create the tables.
    if (!this.ready) return;
    const at = Date.now();
    this.ctx.storage.transactionSync(() => {
      checks.forEach((c, i) => {
        // The spec may have changed while the checks ran: only origins still checked the same way count.
        const row = this.sql
          .exec<OriginRow>(`SELECT * FROM origins WHERE version = ? AND origin = ? AND health = ?`, c.version, c.origin, healthKey(c.health))
          .toArray()[0];
        if (!row) return;
        const next = afterCheck(rowHealth(row), c.health, results[i], at);
        this.sql.exec(
          `UPDATE origins SET state = ?, successes = ?, failures = ?, last_check = ?, last_error = ? WHERE version = ? AND origin = ?`,
          next.state,
          next.consecutiveSuccesses,
          next.consecutiveFailures,
          next.lastCheck,
          next.lastError,
          c.version,
          c.origin,
        );
      });
    });
    await this.reportIfChanged();
    if (this.ready) await this.arm();
  }

  /** The origins this checker finds down now. */
  private down(): DownOrigin[] {
    return this.sql
      .exec<{ version: string; origin: string }>(`SELECT version, origin FROM origins WHERE state = 'down' ORDER BY version, origin`)
      .toArray()
      .map((r) => ({ version: r.version, origin: r.origin }));
  }

  /** Tells the ConfigStore which origins are down when that changed (or a report is owed); retried next round on failure. */
  private async reportIfChanged(): Promise<void> {
    const held = this.current();
    if (held === null) return;
    const report = this.sql.exec<{ seq: number; down: string; pending: number }>(`SELECT seq, down, pending FROM report`).toArray()[0] ?? {
      seq: 0,
      down: "[]",
      pending: 1,
    };
    const down = this.down();
    if (!report.pending && sameDown(down, JSON.parse(report.down) as DownOrigin[])) return;
    const seq = report.seq + 1;
    // The sequence is spent before the call, so a report that fails after the store took it is never reused.
    this.sql.exec(`INSERT INTO report (k, seq, down, pending) VALUES (1, ?, ?, 1) ON CONFLICT (k) DO UPDATE SET seq = excluded.seq, pending = 1`, seq, report.down);
    let answer: ReportAnswer;
    try {
      // A store that does not answer in time is retried next round; the round must end.
      let timer: number | null = null;
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${REPORT_TIMEOUT_MS} ms`)), REPORT_TIMEOUT_MS);
      });
      try {
        const report = configStore(this.env).reportHealth({ service: held.spec.service, generation: held.generation, seq, down });
        answer = await Promise.race([report, late]);
      } finally {
        clearTimeout(timer);
      }
    } catch (error) {
      console.warn(`health report of ${held.spec.service} failed, retrying next round:`, String(error));
      return;
    }
    if (answer.stop) {
      await this.stop();
      return;
    }
    // Only if not stopped and no newer spec arrived meanwhile (it owes a report of its own).
    if (this.ready && this.current()?.generation === held.generation) {
      this.sql.exec(`UPDATE report SET down = ?, pending = 0 WHERE seq = ?`, JSON.stringify(down), seq);
    }
  }

  /** Points the alarm at the next due round; none without a spec. */
  private async arm(): Promise<void> {
    if (this.current() === null) {
      await this.ctx.storage.deleteAlarm();
      return;
    }
    const next = this.sql.exec<{ at: number | null }>(`SELECT MIN(at) AS at FROM due`).one().at;
    if (next === null) await this.ctx.storage.deleteAlarm();
    else await this.ctx.storage.setAlarm(next);
  }

  /** The service or its health settings are gone: no alarm, no storage. */
  private async stop(): Promise<void> {
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    this.ready = false;
  }
}

/** The checker of one service. */
export function healthCheckerOf(ns: DurableObjectNamespace, service: string): DurableObjectStub<HealthChecker> {
  const checkers = ns as unknown as DurableObjectNamespace<HealthChecker>;
  return checkers.get(checkers.idFromName(service));
}
