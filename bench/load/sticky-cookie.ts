/**
 * @module bench/load/sticky-cookie
 * The sticky cookie a returning client sends: minted by Weir on a first request.
 */
import { request as httpRequest } from "node:http";

/** The `weir` cookie Weir mints for a first request, as a returning client sends it back. */
export function mintedCookie(base: URL, host: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(base, { headers: { host } }, (res) => {
      res.resume();
      const cookie = res.headers["set-cookie"]?.find((c) => c.startsWith("weir="));
      if (res.statusCode !== 200 || cookie === undefined) reject(new Error(`Weir answered ${res.statusCode} without a weir cookie`));
      else resolve(cookie.slice(0, cookie.indexOf(";")));
    });
    req.on("error", reject);
    req.end();
  });
}
