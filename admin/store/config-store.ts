/**
 * @module admin/store/config-store
 * The ConfigStore Durable Object (placeholder until the control-plane issue lands).
 */
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../../worker/env.ts";

export class ConfigStore extends DurableObject<Env> {}
