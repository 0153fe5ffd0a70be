/**
 * @module test/admin/token-helpers
 * API tokens for admin tests (DESIGN §11): made through the real API with the root token,
 * and a console tap that collects every log line, so a test can prove a secret never
 * reached one.
 */
import { afterAll, beforeAll, vi } from "vitest";
import type { Role } from "../../core/access.ts";
import { api, json } from "./helpers.ts";

export interface MadeToken {
  name: string;
  role: Role;
  stacks: string[];
  expiresAt: string | null;
  createdAt: string;
  createdBy: string;
  token: string;
}

let counter = 0;
export function uniqueTokenName(prefix = "tok"): string {
  counter += 1;
  return `${prefix}-${counter}-${crypto.randomUUID().slice(0, 6)}`;
}

/** Creates a token with `as` (root by default); returns the 201 body, secret included. */
export async function makeToken(role: Role, stacks: string[], options: { name?: string; expires?: string; as?: string } = {}): Promise<MadeToken> {
  const body = { name: options.name ?? uniqueTokenName(role), role, stacks, ...(options.expires ? { expires: options.expires } : {}) };
  return json<MadeToken>(await api("POST", "/v1/tokens", { body, ...(options.as ? { token: options.as } : {}) }), 201);
}

/** Every console line of the isolate (the admin app and the ConfigStore run in it) while the file runs. */
export function tapConsole(): { lines(): string[] } {
  const lines: string[] = [];
  const spies: ReturnType<typeof vi.spyOn>[] = [];
  beforeAll(() => {
    for (const level of ["log", "info", "warn", "error", "debug"] as const) {
      const original = console[level].bind(console);
      spies.push(
        vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
          lines.push(args.map((a) => (a instanceof Error ? `${a.message} ${a.stack}` : typeof a === "string" ? a : JSON.stringify(a))).join(" "));
          original(...args);
        }),
      );
    }
  });
  afterAll(() => {
    for (const spy of spies) spy.mockRestore();
  });
  return { lines: () => lines };
}
