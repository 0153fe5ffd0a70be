/**
 * @module admin/routes/stacks
 * Export and apply of stack files (DESIGN §6). Export is YAML in exactly the §6 shape by
 * default and JSON on `Accept: application/json`; apply takes either.
 */
import { z, type OpenAPIHono } from "@hono/zod-openapi";
import { accessRoute, read, write } from "../authorization.ts";
import { stringify as stringifyYaml } from "yaml";
import { WeirError } from "../../core/errors.ts";
import { StackFile as CoreStackFile } from "../../core/model.ts";
import { parseYamlBody } from "../body-parsing.ts";
import { settle, store, writeContext, type AdminContext, type AdminEnv } from "../context.ts";
import { parseOrThrow } from "../validation.ts";
import { ApplyQuery, ApplyResult, commonErrors, conflict, jsonResponse, notFound, StackFile, StackParams, writeErrors } from "../schemas.ts";

const tags = ["stacks"];

/** The YAML of DESIGN §6: block style, sequences not indented under their key. */
export function stackFileYaml(file: unknown): string {
  return stringifyYaml(file, { indentSeq: false, lineWidth: 0 });
}

function wantsJson(accept: string | undefined): boolean {
  return /\bapplication\/json\b/i.test(accept ?? "");
}

/**
 * The request body as a stack file object: JSON by content type, YAML otherwise. A key
 * given twice is a 400 either way (JSON: the app's jsonBodyKeys middleware).
 */
async function readStackFile(c: AdminContext): Promise<unknown> {
  const type = (c.req.header("content-type") ?? "").split(";")[0].trim().toLowerCase();
  // Decoded by hand: workerd warns when .text() reads a body it does not deem textual (YAML).
  const text = new TextDecoder().decode(await c.req.arrayBuffer());
  if (/^application\/([\w.-]+\+)?json$/.test(type)) {
    try {
      return JSON.parse(text);
    } catch {
      throw new WeirError("bad_request", "body is not valid JSON");
    }
  }
  if (type !== "" && !["application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml", "text/plain"].includes(type)) {
    throw new WeirError("bad_request", `unsupported Content-Type '${type}': send application/yaml or application/json`);
  }
  return parseYamlBody(text);
}

const truthy = (flag: string | undefined) => flag === "1" || flag === "true";

export function registerStackRoutes(app: OpenAPIHono<AdminEnv>): void {
  app.openapi(
    accessRoute(read("path"), {
      method: "get",
      path: "/v1/stacks/{stack}",
      tags,
      summary: "Export a stack file (weir export): YAML, or JSON with Accept: application/json",
      request: { params: StackParams },
      responses: {
        200: {
          description: "The stack file",
          content: { "application/yaml": { schema: z.string() }, "application/json": { schema: StackFile } },
        },
        ...commonErrors,
        ...notFound,
      },
    }),
    async (c) => {
      const { stack } = c.req.valid("param");
      const file = settle(c, await store(c).exportStack(stack));
      if (wantsJson(c.req.header("accept"))) return c.json(file, 200);
      return c.body(stackFileYaml(file), 200, { "content-type": "application/yaml; charset=utf-8" });
    },
  );

  app.openapi(
    accessRoute(write("path"), {
      method: "put",
      path: "/v1/stacks/{stack}",
      tags,
      summary: "Apply a stack file (weir apply): each named service becomes exactly what the file says",
      description:
        "The path's stack wins over the file's `stack` field. `dry_run=1` returns the diff and changes nothing; " +
        "`prune=1` also removes the stack's services the file does not name. An unchanged file adds no config version.",
      request: {
        params: StackParams,
        query: ApplyQuery,
        // Not `required`: zod-openapi would then run its JSON validator on YAML bodies too.
        // The handler parses either type itself with the same schema.
        body: {
          content: { "application/yaml": { schema: z.string() }, "application/json": { schema: StackFile } },
        },
      },
      responses: { 200: jsonResponse(ApplyResult, "What changed (or would change)"), ...writeErrors, ...conflict },
    }),
    async (c) => {
      const { stack } = c.req.valid("param");
      const query = c.req.valid("query");
      const file = parseOrThrow(CoreStackFile, await readStackFile(c), "json");
      const options = { dryRun: truthy(query.dry_run), prune: truthy(query.prune) };
      const outcome = await store(c).applyStack(writeContext(c), stack, file, options);
      const result = settle(c, outcome);
      return c.json({ ...result, configVersion: outcome.configVersion }, 200);
    },
  );
}
