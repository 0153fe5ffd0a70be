/**
 * @module admin/store/client
 * The admin app's handle on the one global ConfigStore, typed by its public methods (every
 * RPC call returns a promise of what the method returns).
 */
import type { Env } from "../../worker/env.ts";
import { CONFIG_STORE_NAME, type ConfigStore } from "./config-store.ts";

type StoreMethods = Pick<
  ConfigStore,
  | "configVersion"
  | "listServices"
  | "getService"
  | "exportStack"
  | "statsSubject"
  | "history"
  | "listDomains"
  | "pendingPublishes"
  | "createService"
  | "stageRevision"
  | "setWeights"
  | "promote"
  | "removeRevision"
  | "removeService"
  | "applyStack"
  | "rollback"
  | "addDomain"
  | "removeDomain"
  | "startRollout"
  | "rolloutStatus"
  | "pauseRollout"
  | "resumeRollout"
  | "abortRollout"
  | "setRules"
  | "addRule"
  | "removeRule"
  | "createToken"
  | "listTokens"
  | "removeToken"
  | "checkToken"
>;

export type StoreClient = {
  [K in keyof StoreMethods]: StoreMethods[K] extends (...args: infer A) => infer R ? (...args: A) => Promise<Awaited<R>> : never;
};

export function configStore(env: Env): StoreClient {
  const ns = env.CONFIG_STORE;
  return ns.get(ns.idFromName(CONFIG_STORE_NAME)) as unknown as StoreClient;
}
