/**
 * @module cli/program
 * The `weir` command tree (DESIGN §8), one file per command under `commands/`.
 */
import { readFileSync } from "node:fs";
import { Command, Option } from "commander";
import { registerApply } from "./commands/apply.ts";
import { registerDomain } from "./commands/domain.ts";
import { registerExport } from "./commands/export.ts";
import { registerHistory } from "./commands/history.ts";
import { registerInspect } from "./commands/inspect.ts";
import { registerPromote } from "./commands/promote.ts";
import { registerPs } from "./commands/ps.ts";
import { registerRm } from "./commands/rm.ts";
import { registerRollback } from "./commands/rollback.ts";
import { registerRollout } from "./commands/rollout.ts";
import { registerRoute } from "./commands/route.ts";
import { registerRun } from "./commands/run.ts";
import { registerStage } from "./commands/stage.ts";
import { registerStats } from "./commands/stats.ts";
import { registerToken } from "./commands/token.ts";
import { registerWeight } from "./commands/weight.ts";
import { LOCAL_ADMIN_URL } from "./client.ts";
import { examples, type CliContext } from "./context.ts";

const { version } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };

export function createProgram(ctx: CliContext): Command {
  const program = new Command("weir")
    .description("Stage, weigh and promote revisions of services behind the Weir edge router.")
    .version(version)
    .option("--url <url>", `admin API URL (env WEIR_URL; default ${LOCAL_ADMIN_URL}, the local dev server)`)
    .option("--token <token>", "admin token (env WEIR_TOKEN; default ADMIN_TOKEN from the project's .dev.vars)")
    // `run --version V` must not print weir's version: options after a command are that
    // command's, which is why every command takes --url and --token too.
    .enablePositionalOptions()
    // Errors are thrown to weir.ts, which sets the exit code; usage errors stay one line.
    .exitOverride()
    .configureOutput({
      writeOut: (text) => ctx.stdout(text),
      writeErr: (text) => ctx.stderr(text),
      outputError: (text, write) => write(`${text.trim().replace(/\s*\n\s*/g, " ")}\n`),
    })
    .addHelpText(
      "after",
      examples(
        "weir run --name test/svc http://127.0.0.1:9001",
        "weir stage --origin http://127.0.0.1:9003 test/svc:v3",
        "weir weight test/svc:v3=50%",
        "weir promote test/svc:v3",
      ),
    );
  for (const register of [
    registerRun,
    registerPs,
    registerInspect,
    registerStage,
    registerWeight,
    registerPromote,
    registerRm,
    registerExport,
    registerApply,
    registerHistory,
    registerRollback,
    registerDomain,
    registerRollout,
    registerStats,
    registerRoute,
    registerToken,
  ]) {
    register(program, ctx);
  }
  addConnectionOptions(program);
  return program;
}

/** `--url` and `--token` on every command that talks to the API, hidden from its help. */
function addConnectionOptions(parent: Command): void {
  for (const cmd of parent.commands) {
    if (cmd.commands.length > 0) addConnectionOptions(cmd);
    else {
      cmd.addOption(new Option("--url <url>").hideHelp());
      cmd.addOption(new Option("--token <token>").hideHelp());
    }
  }
}
