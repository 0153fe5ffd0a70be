/**
 * @module admin/views
 * Store values → the JSON the admin API returns (core/views.ts shapes). Weights are
 * percent counted from the slot table; endpoints use the admin request's scheme and port.
 */
import { endpointUrl, serviceHost, versionHost } from "../core/hostnames.ts";
import type { DownOrigin, HealthConfig } from "../core/health.ts";
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

/** Health settings and down origins of a revision, as its view carries them (absent when none). */
function healthFields(version: string, origins: readonly string[], health: HealthConfig | undefined, down: readonly DownOrigin[]) {
  const mine = down.filter((d) => d.version === version && origins.includes(d.origin)).map((d) => d.origin);
  return {
    allDown: mine.length > 0 && origins.every((o) => mine.includes(o)),
    fields: { ...(health === undefined ? {} : { health }), ...(mine.length === 0 ? {} : { down: mine }) },
  };
}

export function serviceView(stored: StoredService, style: EndpointStyle): ServiceView {
  const { service, slots } = stored;
  const url = (host: string) => endpointUrl(host, style.scheme, style.port);
  const percent = (version: string) => bpToPercent(own(slots, version) ?? 0);
  const down = stored.down ?? [];
  const primary = healthFields(service.version, service.origins, service.health, down);
  return {
    id: `${service.stack}/${service.name}`,
    stack: service.stack,
    name: service.name,
    version: service.version,
    origins: service.origins,
    affinity: service.affinity,
    revisionHeader: service.revisionHeader,
    weight: percent(service.version),
    state: primary.allDown ? "unhealthy" : "active",
    createdAt: service.createdAt,
    configVersion: stored.configVersion,
    endpoint: url(serviceHost(service.stack, service.name, style.baseDomain)),
    versionEndpoint: url(versionHost(service.stack, service.name, service.version, style.baseDomain)),
    ...primary.fields,
    revisions: service.revisions.map((r) => {
      const health = healthFields(r.version, r.origins, r.health, down);
      return {
        version: r.version,
        origins: r.origins,
        weight: percent(r.version),
        state: health.allDown ? "unhealthy" : (own(slots, r.version) ?? 0) > 0 ? "active" : "staged",
        createdAt: r.createdAt,
        endpoint: url(versionHost(service.stack, service.name, r.version, style.baseDomain)),
        ...health.fields,
      };
    }),
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
  health?: HealthConfig;
  revisions: { version: string; origins: string[]; weight: number; health?: HealthConfig }[];
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
    ...(service.health === undefined ? {} : { health: service.health }),
    revisions: service.revisions.map((r) => ({
      version: r.version,
      origins: r.origins,
      weight: bpToPercent(own(slots, r.version) ?? 0),
      ...(r.health === undefined ? {} : { health: r.health }),
    })),
    domains: state.domains,
    rules: service.rules ?? [],
  };
}

export function historyView(entry: HistoryEntry) {
  return { ...entry, before: stateView(entry.before), after: stateView(entry.after) };
}
