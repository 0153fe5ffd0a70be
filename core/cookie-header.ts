/**
 * @module core/cookie-header
 * Reading one cookie out of a Cookie header without building a map: the sticky cookie
 * (worker/affinity.ts) and cookie conditions of traffic rules (core/rule-match.ts).
 */

/** The value of cookie `name` in a Cookie header, or undefined when it is not there. */
export function readCookie(header: string | null, name: string): string | undefined {
  if (header === null) return undefined;
  let start = 0;
  while (start < header.length) {
    while (header.charCodeAt(start) === 32) start++;
    let end = header.indexOf(";", start);
    if (end === -1) end = header.length;
    const eq = header.indexOf("=", start);
    if (eq !== -1 && eq < end && eq - start === name.length && header.startsWith(name, start)) {
      return header.slice(eq + 1, end).trim();
    }
    start = end + 1;
  }
  return undefined;
}
