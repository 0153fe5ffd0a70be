/**
 * @module cli/table
 * Plain-text tables as `docker ps` prints them: a header row, columns left-aligned and
 * separated by at least two spaces, no trailing whitespace.
 */

const GAP = "  ";

export function renderTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    headers
      .map((_, i) => (i === headers.length - 1 ? (cells[i] ?? "") : (cells[i] ?? "").padEnd(widths[i])))
      .join(GAP)
      .trimEnd();
  return [line(headers), ...rows.map(line)].join("\n") + "\n";
}
