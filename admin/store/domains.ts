/**
 * @module admin/store/domains
 * Custom domains (DESIGN §3, `weir domain`): a hostname bound to a service (weighted) or
 * to one of its versions. A binding lives in its service's state, so binding and
 * unbinding are service changes: a config version, a history entry, published records.
 */
import { WeirError } from "../../core/errors.ts";
import { customHostProblem, isUnderDomain, normalizeHost } from "../../core/hostnames.ts";
import { addDomain, removeDomain, type ServiceState } from "../../core/operations.ts";
import type { DomainBinding } from "../../core/route-record.ts";
import type { DomainView } from "./outcome.ts";
import type { ServiceTable } from "./service-table.ts";
import { serviceChange, type Plan } from "./write-path.ts";

function view(host: string, service: string, version: string | undefined): DomainView {
  return version === undefined ? { host, service } : { host, service, version };
}

export class Domains {
  constructor(private readonly services: ServiceTable) {}

  /** Every binding, by host. */
  list(): DomainView[] {
    return this.services
      .domainsByService()
      .flatMap((r) => r.domains.map((d) => view(d.host, r.id, d.version)))
      .sort((a, b) => (a.host < b.host ? -1 : a.host > b.host ? 1 : 0));
  }

  /**
   * `scope`: the stacks the caller may see (absent: every stack). A host is global, so a
   * scoped token may learn that one is taken, but not by which service of another stack.
   */
  add(hostText: string, target: string, scope?: readonly string[]): Plan<DomainView> {
    const visible = (id: string) => scope === undefined || scope.includes(id.split("/")[0]);
    const problem = customHostProblem(hostText);
    if (problem) throw new WeirError("invalid", problem);
    const host = normalizeHost(hostText);
    const served = this.services.served();
    if (isUnderDomain(host, served.baseDomain) || host === normalizeHost(served.adminHost)) {
      throw new WeirError("invalid", `'${host}' is under the base domain ${served.baseDomain} or is the admin host; Weir names those itself`);
    }
    // One binding per host: a second one is refused, naming the one it has.
    const held = this.services.holder(host);
    if (held) {
      const message = visible(held.service)
        ? `'${host}' is already ${held.what}; unbind it first (weir domain rm ${host})`
        : `'${host}' is already taken by a service outside this token's stacks`;
      throw new WeirError("conflict", message, { details: { host } });
    }
    const [ref, version] = target.split(":");
    const [stack, name] = ref.split("/");
    const id = `${stack}/${name}`;
    const state = this.services.load(id);
    if (!state) throw new WeirError("invalid", `no service ${id}`);
    const user = this.services
      .allConfigs()
      .find(({ config: c }) => [...c.origins, ...c.revisions.flatMap((x) => x.origins)].some((o) => normalizeHost(new URL(o).host) === host));
    if (user) {
      const of = visible(user.id) ? user.id : "a service outside this token's stacks";
      throw new WeirError("invalid", `'${host}' is an origin of ${of}; binding it would make Weir route to itself`);
    }
    const after = addDomain(state, version === undefined ? { host } : { host, version });
    return {
      ...serviceChange(this.services, id, state, after, "domain add", `domain add ${host} → ${target}`),
      result: () => view(host, id, version),
    };
  }

  remove(hostText: string): Plan<DomainView> {
    const host = normalizeHost(hostText);
    const holder = this.services.holder(host);
    if (!holder || holder.kind !== "domain") throw new WeirError("not_found", `no custom domain '${host}'`);
    const state = this.services.load(holder.service) as ServiceState;
    const binding = state.domains.find((d) => d.host === host) as DomainBinding;
    const after = removeDomain(state, host);
    return { ...serviceChange(this.services, holder.service, state, after, "domain rm", `domain rm ${host}`), result: () => view(host, holder.service, binding.version) };
  }
}
