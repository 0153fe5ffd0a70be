/**
 * @module cli/commands/weight
 * `weir weight S/N:V=P%... [--duration D] [--pause]`: set staged revisions' weights in one
 * change; the primary gets the rest.
 */
import type { Command } from "commander";
import { WeirError } from "../../core/errors.ts";
import { hasOwn } from "../../core/own-property.ts";
import { clientFor, examples, outputOption, printJson, versionNote, type CliContext } from "../context.ts";
import { checkDuration, parseWeightAssignment } from "../refs.ts";
import { weightsLine } from "../summary.ts";
import { checkWaitOptions, rolloutFields, rolloutOptions, startedLine, waitOptions, type RolloutOptions, type WaitOptions } from "../rollout-options.ts";
import { watchRollout } from "../rollout-watch.ts";
import type { RolloutView } from "../../core/rollout.ts";

interface WeightOptions extends RolloutOptions, WaitOptions {
  duration?: string;
  pause?: boolean;
  output: string;
}

/** The request body of `PUT …/weights`; every assignment must name the same service. */
export function weightsBody(assignments: readonly string[], opts: Omit<WeightOptions, "output" | "wait" | "timeout">) {
  const parsed = assignments.map(parseWeightAssignment);
  const { stack, name } = parsed[0];
  const other = parsed.find((a) => a.stack !== stack || a.name !== name);
  if (other) {
    throw new WeirError("bad_request", `one weight change covers one service: ${stack}/${name} and ${other.stack}/${other.name} given`);
  }
  const weights: Record<string, number> = {};
  for (const a of parsed) {
    if (hasOwn(weights, a.version)) throw new WeirError("bad_request", `${stack}/${name}:${a.version} is given twice`);
    weights[a.version] = a.percent;
  }
  return {
    stack,
    name,
    body: {
      weights,
      ...(opts.duration !== undefined ? { duration: checkDuration(opts.duration) } : {}),
      ...(opts.pause ? { pause: true } : {}),
      ...rolloutFields(opts),
    },
  };
}

export function registerWeight(program: Command, ctx: CliContext): void {
  program
    .command("weight")
    .description("set the weights of staged revisions of one service; the primary gets the remainder")
    .argument("<stack/name:version=percent...>", "one or more staged revisions and their weights")
    .option("--duration <duration>", "ramp to the weights over this long, e.g. 10m")
    .option("--pause", "start the ramp paused (weir rollout resume starts it)")
    .addOption(rolloutOptions()[0])
    .addOption(rolloutOptions()[1])
    .addOption(rolloutOptions()[2])
    .addOption(rolloutOptions()[3])
    .addOption(waitOptions()[0])
    .addOption(waitOptions()[1])
    .addOption(outputOption(["text", "json"], "text"))
    .addHelpText(
      "after",
      examples(
        "weir weight test/svc:v3=50%",
        "weir weight shop/api:v4=10% shop/api:v5=0.5%",
        "weir weight test/svc:v3=100% --duration 10m",
        "weir weight test/svc:v3=100% --duration 10m --max-error-rate 5% --wait   # in CI: fails the job on abort",
      ),
    )
    .action(async (assignments: string[], opts: WeightOptions, cmd: Command) => {
      const { stack, name, body } = weightsBody(assignments, opts);
      checkWaitOptions(opts);
      const client = clientFor(cmd, ctx);
      const res = await client.send("PUT", `/v1/services/${stack}/${name}/weights`, { body });
      if (opts.wait && res.status === 202) {
        if (opts.output !== "json") ctx.stdout(startedLine(res.json, res.configVersion));
        const startedAt = (res.json as RolloutView).startedAt;
        await watchRollout(client, ctx, stack, name, { json: opts.output === "json", startedAt, ...(opts.timeout !== undefined ? { timeout: opts.timeout } : {}) });
        return;
      }
      if (opts.output === "json") return printJson(ctx, res.json);
      if (res.status === 202) return ctx.stdout(startedLine(res.json, res.configVersion));
      const weights = weightsLine(res.json);
      ctx.stdout(`${stack}/${name}${weights ? `: ${weights}` : " weights set"}${versionNote(res.configVersion)}\n`);
    });
}
