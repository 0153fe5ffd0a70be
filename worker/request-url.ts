/**
 * @module worker/request-url
 * The parts of a request URL the Worker needs, by string slicing: `request.url` is always
 * absolute, so a URL object (and its parsing) per request is not needed.
 */
import { normalizeHost } from "../core/hostnames.ts";

export interface RequestUrl {
  /** the Host as the client sent it, port included */
  rawHost: string;
  /** normalized: lowercase, no port, no trailing dot */
  host: string;
  /** `/path?query` */
  pathAndQuery: string;
  https: boolean;
}

/** the last raw host and its normalized form: consecutive requests mostly share a host */
let last = { rawHost: "", host: "" };

export function splitRequestUrl(url: string): RequestUrl {
  const schemeEnd = url.indexOf("://");
  const hostStart = schemeEnd + 3;
  let pathStart = url.indexOf("/", hostStart);
  if (pathStart === -1) pathStart = url.length;
  const rawHost = url.slice(hostStart, pathStart);
  if (rawHost !== last.rawHost) last = { rawHost, host: normalizeHost(rawHost) };
  return {
    rawHost,
    host: last.host,
    pathAndQuery: pathStart === url.length ? "/" : url.slice(pathStart),
    https: schemeEnd === 5 && url.startsWith("https"),
  };
}
