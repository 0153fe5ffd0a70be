/**
 * @module scripts/dev-vars
 * The local secrets file `.dev.vars` (gitignored): created on first start with a random
 * ADMIN_TOKEN and STICKY_SECRET; existing values are never replaced.
 */
import { randomBytes } from "node:crypto";
import { appendFileSync, existsSync, readFileSync } from "node:fs";
import { parseDotenv } from "../cli/dotenv.ts";

const SECRETS = ["ADMIN_TOKEN", "STICKY_SECRET"] as const;

/** Adds the missing secrets to `file`; returns the names it added. */
export function ensureDevVars(file: string): string[] {
  const text = existsSync(file) ? readFileSync(file, "utf8") : "";
  const present = parseDotenv(text);
  const missing = SECRETS.filter((name) => !present[name]);
  if (missing.length === 0) return [];
  const lines = missing.map((name) => `${name}=${randomBytes(24).toString("base64url")}`);
  const header = text === "" ? "# Local secrets of `npm start` (gitignored). Created by scripts/start.ts.\n" : "";
  const sep = text === "" || text.endsWith("\n") ? "" : "\n";
  appendFileSync(file, `${sep}${header}${lines.join("\n")}\n`, { mode: 0o600 });
  return missing;
}
