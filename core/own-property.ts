/**
 * @module core/own-property
 * Lookups by user-chosen names (revisions, services, stacks) in plain objects. `record[name]`
 * reads Object.prototype for a name such as `constructor` (a valid DNS label), and `name in
 * record` is true for it: one such read once stalled a rollout (issue 9). Only own
 * properties count here; prefer a Map where the object is not a wire or storage format.
 */

/** `record[key]` when `key` is one of the record's own properties, else undefined. */
export function own<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

/** True when `key` is one of the record's own properties (never an inherited one). */
export function hasOwn(record: object, key: string): boolean {
  return Object.hasOwn(record, key);
}
