/**
 * @module admin/store/rollouts
 * Timed rollouts inside the ConfigStore (issue 6). One row per service holds the rollout
 * record (core/rollout.ts) and the state from before it (slot table included), so abort
 * puts every key back on its old revision. Steps run from the store's named timer
 * "rollout:<stack>/<name>" on its one alarm, never from a client; each step is a normal
 * write (its own config version, history entry and minimal-diff slot-table update, via
 * core `setWeights`). Before each step the canary's edge statistics are judged, and a
 * canary above its error-rate limit aborts the rollout by itself, with the figures in history.
 */
import { analyzeCanary, describeVerdict, weightedCounts, type RevisionCounters, type WindowRow } from "../../core/edge-stats.ts";
import { isWeirError, WeirError } from "../../core/errors.ts";
import type { ServiceConfig } from "../../core/model.ts";
import { own } from "../../core/own-property.ts";
import { promote, setWeights, type ServiceState } from "../../core/operations.ts";
import {
  aborted,
  analysisWindow,
  completed,
  describeRollout,
  inFlight,
  isLastStep,
  newRollout,
  nextDueAt,
  paused,
  resumed,
  Rollout,
  rolloutInProgress,
  rolloutView,
  stepApplied,
  timerFailed,
  weightsText,
  type RolloutView,
} from "../../core/rollout.ts";
import { parseRolloutTiming } from "../../core/rollout-plan.ts";
import { decodeSlotTable, encodeSlotTable, type EncodedSlotTable } from "../../core/slot-table.ts";
import type { Outcome, WriteContext } from "./outcome.ts";
import type { Timers } from "./timers.ts";

export const ROLLOUT_TIMER = "rollout";
/** How long a step that never finished (the object evicted mid-step) waits before it is tried again. */
const STEP_LEASE_MS = 60_000;

/** One service's part of a write, as the ConfigStore's write path takes it. */
export interface RolloutChange {
  id: string;
  before: ServiceState | null;
  after: ServiceState | null;
  operation: string;
  summary: string;
}

/** What the rollout engine needs from the ConfigStore. */
export interface RolloutHost {
  sql: SqlStorage;
  timers: Timers;
  /** runs `plan` as one write: transaction, config version, history, outbox; a WeirError refuses it */
  mutate<T>(w: WriteContext, plan: () => { changes: RolloutChange[]; result: (configVersion: number) => T }): Promise<Outcome<T>>;
  load(id: string): ServiceState | null;
  version(): number;
  /** a service's edge statistics in [from, to], per revision and selection */
  stats(service: string, from: number, to: number): Promise<WindowRow[]>;
  now(): number;
}

/** A timed weight change or promote, as the admin API passes it (weights in bp). */
export interface RolloutStart {
  kind: "weights" | "promote";
  weights?: Record<string, number>;
  version?: string;
  duration: string;
  interval?: string;
  pause?: boolean;
  force?: boolean;
  /** percent */
  maxErrorRate?: number;
  minRequests?: number;
}

/** Operations that end a rollout in flight: the service changed under it. */
const SUPERSEDING = new Set(["rm", "rollback", "apply"]);

interface PersistedState {
  service: ServiceConfig;
  slots: EncodedSlotTable;
}

function stagedWeights(service: ServiceConfig): Record<string, number> {
  return Object.fromEntries(service.revisions.map((r) => [r.version, r.weight]));
}

function timerOf(id: string): string {
  return `${ROLLOUT_TIMER}:${id}`;
}

export class Rollouts {
  constructor(private readonly host: RolloutHost) {
    host.sql.exec(
      // one row per service: its last rollout (core/rollout.ts JSON) and the state before it
      `CREATE TABLE IF NOT EXISTS rollouts (service TEXT PRIMARY KEY, record TEXT NOT NULL, snapshot TEXT NOT NULL)`,
    );
  }

  get(id: string): Rollout | null {
    const row = this.host.sql.exec<{ record: string }>(`SELECT record FROM rollouts WHERE service = ?`, id).toArray()[0];
    return row ? Rollout.parse(JSON.parse(row.record)) : null;
  }

  private snapshot(id: string): PersistedState {
    const row = this.host.sql.exec<{ snapshot: string }>(`SELECT snapshot FROM rollouts WHERE service = ?`, id).one();
    return JSON.parse(row.snapshot) as PersistedState;
  }

  private put(r: Rollout, snapshot?: ServiceState): void {
    if (snapshot) {
      const persisted: PersistedState = { service: snapshot.service, slots: encodeSlotTable(snapshot.table) };
      this.host.sql.exec(
        `INSERT INTO rollouts (service, record, snapshot) VALUES (?, ?, ?)
         ON CONFLICT (service) DO UPDATE SET record = excluded.record, snapshot = excluded.snapshot`,
        r.service,
        JSON.stringify(r),
        JSON.stringify(persisted),
      );
    } else {
      this.host.sql.exec(`UPDATE rollouts SET record = ? WHERE service = ?`, JSON.stringify(r), r.service);
    }
  }

  /** Points the service's timer at its next step, or removes it. */
  private async reschedule(id: string): Promise<void> {
    const r = this.get(id);
    const due = r ? nextDueAt(r) : null;
    if (due === null) await this.host.timers.cancel(timerOf(id));
    else await this.host.timers.schedule(timerOf(id), due);
  }

  /**
   * Inside a write plan of a plain weight change or promote: refuses (409) while a
   * rollout is in flight, unless `force`, which aborts it where it stands.
   */
  guard(id: string, force: boolean | undefined, actor: string): void {
    const r = this.get(id);
    if (!inFlight(r)) return;
    if (!force) throw rolloutInProgress(r);
    this.put(aborted(r, this.host.now(), `superseded by a forced change by ${actor}`));
  }

  /**
   * Inside any write: a removal, rollback or apply of the service ends its rollout; when
   * the service itself is gone, so is its rollout (a new one of that name starts clean).
   */
  onChange(id: string, operation: string, actor: string, removed = false): void {
    if (removed) {
      this.host.sql.exec(`DELETE FROM rollouts WHERE service = ?`, id);
      return;
    }
    if (!SUPERSEDING.has(operation)) return;
    const r = this.get(id);
    if (inFlight(r)) this.put(aborted(r, this.host.now(), `superseded by ${operation} by ${actor}`));
  }

  /** Re-arms timers after a write that may have ended a rollout (guard, onChange). */
  async settle(id: string): Promise<void> {
    await this.reschedule(id);
  }

  // ---- the RPC side: start, status, pause, resume, abort ----

  async start(w: WriteContext, stack: string, name: string, input: RolloutStart): Promise<Outcome<RolloutView>> {
    const id = `${stack}/${name}`;
    const outcome = await this.host.mutate(w, () => {
      const timing = parseRolloutTiming(input.duration, input.interval);
      const state = this.existing(id);
      this.guard(id, input.force, w.actor);
      // The target must be a valid change now: the same 422s as an immediate one.
      if (input.kind === "weights") setWeights(state, input.weights ?? {});
      else promote(state, input.version as string);
      const r = newRollout({
        service: id,
        kind: input.kind,
        version: input.version,
        current: stagedWeights(state.service),
        weights: input.weights,
        timing,
        pause: input.pause,
        analysis:
          input.maxErrorRate === undefined ? undefined : { maxErrorRate: input.maxErrorRate, minRequests: input.minRequests ?? 0 },
        actor: w.actor,
        now: this.host.now(),
        configVersion: this.host.version(),
      });
      if (r.steps.length === 0) {
        throw new WeirError("invalid", `${input.version} already has the primary's whole share; promote it without a duration`);
      }
      this.put(r, state);
      const paused = r.status === "paused" ? " (paused: resume to start)" : "";
      return {
        changes: [{ id, before: state, after: state, operation: "rollout", summary: `rollout ${id}: ${describeRollout(r)}${paused}` }],
        result: () => rolloutView(this.get(id) as Rollout),
      };
    });
    await this.reschedule(id);
    return outcome;
  }

  status(stack: string, name: string): Outcome<RolloutView> {
    return this.read(() => {
      const id = `${stack}/${name}`;
      const r = this.get(id);
      if (!r) {
        this.existing(id);
        throw new WeirError("not_found", `${id} has no rollout`);
      }
      return rolloutView(r);
    });
  }

  async pause(stack: string, name: string): Promise<Outcome<RolloutView>> {
    return this.control(`${stack}/${name}`, (r) => paused(r, this.host.now()));
  }

  async resume(stack: string, name: string): Promise<Outcome<RolloutView>> {
    return this.control(`${stack}/${name}`, (r) => resumed(r, this.host.now()));
  }

  /** Back to the weights from before the rollout: the saved slot table, so every key returns. */
  async abort(w: WriteContext, stack: string, name: string): Promise<Outcome<RolloutView>> {
    const id = `${stack}/${name}`;
    const outcome = await this.host.mutate(w, () => {
      const r = this.get(id);
      if (!r) {
        this.existing(id);
        throw new WeirError("not_found", `${id} has no rollout`);
      }
      if (r.status === "completed" || r.status === "aborted") {
        throw new WeirError("conflict", `the rollout of ${id} has already ${r.status === "completed" ? "completed" : "been aborted"}`);
      }
      return this.abortPlan(r, `aborted by ${w.actor}`);
    });
    await this.reschedule(id);
    return outcome;
  }

  // ---- the timer side ----

  /**
   * Runs one step of the rollout the timer names (the store's alarm calls this). A throw
   * is recorded in the rollout (`failures`, `lastError`: `weir rollout status` shows it)
   * and passed on, so the timer runs again with backoff; the rollout stays as it was.
   */
  async onTimer(name: string): Promise<void> {
    const id = name.slice(ROLLOUT_TIMER.length + 1);
    const before = this.get(id);
    if (!before || before.status !== "running") return;
    // The timer was taken off for this run: should the object be evicted mid-step, the
    // step is due again a little later rather than never (the finally below sets the real time).
    await this.host.timers.schedule(timerOf(id), this.host.now() + STEP_LEASE_MS);
    try {
      await this.step(id, before, await this.judge(id, before));
    } catch (error) {
      this.recordFailure(id, error);
      throw error;
    } finally {
      await this.reschedule(id);
    }
  }

  /** The canaries judged on the weighted traffic the edge saw since the previous step (off the transaction). */
  private async judge(id: string, before: Rollout): Promise<ReturnType<typeof analyzeCanary>[] | null> {
    if (!before.analysis) return null;
    const window = analysisWindow(before, this.host.now());
    // A Map by revision: names are user-chosen, and one named `constructor` must not read
    // Object.prototype (issue 9). Pinned traffic is anyone's to send, so it is not judged.
    let counts = new Map<string, RevisionCounters>();
    try {
      counts = weightedCounts(await this.host.stats(id, window.from, window.to));
    } catch (error) {
      console.warn(`stats for ${id} unavailable, stepping without analysis:`, String(error));
    }
    const thresholds = before.analysis;
    return before.canaries.map((v) => analyzeCanary(v, counts.get(v), thresholds));
  }

  /** Notes a failed timer run in the rollout it belongs to, if it is still running. */
  private recordFailure(id: string, error: unknown): void {
    try {
      const r = this.get(id);
      if (r?.status !== "running") return;
      const message = error instanceof Error ? error.message : String(error);
      this.put(timerFailed(r, this.host.now(), message.slice(0, 500)));
    } catch (failure) {
      console.error(`recording the failure of rollout ${id} failed:`, failure);
    }
  }

  private async step(id: string, before: Rollout, verdicts: ReturnType<typeof analyzeCanary>[] | null): Promise<void> {
    const outcome = await this.host.mutate({ actor: before.startedBy }, () => {
      const r = this.get(id);
      // Paused, aborted or already stepped while the stats were read: nothing to do.
      if (!r || r.status !== "running" || r.applied !== before.applied) return { changes: [], result: () => null };
      const judged = verdicts === null ? r : { ...r, lastAnalysis: verdicts };
      const failed = verdicts?.find((v) => v.verdict === "fail");
      if (failed) return this.abortPlan(judged, `error rate: ${describeVerdict(failed)}`);

      const state = this.host.load(id);
      if (!state) {
        this.put(aborted(judged, this.host.now(), "the service was removed"));
        return { changes: [], result: () => null };
      }
      const step = r.steps[r.applied];
      const label = `rollout ${id} step ${r.applied + 1}/${r.steps.length}`;
      let after: ServiceState;
      try {
        after = setWeights(state, step.weights);
      } catch (error) {
        if (!isWeirError(error)) throw error;
        return this.abortPlan(judged, `step ${r.applied + 1} cannot apply: ${error.message}`);
      }
      const changes: RolloutChange[] = [{ id, before: state, after, operation: "rollout step", summary: `${label}: weight ${weightsText(step.weights)}` }];
      let next = stepApplied(judged, this.host.now());
      if (r.kind === "promote" && isLastStep(r)) {
        // The ramp is done: the promote follows as its own history entry of the same version.
        const promoted = promote(after, r.version as string);
        changes.push({ id, before: after, after: promoted, operation: "promote", summary: `rollout ${id}: promote ${id}:${r.version} (was ${state.service.version})` });
        next = completed(next, this.host.now(), `promoted ${r.version}`);
      }
      this.put(next);
      return { changes, result: () => null };
    });
    // A refused write leaves the step due: a failure, retried with backoff rather than at once.
    if (!outcome.ok) throw new Error(`step refused: ${outcome.error.message}`);
  }

  // ---- helpers ----

  /** The write that ends `r` as aborted and puts the service back as it was before it. */
  private abortPlan(r: Rollout, reason: string): { changes: RolloutChange[]; result: () => RolloutView } {
    const id = r.service;
    const current = this.host.load(id);
    const ended = aborted(r, this.host.now(), reason);
    this.put(ended);
    const result = () => rolloutView(this.get(id) as Rollout);
    if (!current) return { changes: [], result };
    const restored = this.restoreState(current, this.snapshot(id), r);
    const summary = `rollout ${id} ${reason}; back to ${weightsText(r.from) || "the primary only"} (weights from before config version ${r.configVersionBefore + 1})`;
    return { changes: [{ id, before: current, after: restored, operation: "rollout abort", summary }], result };
  }

  /**
   * The service with the pre-rollout weights. When its revisions are the ones the rollout
   * started with (always, unless a forced change intervened), the saved slot table comes
   * back byte for byte; otherwise the weights are set again (LIFO rebalance).
   */
  private restoreState(current: ServiceState, saved: PersistedState, r: Rollout): ServiceState {
    const versions = (s: ServiceConfig) => [s.version, ...s.revisions.map((x) => x.version)].sort().join(",");
    if (versions(current.service) === versions(saved.service) && current.service.version === saved.service.version) {
      const weights = stagedWeights(saved.service);
      return {
        service: { ...current.service, revisions: current.service.revisions.map((x) => ({ ...x, weight: own(weights, x.version) ?? 0 })) },
        table: decodeSlotTable(saved.slots),
        domains: current.domains,
      };
    }
    const still = Object.fromEntries(Object.entries(r.from).filter(([v]) => current.service.revisions.some((x) => x.version === v)));
    return setWeights(current, still);
  }

  private existing(id: string): ServiceState {
    const state = this.host.load(id);
    if (!state) throw new WeirError("not_found", `no service ${id}`);
    return state;
  }

  private read<T>(fn: () => T): Outcome<T> {
    try {
      return { ok: true, value: fn(), configVersion: this.host.version() };
    } catch (error) {
      if (!isWeirError(error)) throw error;
      return { ok: false, error: { code: error.code, message: error.message }, configVersion: this.host.version() };
    }
  }

  /** Pause and resume change the schedule only: no config version, no history entry. */
  private async control(id: string, change: (r: Rollout) => Rollout): Promise<Outcome<RolloutView>> {
    const outcome = this.read(() => {
      const r = this.get(id);
      if (!r) {
        this.existing(id);
        throw new WeirError("not_found", `${id} has no rollout`);
      }
      const next = change(r);
      this.put(next);
      return rolloutView(next);
    });
    await this.reschedule(id);
    return outcome;
  }
}
