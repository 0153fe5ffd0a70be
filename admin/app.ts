/**
 * @module admin/app
 * The admin API on ADMIN_HOST. Placeholder until the control-plane issue lands: every
 * request gets a 404 JSON error.
 */
import { errorResponse, WeirError } from "../core/errors.ts";
import type { Env } from "../worker/env.ts";

export const adminApp = {
  fetch(_request: Request, _env: Env, _ctx: ExecutionContext): Response {
    return errorResponse(new WeirError("not_found", "the admin API is not available yet"));
  },
};
