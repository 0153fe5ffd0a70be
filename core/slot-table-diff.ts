/**
 * @module core/slot-table-diff
 * A slot table as the difference from another one, for history (docs/storage.md). A
 * weight change moves only the slots that must move (core/slot-table.ts), so consecutive
 * tables of a service differ in a few slots: storing those few instead of all 60,000
 * bytes keeps each history entry small. A diff lists every slot whose owner, previous
 * owner or sequence number changed, 8 bytes each: slot (uint16), owner, prev, seq (uint32),
 * little-endian.
 */
import { SLOT_BYTES, SLOT_COUNT, createSlotTable, slotTableBytes } from "./slot-table.ts";

const ENTRY = 8;

/** The slot bytes of a new service's table (every slot its primary's): the base of a first diff. */
export function initialSlotBytes(): Uint8Array {
  return slotTableBytes(createSlotTable(""));
}

function sameSlot(a: Uint8Array, b: Uint8Array, i: number): boolean {
  const s = 2 * SLOT_COUNT + 4 * i;
  return (
    a[i] === b[i] &&
    a[SLOT_COUNT + i] === b[SLOT_COUNT + i] &&
    a[s] === b[s] &&
    a[s + 1] === b[s + 1] &&
    a[s + 2] === b[s + 2] &&
    a[s + 3] === b[s + 3]
  );
}

/** The slots of `next` that differ from `base` (both as `slotTableBytes`). */
export function diffSlotBytes(base: Uint8Array, next: Uint8Array): Uint8Array {
  if (base.length !== SLOT_BYTES || next.length !== SLOT_BYTES) throw new RangeError("slot table data has the wrong length");
  const changed: number[] = [];
  for (let i = 0; i < SLOT_COUNT; i++) if (!sameSlot(base, next, i)) changed.push(i);
  const out = new Uint8Array(changed.length * ENTRY);
  const view = new DataView(out.buffer);
  changed.forEach((slot, k) => {
    const at = k * ENTRY;
    view.setUint16(at, slot, true);
    out[at + 2] = next[slot];
    out[at + 3] = next[SLOT_COUNT + slot];
    out.set(next.subarray(2 * SLOT_COUNT + 4 * slot, 2 * SLOT_COUNT + 4 * slot + 4), at + 4);
  });
  return out;
}

/** `base` with `diff` applied: the bytes the diff was taken from. */
export function applySlotDiff(base: Uint8Array, diff: Uint8Array): Uint8Array {
  if (base.length !== SLOT_BYTES) throw new RangeError("slot table data has the wrong length");
  if (diff.length % ENTRY !== 0) throw new RangeError("slot table diff has the wrong length");
  const out = base.slice();
  const view = new DataView(diff.buffer, diff.byteOffset, diff.byteLength);
  for (let at = 0; at < diff.length; at += ENTRY) {
    const slot = view.getUint16(at, true);
    if (slot >= SLOT_COUNT) throw new RangeError(`slot table diff names slot ${slot}`);
    out[slot] = diff[at + 2];
    out[SLOT_COUNT + slot] = diff[at + 3];
    out.set(diff.subarray(at + 4, at + 8), 2 * SLOT_COUNT + 4 * slot);
  }
  return out;
}

/** True when two tables' slot bytes are the same. */
export function sameSlotBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
