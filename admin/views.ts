/**
 * @module admin/views
 * Store values → the JSON the admin API returns (core/views.ts shapes). Weights are
 * percent counted from the slot table; endpoints use the admin request's scheme and port.
 */
import { endpointUrl, serviceHost, versionHost } from "../core/hostnames.ts";
import type { ServiceView } from "../core/views.ts";
import { own } from "../core/own-property.ts";
import { bpToPercent } from "../core/weights.ts";
import type { HistoryEntry, HistoryState, StoredService } from "./store/outcome.ts";

export interface EndpointStyle {
  scheme: string;
  port: string;
  baseDomain: string;
}

export function endpointStyle(requestUrl: string, baseDomain: string): EndpointStyle {
  const url = new URL(requestUrl);
  return { scheme: url.protocol.replace(/:$/, ""), port: url.port, baseDomain };
}

export function serviceView(stored: StoredService, style: EndpointStyle): ServiceView {
  const { service, slots } = stored;
  const url = (host: string) => endpointUrl(host, style.scheme, style.port);
  const percent = (version: string) => bpToPercent(own(slots, version) ?? 0);
  return {
    id: `${service.stack}/${service.name}`,
    stack: service.stack,
    name: service.name,
    version: service.version,
    origins: service.origins,
    affinity: service.affinity,
    revisionHeader: service.revisionHeader,
    weight: percent(service.version),
    state: "active",
    createdAt: service.createdAt,
    configVersion: stored.configVersion,
    endpoint: url(serviceHost(service.stack, service.name, style.baseDomain)),
    versionEndpoint: url(versionHost(service.stack, service.name, service.version, style.baseDomain)),
    revisions: service.revisions.map((r) => ({
      version: r.version,
      origins: r.origins,
      weight: percent(r.version),
      state: (own(slots, r.version) ?? 0) > 0 ? "active" : "staged",
      createdAt: r.createdAt,
      endpoint: url(versionHost(service.stack, service.name, r.version, style.baseDomain)),
    })),
    domains: stored.domains,
    rules: service.rules ?? [],
  };
}

export interface HistoryStateView {
  version: string;
  origins: string[];
  affinity: string;
  revisionHeader: boolean;
  /** percent, from the slot table */
  weight: number;
  revisions: { version: string; origins: string[]; weight: number }[];
  domains: { host: string; version?: string }[];
  /** traffic rules in order (DESIGN §10) */
  rules: NonNullable<HistoryState["service"]["rules"]>;
}

function stateView(state: HistoryState | null): HistoryStateView | null {
  if (state === null) return null;
  const { service, slots } = state;
  return {
    version: service.version,
    origins: service.origins,
    affinity: service.affinity,
    revisionHeader: service.revisionHeader,
    weight: bpToPercent(own(slots, service.version) ?? 0),
    revisions: service.revisions.map((r) => ({ version: r.version, origins: r.origins, weight: bpToPercent(own(slots, r.version) ?? 0) })),
    domains: state.domains,
    rules: service.rules ?? [],
  };
}

export function historyView(entry: HistoryEntry) {
  return { ...entry, before: stateView(entry.before), after: stateView(entry.after) };
}
