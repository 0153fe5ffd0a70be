#!/usr/bin/env node
// The `weir` CLI. It is TypeScript run through tsx, so `npx weir` works right after
// `npm ci` with no build step.
import { register } from "tsx/esm/api";

register();
await import("../cli/weir.ts");
