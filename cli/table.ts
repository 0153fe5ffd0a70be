/**
 * @module cli/table
 * Plain-text tables as `docker ps` prints them: a header row, columns left-aligned and
 * separated by at least two spaces, no trailing whitespace. Cells come from the API, so
 * control characters (an ESC sequence, a newline, a tab) are shown escaped, never sent to
 * the terminal raw nor allowed to break a row (issue 9).
 */
import { escapeUnprintable } from "../core/printable.ts";

const GAP = "  ";

export function renderTable(headers: readonly string[], rawRows: readonly (readonly string[])[]): string {
  const rows = rawRows.map((r) => r.map((cell) => escapeUnprintable(cell ?? "")));
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    headers
      .map((_, i) => (i === headers.length - 1 ? (cells[i] ?? "") : (cells[i] ?? "").padEnd(widths[i])))
      .join(GAP)
      .trimEnd();
  return [line(headers), ...rows.map(line)].join("\n") + "\n";
}
