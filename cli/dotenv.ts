/**
 * @module cli/dotenv
 * `KEY=value` files as wrangler reads `.dev.vars`: comments, optional quotes, `export`.
 */
export function parseDotenv(text: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(raw);
    if (!m) continue;
    const quoted = /^(["'])(.*)\1$/.exec(m[2]);
    vars[m[1]] = quoted ? quoted[2] : m[2].replace(/\s+#.*$/, "");
  }
  return vars;
}
