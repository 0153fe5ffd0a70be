/**
 * @module admin/store/config-store
 * The ConfigStore Durable Object (DESIGN §7): one global instance, the single writer and
 * source of truth for services, revisions, slot tables, custom domains, the hostname
 * index and history. Every accepted change is one SQLite transaction that bumps the config
 * version, appends history (full before/after state, slot table included) and queues the
 * route records to publish; a refused change throws inside the transaction and leaves no
 * trace. The admin app calls the public methods over RPC; each returns an Outcome.
 */
import { DurableObject } from "cloudflare:workers";
import { isWeirError, WeirError } from "../../core/errors.ts";
import { customHostProblem, defaultAdminHost, isUnderDomain, normalizeHost } from "../../core/hostnames.ts";
import type { ServiceConfig, StackFile } from "../../core/model.ts";
import {
  addDomain,
  checkOrigins,
  hostnamesOf,
  newService,
  promote,
  reconcileService,
  removeDomain,
  removeRevision,
  setWeights,
  stageRevision,
  type ServedHosts,
  type ServiceState,
} from "../../core/operations.ts";
import { buildRouteRecords, routeKey, type DomainBinding } from "../../core/route-record.ts";
import { decodeSlotTable, slotCounts } from "../../core/slot-table.ts";
import { addRule, removeRule, setRules } from "../../core/rule-operations.ts";
import type { Rule } from "../../core/rule-schema.ts";
import { decodeRuleTables, encodeStateTables, sameStateTables, type EncodedStateTables } from "../../core/rule-tables.ts";
import { declaredService, describeChange, exportStackFile, sameRouting } from "../../core/stack-file.ts";
import type { Env } from "../../worker/env.ts";
import type {
  ApplyResult,
  DomainView,
  HistoryEntry,
  HistoryState,
  IfMatch,
  Outcome,
  ServiceChangeSummary,
  StoredService,
  WriteContext,
} from "./outcome.ts";
import { Outbox, retryDelayMs } from "./outbox.ts";
import { migrate } from "./schema.ts";
import { Timers, type TimerHandler } from "./timers.ts";
import { ROLLOUT_TIMER, Rollouts, type RolloutStart } from "./rollouts.ts";
import { statsStoreOf } from "./stats-store.ts";
import type { RolloutView } from "../../core/rollout.ts";

/** The name of the one global instance. */
export const CONFIG_STORE_NAME = "config";

/** A state as history stores it: summary and the encoded slot tables (rules' beside the service's), in separate columns. */
interface PersistedState {
  summary: HistoryState;
  slots: EncodedStateTables;
}

/** One service's part of an accepted change. */
interface Change {
  id: string;
  before: ServiceState | null;
  after: ServiceState | null;
  operation: string;
  summary: string;
}

interface Plan<T> {
  changes: Change[];
  /** the response value, computed after the changes are written */
  result: (configVersion: number) => T;
}

/** Thrown to roll back a dry run after it has been checked as a real write would be. */
class DryRun<T> {
  constructor(readonly value: T) {}
}

function persist(state: ServiceState): PersistedState {
  return {
    summary: { service: state.service, slots: Object.fromEntries(slotCounts(state.table)), domains: state.domains },
    slots: encodeStateTables(state.table, state.ruleTables),
  };
}

function restore(p: PersistedState): ServiceState {
  return { service: p.summary.service, table: decodeSlotTable(p.slots), domains: p.summary.domains, ruleTables: decodeRuleTables(p.slots.rules) };
}

function parseState(summary: string | null, slots: string | null): PersistedState | null {
  if (summary === null || slots === null) return null;
  return { summary: JSON.parse(summary) as HistoryState, slots: JSON.parse(slots) as EncodedStateTables };
}

function sameState(a: PersistedState, b: PersistedState): boolean {
  return (
    sameRouting(a.summary.service, b.summary.service) &&
    sameStateTables(a.slots, b.slots) &&
    JSON.stringify(a.summary.domains) === JSON.stringify(b.summary.domains)
  );
}

function matches(ifMatch: IfMatch | undefined, version: number): boolean {
  return ifMatch === undefined || ifMatch === "*" || ifMatch.includes(version);
}

export class ConfigStore extends DurableObject<Env> {
  /** The KV namespace route records are published to; tests swap it to inject failures. */
  routes: KVNamespace;
  protected readonly sql: SqlStorage;
  /** Named timers on the one alarm; timed rollouts schedule their steps here. */
  protected readonly timers: Timers;
  private readonly outbox: Outbox;
  /** Handlers of named timers, by prefix; timed rollouts add theirs here. */
  protected readonly timerHandlers: Record<string, TimerHandler>;
  /** timed rollouts (issue 6): their records, steps and analysis */
  private readonly rollouts: Rollouts;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    migrate(this.sql);
    this.routes = env.ROUTES;
    this.timers = new Timers(this.sql, ctx.storage);
    this.outbox = new Outbox(
      this.sql,
      () => this.routes,
      async (attempts, error) => {
        console.warn(`route publish failed (attempt ${attempts}), retrying from the alarm:`, String(error));
        await this.timers.schedule("outbox", Date.now() + retryDelayMs(attempts));
      },
      async () => {
        if (this.sql.exec(`SELECT 1 FROM timers WHERE name = 'outbox'`).toArray().length > 0) await this.timers.cancel("outbox");
      },
    );
    this.rollouts = new Rollouts({
      sql: this.sql,
      timers: this.timers,
      mutate: (w, plan) => this.mutate(w, plan),
      load: (id) => this.load(id),
      version: () => this.version(),
      stats: (service, from, to) => statsStoreOf(this.env, service).window(from, to),
      now: () => Date.now(),
    });
    this.timerHandlers = {
      outbox: async () => {
        await this.outbox.flush();
      },
      [ROLLOUT_TIMER]: (name) => this.rollouts.onTimer(name),
    };
  }

  /** The one alarm serves every named timer: outbox retries now, rollout steps later. */
  override async alarm(): Promise<void> {
    await this.timers.run(this.timerHandlers);
  }

  // ---- reads ----

  configVersion(): number {
    return this.version();
  }

  listServices(stack?: string): Outcome<StoredService[]> {
    const rows =
      stack === undefined
        ? this.sql.exec<{ id: string }>(`SELECT id FROM services ORDER BY stack, name`).toArray()
        : this.sql.exec<{ id: string }>(`SELECT id FROM services WHERE stack = ? ORDER BY name`, stack).toArray();
    return { ok: true, value: rows.map((r) => this.stored(r.id) as StoredService), configVersion: this.version() };
  }

  getService(stack: string, name: string): Outcome<StoredService> {
    return this.read(() => this.stored(this.existing(stack, name).id) as StoredService);
  }

  exportStack(stack: string): Outcome<StackFile> {
    return this.read(() => {
      const services = this.sql
        .exec<{ config: string }>(`SELECT config FROM services WHERE stack = ?`, stack)
        .toArray()
        .map((r) => JSON.parse(r.config) as ServiceConfig);
      if (services.length === 0) throw new WeirError("not_found", `no stack '${stack}'`);
      return exportStackFile(stack, services);
    });
  }

  history(filter: { service?: string; limit?: number } = {}): Outcome<HistoryEntry[]> {
    const limit = filter.limit ?? 100;
    const rows =
      filter.service === undefined
        ? this.sql.exec<HistoryRow>(`SELECT ${HISTORY_COLUMNS} FROM history ORDER BY id DESC LIMIT ?`, limit).toArray()
        : this.sql
            .exec<HistoryRow>(`SELECT ${HISTORY_COLUMNS} FROM history WHERE service = ? ORDER BY id DESC LIMIT ?`, filter.service, limit)
            .toArray();
    const view = (text: string | null): HistoryState | null => (text === null ? null : (JSON.parse(text) as HistoryState));
    const entries = rows.reverse().map((r) => ({
      configVersion: r.config_version,
      at: r.at,
      actor: r.actor,
      operation: r.operation,
      summary: r.summary,
      service: r.service,
      before: view(r.before),
      after: view(r.after),
    }));
    return { ok: true, value: entries, configVersion: this.version() };
  }

  listDomains(): Outcome<DomainView[]> {
    const rows = this.sql.exec<{ id: string; domains: string }>(`SELECT id, domains FROM services ORDER BY id`).toArray();
    const domains = rows
      .flatMap((r) => (JSON.parse(r.domains) as DomainBinding[]).map((d) => ({ ...d, service: r.id })))
      .map((d): DomainView => (d.version === undefined ? { host: d.host, service: d.service } : { host: d.host, service: d.service, version: d.version }))
      .sort((a, b) => (a.host < b.host ? -1 : a.host > b.host ? 1 : 0));
    return { ok: true, value: domains, configVersion: this.version() };
  }

  /** Route records waiting for KV (tests and operators). */
  pendingPublishes(): number {
    return this.outbox.pending();
  }

  // ---- writes ----

  createService(
    w: WriteContext,
    input: { name: string; origins: string[]; version: string; affinity: string; revisionHeader: boolean },
  ): Promise<Outcome<StoredService>> {
    return this.mutate(w, () => {
      const [stack, name] = input.name.split("/");
      const id = `${stack}/${name}`;
      if (this.load(id) !== null) throw new WeirError("conflict", `service ${id} already exists`);
      checkOrigins(input.origins, this.served());
      const after = newService({ ...input, stack, name }, this.now());
      return this.single(id, null, after, "run", `run ${id} (${after.service.version}) → ${input.origins.join(", ")}`);
    });
  }

  stageRevision(
    w: WriteContext,
    stack: string,
    name: string,
    input: { version: string; origins: string[]; weight: number },
  ): Promise<Outcome<StoredService>> {
    return this.mutate(w, () => {
      const { id, state } = this.existing(stack, name);
      checkOrigins(input.origins, this.served());
      const after = stageRevision(state, input, this.now());
      return this.single(id, state, after, "stage", `stage ${id}:${input.version} at ${input.weight / 100}%`);
    });
  }

  /** Weights in bp by staged version; all change atomically. */
  async setWeights(w: WriteContext, stack: string, name: string, weights: Record<string, number>, force?: boolean): Promise<Outcome<StoredService>> {
    return this.afterRollout(`${stack}/${name}`, this.mutate(w, () => {
      const { id, state } = this.existing(stack, name);
      this.rollouts.guard(id, force, w.actor);
      const after = setWeights(state, weights);
      const text = Object.entries(weights).map(([v, bp]) => `${v}=${bp / 100}%`).join(" ");
      return this.single(id, state, after, "weight", `weight ${id} ${text}`);
    }));
  }

  async promote(w: WriteContext, stack: string, name: string, version: string, force?: boolean): Promise<Outcome<StoredService>> {
    return this.afterRollout(`${stack}/${name}`, this.mutate(w, () => {
      const { id, state } = this.existing(stack, name);
      this.rollouts.guard(id, force, w.actor);
      const after = promote(state, version);
      return this.single(id, state, after, "promote", `promote ${id}:${version} (was ${state.service.version})`);
    }));
  }

  // ---- traffic rules (DESIGN §10; core/rule-operations.ts) ----

  /** Replaces the whole ordered rule list. */
  setRules(w: WriteContext, stack: string, name: string, rules: Rule[]): Promise<Outcome<StoredService>> {
    return this.mutate(w, () => {
      const { id, state } = this.existing(stack, name);
      const after = setRules(state, rules);
      return this.single(id, state, after, "rules", `rules ${id}: ${rules.length === 0 ? "none" : rules.map((r) => r.name).join(", ")}`);
    });
  }

  /** Adds one rule at the end, or before the rule named `before`. */
  addRule(w: WriteContext, stack: string, name: string, rule: Rule, before?: string): Promise<Outcome<StoredService>> {
    return this.mutate(w, () => {
      const { id, state } = this.existing(stack, name);
      const after = addRule(state, rule, before);
      return this.single(id, state, after, "route add", `route add ${id} ${rule.name}${before === undefined ? "" : ` before ${before}`}`);
    });
  }

  removeRule(w: WriteContext, stack: string, name: string, rule: string): Promise<Outcome<StoredService>> {
    return this.mutate(w, () => {
      const { id, state } = this.existing(stack, name);
      const after = removeRule(state, rule);
      return this.single(id, state, after, "route rm", `route rm ${id} ${rule}`);
    });
  }

  // ---- timed rollouts (issue 6; admin/store/rollouts.ts) ----

  startRollout(w: WriteContext, stack: string, name: string, input: RolloutStart): Promise<Outcome<RolloutView>> {
    return this.rollouts.start(w, stack, name, input);
  }

  rolloutStatus(stack: string, name: string): Outcome<RolloutView> {
    return this.rollouts.status(stack, name);
  }

  pauseRollout(stack: string, name: string): Promise<Outcome<RolloutView>> {
    return this.rollouts.pause(stack, name);
  }

  resumeRollout(stack: string, name: string): Promise<Outcome<RolloutView>> {
    return this.rollouts.resume(stack, name);
  }

  abortRollout(w: WriteContext, stack: string, name: string): Promise<Outcome<RolloutView>> {
    return this.rollouts.abort(w, stack, name);
  }

  /** After a write that may have ended a rollout (force, rm, rollback, apply): re-arm its timer. */
  private async afterRollout<T>(id: string, write: Promise<Outcome<T>>): Promise<Outcome<T>> {
    const outcome = await write;
    await this.rollouts.settle(id);
    return outcome;
  }

  removeRevision(w: WriteContext, stack: string, name: string, version: string): Promise<Outcome<StoredService>> {
    return this.mutate(w, () => {
      const { id, state } = this.existing(stack, name);
      const after = removeRevision(state, version);
      return this.single(id, state, after, "rm", `rm ${id}:${version}`);
    });
  }

  async removeService(w: WriteContext, stack: string, name: string): Promise<Outcome<{ service: string }>> {
    const id = `${stack}/${name}`;
    const outcome = await this.afterRollout(id, this.mutate(w, () => {
      const { state } = this.existing(stack, name);
      return {
        changes: [{ id, before: state, after: null, operation: "rm", summary: `rm ${id}` }],
        result: () => ({ service: id }),
      };
    }));
    // A service created later under the same name starts without the old edge statistics.
    if (outcome.ok) await statsStoreOf(this.env, id).clear().catch((error: unknown) => console.warn(`clearing stats of ${id} failed:`, String(error)));
    return outcome;
  }

  /**
   * Makes each service the file names exactly what it says, in one config version; with
   * `prune`, removes the stack's other services. An unchanged file changes nothing.
   */
  applyStack(
    w: WriteContext,
    stack: string,
    file: StackFile,
    options: { dryRun: boolean; prune: boolean },
  ): Promise<Outcome<ApplyResult>> {
    return this.mutate(
      w,
      () => {
        const changes: Change[] = [];
        const summaries: ServiceChangeSummary[] = [];
        const now = this.now();
        for (const [name, entry] of Object.entries(file.services)) {
          const id = `${stack}/${name}`;
          const current = this.load(id);
          const desired = declaredService(stack, name, entry, current?.service ?? null, now);
          if (current && sameRouting(current.service, desired)) continue;
          checkOrigins([...desired.origins, ...desired.revisions.flatMap((r) => r.origins)], this.served());
          const after = reconcileService(current, desired);
          const action = current ? "update" : "create";
          summaries.push({ service: id, action, changes: describeChange(current?.service ?? null, desired) });
          changes.push({ id, before: current, after, operation: "apply", summary: `apply ${stack}: ${action} ${id}` });
        }
        if (options.prune) {
          const named = new Set(Object.keys(file.services));
          const rows = this.sql.exec<{ id: string; name: string }>(`SELECT id, name FROM services WHERE stack = ? ORDER BY name`, stack).toArray();
          for (const row of rows) {
            if (named.has(row.name)) continue;
            const current = this.load(row.id) as ServiceState;
            summaries.push({ service: row.id, action: "delete", changes: describeChange(current.service, null) });
            changes.push({ id: row.id, before: current, after: null, operation: "apply", summary: `apply ${stack}: delete ${row.id}` });
          }
        }
        return {
          changes,
          result: () => ({ stack, dryRun: options.dryRun, changed: changes.length > 0, services: summaries }),
        };
      },
      options.dryRun,
    );
  }

  /**
   * Restores a service as it was before its last change, or as it stood at config version
   * `to`; the slot table comes back byte for byte, so every key returns to its revision.
   */
  rollback(w: WriteContext, stack: string, name: string, to?: number): Promise<Outcome<StoredService>> {
    return this.mutate(w, () => {
      const id = `${stack}/${name}`;
      const current = this.load(id);
      let target: PersistedState | null;
      let label: string;
      if (to === undefined) {
        const last = this.sql
          .exec<{ config_version: number; before: string | null; before_slots: string | null }>(
            `SELECT config_version, before, before_slots FROM history WHERE service = ? ORDER BY id DESC LIMIT 1`,
            id,
          )
          .toArray()[0];
        if (!last) {
          if (!current) throw new WeirError("not_found", `no service ${id}`);
          throw new WeirError("invalid", `${id} has no history to roll back`);
        }
        target = parseState(last.before, last.before_slots);
        if (target === null) throw new WeirError("invalid", `${id} did not exist before config version ${last.config_version}; nothing to roll back to`);
        label = `before config version ${last.config_version}`;
      } else {
        const known = this.sql.exec(`SELECT 1 FROM history WHERE service = ? LIMIT 1`, id).toArray().length > 0;
        if (!known && !current) throw new WeirError("not_found", `no service ${id}`);
        if (to > this.version()) throw new WeirError("invalid", `config version ${to} does not exist yet (current: ${this.version()})`);
        const at = this.sql
          .exec<{ after: string | null; after_slots: string | null }>(
            `SELECT after, after_slots FROM history WHERE service = ? AND config_version <= ? ORDER BY id DESC LIMIT 1`,
            id,
            to,
          )
          .toArray()[0];
        target = at ? parseState(at.after, at.after_slots) : null;
        if (target === null) throw new WeirError("invalid", `${id} did not exist at config version ${to}`);
        label = `config version ${to}`;
      }
      const restored = target;
      if (current && sameState(persist(current), restored)) {
        return { changes: [], result: () => this.stored(id) as StoredService };
      }
      const after = restore(restored);
      checkOrigins([...after.service.origins, ...after.service.revisions.flatMap((r) => r.origins)], this.served());
      return this.single(id, current, after, "rollback", `rollback ${id} to ${label}`);
    });
  }

  addDomain(w: WriteContext, hostText: string, target: string): Promise<Outcome<DomainView>> {
    return this.mutate(w, () => {
      const problem = customHostProblem(hostText);
      if (problem) throw new WeirError("invalid", problem);
      const host = normalizeHost(hostText);
      const served = this.served();
      if (isUnderDomain(host, served.baseDomain) || host === normalizeHost(served.adminHost)) {
        throw new WeirError("invalid", `'${host}' is under the base domain ${served.baseDomain} or is the admin host; Weir names those itself`);
      }
      const [ref, version] = target.split(":");
      const [stack, name] = ref.split("/");
      const id = `${stack}/${name}`;
      const state = this.load(id);
      if (!state) throw new WeirError("invalid", `no service ${id}`);
      const user = this.sql
        .exec<{ id: string; config: string }>(`SELECT id, config FROM services`)
        .toArray()
        .find((r) => {
          const c = JSON.parse(r.config) as ServiceConfig;
          return [...c.origins, ...c.revisions.flatMap((x) => x.origins)].some((o) => normalizeHost(new URL(o).host) === host);
        });
      if (user) throw new WeirError("invalid", `'${host}' is an origin of ${user.id}; binding it would make Weir route to itself`);
      const after = addDomain(state, version === undefined ? { host } : { host, version });
      return {
        ...this.single(id, state, after, "domain add", `domain add ${host} → ${target}`),
        result: () => (version === undefined ? { host, service: id } : { host, service: id, version }),
      };
    });
  }

  removeDomain(w: WriteContext, hostText: string): Promise<Outcome<DomainView>> {
    return this.mutate(w, () => {
      const host = normalizeHost(hostText);
      const row = this.sql.exec<{ service: string }>(`SELECT service FROM hostnames WHERE host = ? AND kind = 'domain'`, host).toArray()[0];
      if (!row) throw new WeirError("not_found", `no custom domain '${host}'`);
      const state = this.load(row.service) as ServiceState;
      const binding = state.domains.find((d) => d.host === host) as DomainBinding;
      const after = removeDomain(state, host);
      const view: DomainView = binding.version === undefined ? { host, service: row.service } : { host, service: row.service, version: binding.version };
      return { ...this.single(row.service, state, after, "domain rm", `domain rm ${host}`), result: () => view };
    });
  }

  // ---- the write path ----

  /**
   * Runs `plan` and writes its changes in one transaction: If-Match checked against the
   * current config version, the version bumped once, history and outbox appended. A
   * WeirError anywhere rolls everything back and becomes the refusal. After the commit
   * the outbox is flushed (awaited, so a writer's KV sees its write when KV is healthy).
   */
  protected async mutate<T>(w: WriteContext, plan: () => Plan<T>, dryRun = false): Promise<Outcome<T>> {
    let outcome: Outcome<T>;
    let changed = false;
    try {
      outcome = this.ctx.storage.transactionSync((): Outcome<T> => {
        const current = this.version();
        if (!matches(w.ifMatch, current)) {
          throw new WeirError("precondition_failed", `If-Match does not match the current config version "${current}"`, {
            details: { configVersion: current },
          });
        }
        const { changes, result } = plan();
        if (changes.length === 0) return { ok: true, value: result(current), configVersion: current };
        const next = current + 1;
        this.sql.exec(`INSERT INTO meta (key, value) VALUES ('config_version', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, next);
        const at = this.now();
        for (const change of changes) this.commit(next, at, w.actor, change);
        const value = result(next);
        if (dryRun) throw new DryRun(value);
        changed = true;
        return { ok: true, value, configVersion: next };
      });
    } catch (error) {
      if (error instanceof DryRun) return { ok: true, value: error.value as T, configVersion: this.version() };
      if (isWeirError(error)) {
        const body = error.toBody().error;
        return {
          ok: false,
          error: { code: body.code, message: body.message, ...(body.details === undefined ? {} : { details: body.details as Record<string, unknown> }) },
          configVersion: this.version(),
        };
      }
      throw error;
    }
    if (changed) await this.outbox.flush();
    return outcome;
  }

  /** Writes one service's change: hostname index (409 on a taken name), row, history, outbox. */
  private commit(configVersion: number, at: string, actor: string, change: Change): void {
    const base = this.env.BASE_DOMAIN;
    const { id, before, after } = change;
    this.rollouts.onChange(id, change.operation, actor, after === null);
    const afterHosts = after ? hostnamesOf(after, base) : new Map<string, { kind: string; what: string }>();
    for (const [host, mine] of afterHosts) {
      const held = this.sql.exec<{ service: string; what: string }>(`SELECT service, what FROM hostnames WHERE host = ?`, host).toArray()[0];
      if (held && held.service !== id) {
        throw new WeirError("conflict", `hostname '${host}' (${mine.what}) is already ${held.what}`, { details: { host } });
      }
    }
    this.sql.exec(`DELETE FROM hostnames WHERE service = ?`, id);
    for (const [host, { kind, what }] of afterHosts) {
      this.sql.exec(`INSERT INTO hostnames (host, service, kind, what) VALUES (?, ?, ?, ?)`, host, id, kind, what);
    }

    const beforeState = before ? persist(before) : null;
    const afterState = after ? persist(after) : null;
    if (after && afterState) {
      this.sql.exec(
        `INSERT INTO services (id, stack, name, config, slots, counts, domains, config_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET config = excluded.config, slots = excluded.slots, counts = excluded.counts,
           domains = excluded.domains, config_version = excluded.config_version`,
        id,
        after.service.stack,
        after.service.name,
        JSON.stringify(after.service),
        JSON.stringify(afterState.slots),
        JSON.stringify(afterState.summary.slots),
        JSON.stringify(after.domains),
        configVersion,
      );
    } else {
      this.sql.exec(`DELETE FROM services WHERE id = ?`, id);
    }

    this.sql.exec(
      `INSERT INTO history (config_version, at, actor, operation, summary, service, before, before_slots, after, after_slots)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      configVersion,
      at,
      actor,
      change.operation,
      change.summary,
      id,
      beforeState ? JSON.stringify(beforeState.summary) : null,
      beforeState ? JSON.stringify(beforeState.slots) : null,
      afterState ? JSON.stringify(afterState.summary) : null,
      afterState ? JSON.stringify(afterState.slots) : null,
    );

    const records = after ? buildRouteRecords(after.service, after.table, configVersion, base, after.domains, after.ruleTables) : new Map();
    for (const [host, record] of records) this.outbox.enqueue(configVersion, routeKey(host), record);
    const gone = new Set([...(before ? hostnamesOf(before, base).keys() : []), ...afterHosts.keys()]);
    for (const host of gone) if (!records.has(host)) this.outbox.enqueue(configVersion, routeKey(host), null);
  }

  private single(id: string, before: ServiceState | null, after: ServiceState, operation: string, summary: string): Plan<StoredService> {
    return { changes: [{ id, before, after, operation, summary }], result: () => this.stored(id) as StoredService };
  }

  // ---- state access ----

  private version(): number {
    const row = this.sql.exec<{ value: number }>(`SELECT value FROM meta WHERE key = 'config_version'`).toArray()[0];
    return row?.value ?? 0;
  }

  private now(): string {
    return new Date().toISOString();
  }

  private read<T>(fn: () => T): Outcome<T> {
    try {
      return { ok: true, value: fn(), configVersion: this.version() };
    } catch (error) {
      if (!isWeirError(error)) throw error;
      return { ok: false, error: { code: error.code, message: error.message }, configVersion: this.version() };
    }
  }

  private load(id: string): ServiceState | null {
    const row = this.sql
      .exec<{ config: string; slots: string; domains: string }>(`SELECT config, slots, domains FROM services WHERE id = ?`, id)
      .toArray()[0];
    if (!row) return null;
    const slots = JSON.parse(row.slots) as EncodedStateTables;
    return {
      service: JSON.parse(row.config) as ServiceConfig,
      table: decodeSlotTable(slots),
      domains: JSON.parse(row.domains) as DomainBinding[],
      ruleTables: decodeRuleTables(slots.rules),
    };
  }

  private existing(stack: string, name: string): { id: string; state: ServiceState } {
    const id = `${stack}/${name}`;
    const state = this.load(id);
    if (!state) throw new WeirError("not_found", `no service ${id}`);
    return { id, state };
  }

  private stored(id: string): StoredService | null {
    const row = this.sql
      .exec<{ config: string; counts: string; domains: string; config_version: number }>(
        `SELECT config, counts, domains, config_version FROM services WHERE id = ?`,
        id,
      )
      .toArray()[0];
    if (!row) return null;
    const service = JSON.parse(row.config) as ServiceConfig;
    return {
      service,
      slots: JSON.parse(row.counts) as Record<string, number>,
      configVersion: row.config_version,
      domains: JSON.parse(row.domains) as DomainBinding[],
    };
  }

  /** Hostnames an origin must not point at. */
  private served(): ServedHosts {
    const domains = this.sql
      .exec<{ host: string }>(`SELECT host FROM hostnames WHERE kind = 'domain'`)
      .toArray()
      .map((r) => r.host);
    return {
      baseDomain: this.env.BASE_DOMAIN,
      adminHost: this.env.ADMIN_HOST || defaultAdminHost(this.env.BASE_DOMAIN),
      domains,
    };
  }
}

/** History columns without the slot tables: listing history never decodes them. */
const HISTORY_COLUMNS = "config_version, at, actor, operation, summary, service, before, after";

interface HistoryRow extends Record<string, SqlStorageValue> {
  config_version: number;
  at: string;
  actor: string;
  operation: string;
  summary: string;
  service: string;
  before: string | null;
  after: string | null;
}

