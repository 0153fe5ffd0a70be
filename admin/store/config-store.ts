/**
 * @module admin/store/config-store
 * The ConfigStore Durable Object (DESIGN §7): one global instance, the single writer and
 * source of truth for services, revisions, slot tables, custom domains, the hostname
 * index and history. This class is the RPC edge: it wires the store's parts together and
 * each public method delegates to one of them, turning a WeirError into an Outcome
 * (errors cross RPC as data). The parts, one concern each:
 *
 * - service-table.ts: the `services` and `hostnames` rows and the config version
 * - reads.ts: ps, inspect, export, what the stats route reports on
 * - service-writes.ts: run, stage, weight, promote, rm (plans over core/operations.ts)
 * - apply.ts: stack files; domains.ts: custom domains; rollback.ts: rollback
 * - write-path.ts: one transaction per write (If-Match, version, history, outbox)
 * - history.ts, slot-tables.ts: history (HISTORY_KEEP entries), each slot table stored once
 * - publishing.ts: route records → outbox → KV; schema.ts: tables and migrations
 * - rollouts.ts, timers.ts: timed rollouts and the named timers on the one alarm
 * - health.ts: origin health, both ways with the HealthChecker of each service (specs out,
 *   down origins in, republished without a config version)
 * - tokens.ts: API tokens (not config: no config version, no history)
 *
 * A new concern gets its own part: its tables in schema.ts, a class built in the
 * constructor, thin RPC methods here (and in client.ts). A change to routing config goes
 * through the write path as a plan (so it gets a config version, history and rollback);
 * state that reaches the edge without a config version (origin health) queues its records
 * through publishing.ts in its own transaction; periodic work is a named timer.
 */
import { DurableObject } from "cloudflare:workers";
import { isWeirError } from "../../core/errors.ts";
import type { StackFile } from "../../core/model.ts";
import type { Rule } from "../../core/rule-schema.ts";
import type { RolloutView } from "../../core/rollout.ts";
import type { Env } from "../../worker/env.ts";
import { applyPlan } from "./apply.ts";
import { Domains } from "./domains.ts";
import { DELIVERY_TIMEOUT_MS, HEALTH_TIMER, OriginHealth } from "./health.ts";
import type { HealthReport, ReportAnswer } from "./health-checker.ts";
import { History, historyKeep } from "./history.ts";
import { migrateHistoryV1 } from "./history-migration.ts";
import type { ApplyResult, DomainView, HistoryPage, Outcome, StatsSubject, StoredService, WriteContext } from "./outcome.ts";
import { OUTBOX_TIMER, Publisher } from "./publishing.ts";
import { Reads } from "./reads.ts";
import { rollbackPlan } from "./rollback.ts";
import { ROLLOUT_TIMER, Rollouts, type RolloutStart } from "./rollouts.ts";
import { migrate } from "./schema.ts";
import { ServiceTable } from "./service-table.ts";
import { ServiceWrites, type CreateServiceInput, type StageInput } from "./service-writes.ts";
import { SlotTables } from "./slot-tables.ts";
import { statsStoreOf } from "./stats-store.ts";
import { Timers, type TimerHandler } from "./timers.ts";
import { Tokens, type NewToken, type TokenCheck } from "./tokens.ts";
import type { TokenView } from "../../core/token.ts";
import { WritePath, type Change, type Plan } from "./write-path.ts";

/** The name of the one global instance. */
export const CONFIG_STORE_NAME = "config";

export class ConfigStore extends DurableObject<Env> {
  /** The KV namespace route records are published to; tests swap it to inject failures. */
  routes: KVNamespace;
  /** History entries kept (HISTORY_KEEP, default 1,000); tests lower it. */
  historyKeep: number;
  /** The HealthChecker namespace specs are delivered to; tests swap it to inject failures. */
  checkers: DurableObjectNamespace;
  /** How long a checker may take to accept its spec (DELIVERY_TIMEOUT_MS); tests shorten it. */
  healthDeliveryTimeoutMs = DELIVERY_TIMEOUT_MS;
  /** The store's clock (rollout holds judge time by it); tests move it forward. */
  clock: () => number = () => Date.now();
  protected readonly sql: SqlStorage;
  /** Named timers on the one alarm; timed rollouts schedule their steps here. */
  protected readonly timers: Timers;
  /** Handlers of named timers, by prefix; timed rollouts add theirs here. */
  protected readonly timerHandlers: Record<string, TimerHandler>;
  private readonly services: ServiceTable;
  private readonly historyStore: History;
  private readonly slotTables: SlotTables;
  private readonly publisher: Publisher;
  private readonly writes: WritePath;
  private readonly reads: Reads;
  private readonly serviceWrites: ServiceWrites;
  private readonly domains: Domains;
  /** API tokens (DESIGN §11) */
  private readonly tokens: Tokens;
  /** timed rollouts (issue 6): their records, steps and analysis */
  private readonly rollouts: Rollouts;
  /** origin health (DESIGN §13): checker specs out, down origins in */
  private readonly health: OriginHealth;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.routes = env.ROUTES;
    this.checkers = env.HEALTH_CHECKER;
    this.historyKeep = historyKeep(env.HISTORY_KEEP);
    this.slotTables = new SlotTables(this.sql);
    ctx.storage.transactionSync(() => migrate(this.sql, () => migrateHistoryV1(this.sql, this.slotTables, this.historyKeep)));
    this.timers = new Timers(this.sql, ctx.storage);
    this.services = new ServiceTable(this.sql, env);
    this.historyStore = new History(this.sql, this.slotTables);
    this.publisher = new Publisher(this.sql, this.timers, () => this.routes, env.BASE_DOMAIN, (id) => this.health.down(id));
    this.health = new OriginHealth({
      sql: this.sql,
      storage: ctx.storage,
      timers: this.timers,
      services: this.services,
      publisher: this.publisher,
      checkers: () => this.checkers,
      deliveryTimeoutMs: () => this.healthDeliveryTimeoutMs,
    });
    this.rollouts = new Rollouts({
      sql: this.sql,
      timers: this.timers,
      mutate: (w, plan) => this.write(w, plan),
      load: (id) => this.services.load(id),
      version: () => this.services.version(),
      stats: (service, from, to) => statsStoreOf(this.env, service).window(from, to),
      now: () => this.clock(),
      unhealthy: (id) => this.health.unhealthy(id),
    });
    this.writes = new WritePath({
      storage: ctx.storage,
      services: this.services,
      history: this.historyStore,
      publisher: this.publisher,
      baseDomain: env.BASE_DOMAIN,
      keep: () => this.historyKeep,
      onChange: (change, actor) => {
        this.rollouts.onChange(change.id, change.operation, actor, change.after === null);
        this.health.onChange(change);
      },
      onCommitted: (changes) => this.clearReusedStats(changes),
      // Checkers learn their new spec once the records are out; the "health" timer covers an eviction before this.
      onPublished: async () => {
        if (this.health.pendingDeliveries() > 0) await this.health.deliver();
      },
    });
    this.reads = new Reads(this.services, this.historyStore);
    this.serviceWrites = new ServiceWrites(this.services, this.rollouts);
    this.domains = new Domains(this.services);
    this.tokens = new Tokens(this.sql);
    this.publisher.drainSoon();
    this.timerHandlers = {
      [OUTBOX_TIMER]: () => this.publisher.onTimer(),
      [ROLLOUT_TIMER]: (name) => this.rollouts.onTimer(name),
      [HEALTH_TIMER]: () => this.health.onTimer(),
    };
  }

  /** The one alarm serves every named timer: outbox retries and rollout steps. */
  override async alarm(): Promise<void> {
    await this.timers.run(this.timerHandlers);
  }

  // ---- reads ----

  configVersion(): number {
    return this.services.version();
  }

  listServices(stack?: string): Outcome<StoredService[]> {
    return this.answer(() => this.reads.listServices(stack));
  }

  getService(stack: string, name: string): Outcome<StoredService> {
    return this.answer(() => this.reads.getService(stack, name));
  }

  /** The versions the stats route reports on, a removed service's included. */
  statsSubject(stack: string, name: string): Outcome<StatsSubject> {
    return this.answer(() => this.reads.statsSubject(stack, name));
  }

  exportStack(stack: string): Outcome<StackFile> {
    return this.answer(() => this.reads.exportStack(stack));
  }

  /** The latest entries, and what HISTORY_KEEP pruned. */
  /** The latest entries (of a token's stacks, when given), and what HISTORY_KEEP pruned. */
  history(filter: { service?: string; limit?: number; stacks?: string[] } = {}): Outcome<HistoryPage> {
    return this.answer(() => ({ entries: this.historyStore.list(filter), pruned: this.historyStore.pruned(filter.service, filter.stacks) }));
  }

  listDomains(): Outcome<DomainView[]> {
    return this.answer(() => this.domains.list());
  }

  /** Route records waiting for KV (tests and operators). */
  pendingPublishes(): number {
    return this.publisher.pending();
  }

  // ---- origin health (DESIGN §13; admin/store/health.ts) ----

  /**
   * From a HealthChecker: the origins it finds down. A change republishes the service's
   * records (same config version, no history entry); `stop` tells a checker whose service
   * or health settings are gone to stop.
   */
  async reportHealth(report: HealthReport): Promise<ReportAnswer> {
    const { stop, queued } = this.health.report(report);
    if (queued) await this.publisher.flush();
    return { stop };
  }

  /** Health-check specs not yet delivered to their checkers (tests and operators). */
  pendingHealthDeliveries(): number {
    return this.health.pendingDeliveries();
  }

  // ---- API tokens (admin/store/tokens.ts) ----

  createToken(token: NewToken, digest: ArrayBuffer): Outcome<TokenView> {
    return this.answer(() => this.tokens.create(token, digest));
  }

  listTokens(): Outcome<TokenView[]> {
    return this.answer(() => this.tokens.list());
  }

  removeToken(name: string): Outcome<TokenView> {
    return this.answer(() => this.tokens.remove(name));
  }

  /** Every request with an API token asks here: no cache, so a revocation holds at once. */
  checkToken(digest: ArrayBuffer): TokenCheck {
    return this.tokens.check(digest, new Date());
  }

  // ---- service writes ----

  createService(w: WriteContext, input: CreateServiceInput): Promise<Outcome<StoredService>> {
    return this.write(w, () => this.serviceWrites.create(input));
  }

  stageRevision(
    w: WriteContext,
    stack: string,
    name: string,
    input: StageInput,
  ): Promise<Outcome<StoredService>> {
    return this.write(w, () => this.serviceWrites.stage(stack, name, input));
  }

  /** Weights in bp by staged version; all change atomically. */
  setWeights(w: WriteContext, stack: string, name: string, weights: Record<string, number>, force?: boolean): Promise<Outcome<StoredService>> {
    return this.afterRollout(`${stack}/${name}`, this.write(w, () => this.serviceWrites.setWeights(w.actor, stack, name, weights, force)));
  }

  promote(w: WriteContext, stack: string, name: string, version: string, force?: boolean): Promise<Outcome<StoredService>> {
    return this.afterRollout(`${stack}/${name}`, this.write(w, () => this.serviceWrites.promote(w.actor, stack, name, version, force)));
  }

  removeRevision(w: WriteContext, stack: string, name: string, version: string): Promise<Outcome<StoredService>> {
    return this.write(w, () => this.serviceWrites.removeRevision(stack, name, version));
  }

  // ---- traffic rules (DESIGN §10) ----

  /** Replaces the whole ordered rule list. */
  setRules(w: WriteContext, stack: string, name: string, rules: Rule[]): Promise<Outcome<StoredService>> {
    return this.write(w, () => this.serviceWrites.setRules(stack, name, rules));
  }

  /** Adds one rule at the end, or before the rule named `before`. */
  addRule(w: WriteContext, stack: string, name: string, rule: Rule, before?: string): Promise<Outcome<StoredService>> {
    return this.write(w, () => this.serviceWrites.addRule(stack, name, rule, before));
  }

  removeRule(w: WriteContext, stack: string, name: string, rule: string): Promise<Outcome<StoredService>> {
    return this.write(w, () => this.serviceWrites.removeRule(stack, name, rule));
  }

  async removeService(w: WriteContext, stack: string, name: string): Promise<Outcome<{ service: string }>> {
    const id = `${stack}/${name}`;
    const outcome = await this.afterRollout(id, this.write(w, () => this.serviceWrites.removeService(stack, name)));
    // Its edge statistics stay readable (`weir stats`) until a new service takes the name
    // (clearReusedStats) or they age out.
    if (outcome.ok) await statsStoreOf(this.env, id).retire().catch((error: unknown) => console.warn(`retiring stats of ${id} failed:`, String(error)));
    return outcome;
  }

  /**
   * Makes each service the file names exactly what it says, in one config version; with
   * `prune`, removes the stack's other services. An unchanged file changes nothing.
   */
  applyStack(w: WriteContext, stack: string, file: StackFile, options: { dryRun: boolean; prune: boolean }): Promise<Outcome<ApplyResult>> {
    return this.write(w, () => applyPlan(this.services, stack, file, options), options.dryRun);
  }

  /**
   * Restores a service as it was before its last change, or as it stood at config version
   * `to`; the slot table comes back byte for byte, so every key returns to its revision.
   */
  rollback(w: WriteContext, stack: string, name: string, to?: number): Promise<Outcome<StoredService>> {
    const stores = { services: this.services, history: this.historyStore, tables: this.slotTables, keep: this.historyKeep };
    return this.write(w, () => rollbackPlan(stores, stack, name, to, w.domains !== false));
  }

  // ---- custom domains ----

  addDomain(w: WriteContext, hostText: string, target: string): Promise<Outcome<DomainView>> {
    return this.write(w, () => this.domains.add(hostText, target, w.scope));
  }

  removeDomain(w: WriteContext, hostText: string): Promise<Outcome<DomainView>> {
    return this.write(w, () => this.domains.remove(hostText));
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

  /**
   * After a commit, before publishing: a service created under a name that had one before
   * starts without the old edge statistics. (A rollback that brings a removed service back
   * is the same service: its statistics stay.) Publishing waits, so the new service serves
   * no request before its counts start from zero.
   */
  private async clearReusedStats(changes: readonly Change[]): Promise<void> {
    for (const c of changes) {
      if (c.before !== null || c.after === null || c.operation === "rollback") continue;
      await statsStoreOf(this.env, c.id)
        .clear()
        .catch((error: unknown) => console.warn(`clearing stats of ${c.id} failed:`, String(error)));
    }
  }

  // ---- the Outcome edge ----

  /** After a write that may have ended a rollout (force, rm, rollback, apply): re-arm its timer. */
  private async afterRollout<T>(id: string, write: Promise<Outcome<T>>): Promise<Outcome<T>> {
    const outcome = await write;
    await this.rollouts.settle(id);
    return outcome;
  }

  /** One write through the write path, its refusal as data. */
  protected async write<T>(w: WriteContext, plan: () => Plan<T>, dryRun = false): Promise<Outcome<T>> {
    try {
      const { value, configVersion } = await this.writes.run(w, plan, dryRun);
      return { ok: true, value, configVersion };
    } catch (error) {
      return this.refusal(error);
    }
  }

  /** A read, its refusal as data. */
  private answer<T>(read: () => T): Outcome<T> {
    try {
      return { ok: true, value: read(), configVersion: this.services.version() };
    } catch (error) {
      return this.refusal(error);
    }
  }

  /** A WeirError as an Outcome; anything else is a bug and stays an exception. */
  private refusal(error: unknown): Outcome<never> {
    if (!isWeirError(error)) throw error;
    const body = error.toBody().error;
    return {
      ok: false,
      error: { code: body.code, message: body.message, ...(body.details === undefined ? {} : { details: body.details as Record<string, unknown> }) },
      configVersion: this.services.version(),
    };
  }
}
