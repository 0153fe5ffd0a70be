/**
 * @module cli/summary
 * The one line a write prints: the service's weights as the data plane will apply them.
 */
import { ServiceView } from "../core/views.ts";
import { formatPercent, percentToBp } from "../core/weights.ts";

/** "v0 50%, v3 50%" when the API answered with the service, else undefined. */
export function weightsLine(body: unknown): string | undefined {
  const view = ServiceView.safeParse(body);
  if (!view.success) return undefined;
  const s = view.data;
  const pct = (w: number) => formatPercent(percentToBp(w));
  return [`${s.version} ${pct(s.weight)}`, ...s.revisions.map((r) => `${r.version} ${pct(r.weight)}`)].join(", ");
}
