/**
 * @module core/hostnames
 * Hostnames of services, versions and the admin API (DESIGN §3). Matching ignores the
 * port, letter case and a trailing dot, so every lookup goes through `normalizeHost`.
 */

/** Lowercase, without port or trailing dot. Brackets of an IPv6 literal are kept. */
export function normalizeHost(host: string): string {
  let h = host.trim().toLowerCase();
  if (h.startsWith("[")) {
    const end = h.indexOf("]");
    return end === -1 ? h : h.slice(0, end + 1);
  }
  const colon = h.indexOf(":");
  if (colon !== -1) h = h.slice(0, colon);
  while (h.endsWith(".")) h = h.slice(0, -1);
  return h;
}

/** `<service>.<stack>.<base>`: weighted selection among the service's revisions. */
export function serviceHost(stack: string, name: string, baseDomain: string): string {
  return `${name}.${stack}.${normalizeHost(baseDomain)}`;
}

/** `<service>-<version>.<stack>.<base>`: exactly that version. */
export function versionHost(stack: string, name: string, version: string, baseDomain: string): string {
  return `${name}-${version}.${stack}.${normalizeHost(baseDomain)}`;
}

export function defaultAdminHost(baseDomain: string): string {
  return `admin.${normalizeHost(baseDomain)}`;
}

/** True when `host` is the base domain itself or lies under it. */
export function isUnderDomain(host: string, domain: string): boolean {
  const h = normalizeHost(host);
  const d = normalizeHost(domain);
  return h === d || h.endsWith(`.${d}`);
}

const HOST_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
/** A label URL parsers read as a number (decimal, or 0x hex): a host ending in one is IPv4. */
const NUMERIC_LABEL = /^(?:0x[0-9a-f]*|[0-9]+)$/;

/**
 * True for an IP address as a Host may carry it: bracketed or with more than one colon
 * (IPv6), or whose last label is a number (IPv4, as the WHATWG URL parser reads it, so
 * `1.2.3` and `0x7f.1` too). A port is ignored.
 */
export function isIpLiteral(host: string): boolean {
  const h = host.trim().toLowerCase();
  if (h.startsWith("[") || h.split(":").length > 2) return true;
  const labels = normalizeHost(h).split(".");
  return NUMERIC_LABEL.test(labels[labels.length - 1]);
}

/** Why a custom domain is not a valid hostname, or undefined. Wildcards are not accepted. */
export function customHostProblem(host: string): string | undefined {
  if (isIpLiteral(host)) return `'${host}' is an IP address; a custom domain must be a hostname`;
  const h = normalizeHost(host);
  if (h !== host.trim().toLowerCase().replace(/\.+$/, "")) return `'${host}' must be a bare hostname without port`;
  if (h.length > 253) return `'${host}' is longer than 253 characters`;
  const labels = h.split(".");
  if (labels.length < 2) return `'${host}' must have at least two labels`;
  if (!labels.every((l) => HOST_LABEL.test(l))) return `'${host}' is not a valid hostname`;
  return undefined;
}

/** An endpoint URL for a host, with the scheme and port the admin request used. */
export function endpointUrl(host: string, scheme: string, port: string): string {
  const defaultPort = (scheme === "https" && port === "443") || (scheme === "http" && port === "80");
  return `${scheme}://${host}${port && !defaultPort ? `:${port}` : ""}`;
}

/** RFC 1035 limits on a hostname: 253 characters in all, 63 per label. */
export const MAX_HOST_LENGTH = 253;
export const MAX_LABEL_LENGTH = 63;

/**
 * True when a normalized host fits DNS's limits (a name no DNS can hold routes nowhere).
 * Only lengths are checked: cheap enough for the data plane's cache misses.
 */
export function withinDnsLimits(host: string): boolean {
  if (host.length > MAX_HOST_LENGTH) return false;
  let labelStart = 0;
  for (;;) {
    const dot = host.indexOf(".", labelStart);
    const end = dot === -1 ? host.length : dot;
    if (end - labelStart > MAX_LABEL_LENGTH) return false;
    if (dot === -1) return true;
    labelStart = dot + 1;
  }
}
