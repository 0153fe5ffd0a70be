/**
 * @module core/weights
 * Weights are held in basis points (0–10000); users write percent with at most two
 * decimals. Conversions live here so the API, the stack file and the CLI agree.
 */

export const TOTAL_BP = 10_000;

const PERCENT_TEXT = /^(\d{1,3})(?:\.(\d{1,2}))?%?$/;

/**
 * True when a percent value has at most two decimals, i.e. is a whole number of bp. Exact:
 * a number parsed from "33.33" is the double nearest 3333/100, which is what 3333 / 100
 * gives; a tolerance let 1e-9 through (stored as 1e-9, served as 0).
 */
export function isWholeBasisPoints(percent: number): boolean {
  return Number.isFinite(percent) && Math.round(percent * 100) / 100 === percent;
}

export function percentToBp(percent: number): number {
  return Math.round(percent * 100);
}

export function bpToPercent(bp: number): number {
  return bp / 100;
}

/** "50%", "0.5%", "12.25" → basis points; undefined when the text is not such a percent. */
export function parsePercentText(text: string): number | undefined {
  const m = PERCENT_TEXT.exec(text.trim());
  if (!m) return undefined;
  const bp = Number(m[1]) * 100 + Number((m[2] ?? "").padEnd(2, "0"));
  return bp <= TOTAL_BP ? bp : undefined;
}

/** Basis points as the shortest percent text: 5000 → "50%", 50 → "0.5%", 1225 → "12.25%". */
export function formatPercent(bp: number): string {
  return `${bpToPercent(bp)}%`;
}

/**
 * Largest-remainder apportionment of `weights` (any non-negative numbers) to `total` whole
 * units. With weights in bp and 10,000 slots every quota is already whole; the general
 * form keeps the slot table correct for any slot count. Ties go to the lower index so the
 * result is deterministic.
 */
export function apportion(weights: readonly number[], total: number): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  if (sum <= 0) throw new RangeError("apportion: weights must sum to more than zero");
  const quotas = weights.map((w) => (w * total) / sum);
  const counts = quotas.map((q) => Math.floor(q + 1e-9));
  let left = total - counts.reduce((a, b) => a + b, 0);
  const order = quotas
    .map((q, i) => ({ i, r: q - counts[i] }))
    .sort((a, b) => b.r - a.r || a.i - b.i);
  for (let k = 0; left > 0; k++, left--) counts[order[k % order.length].i]++;
  return counts;
}
