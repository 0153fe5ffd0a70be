/**
 * @module core/slot-table
 * The slot table of DESIGN §4: 10,000 slots per service, one per basis point. A request's
 * sticky key hashes (salted per service) to a slot; the slot's owner is the revision.
 *
 * A weight change moves only the slots that must move. Shrinking revisions release their
 * most recently acquired slots first (LIFO, by `seq`), and a released slot goes back to
 * its previous owner (`prev`) when that owner grows. So every move goes from a shrinking
 * to a growing revision (keys moved = total variation), and a ramp followed by a return to
 * earlier weights undoes itself slot by slot, putting every key back where it was.
 *
 * Owners are small ids (0–254) whose labels (revision versions) live in `labels`, so the
 * table is self-describing and can be stored, restored and published as it is.
 */
import { apportion } from "./weights.ts";
import { base64ToBytes, bytesToBase64 } from "./base64.ts";

export const SLOT_COUNT = 10_000;
export const NO_OWNER = 255;
const MAX_LABELS = 255;

export interface SlotTable {
  /** owner id of each slot */
  owner: Uint8Array;
  /** the owner before the current one, NO_OWNER if none */
  prev: Uint8Array;
  /** acquisition order: a larger value was acquired more recently */
  seq: Uint32Array;
  /** the next acquisition number */
  clock: number;
  /** label (revision version) of each owner id; null for a free id */
  labels: (string | null)[];
}

/** The slot a hash lands on. */
export function slotOf(hash: number): number {
  return (hash >>> 0) % SLOT_COUNT;
}

/** The owner of every slot of a decoded table, or -1 when two or more share it. Once per compile. */
export function soleOwner(slots: Uint8Array): number {
  const first = slots.length === 0 ? -1 : slots[0];
  for (let i = 1; i < slots.length; i++) if (slots[i] !== first) return -1;
  return first;
}

/** A table whose every slot belongs to `label` (a new service's primary). */
export function createSlotTable(label: string): SlotTable {
  const seq = new Uint32Array(SLOT_COUNT);
  for (let i = 0; i < SLOT_COUNT; i++) seq[i] = i + 1;
  return {
    owner: new Uint8Array(SLOT_COUNT),
    prev: new Uint8Array(SLOT_COUNT).fill(NO_OWNER),
    seq,
    clock: SLOT_COUNT + 1,
    labels: [label],
  };
}

export function cloneSlotTable(table: SlotTable): SlotTable {
  return {
    owner: table.owner.slice(),
    prev: table.prev.slice(),
    seq: table.seq.slice(),
    clock: table.clock,
    labels: table.labels.slice(),
  };
}

/** Slots held by each label. */
export function slotCounts(table: SlotTable): Map<string, number> {
  const perId = new Uint32Array(MAX_LABELS + 1);
  for (let i = 0; i < SLOT_COUNT; i++) perId[table.owner[i]]++;
  const counts = new Map<string, number>();
  table.labels.forEach((label, id) => {
    if (label !== null) counts.set(label, perId[id]);
  });
  return counts;
}

function idOf(table: SlotTable, label: string): number {
  return table.labels.indexOf(label);
}

function addLabel(table: SlotTable, label: string): number {
  const free = table.labels.indexOf(null);
  if (free !== -1) {
    table.labels[free] = label;
    return free;
  }
  if (table.labels.length >= MAX_LABELS) throw new RangeError(`a slot table holds at most ${MAX_LABELS} revisions`);
  table.labels.push(label);
  return table.labels.length - 1;
}

/** Frees an owner id: no slot may hold it, and no slot remembers it as previous owner. */
function forget(table: SlotTable, id: number): void {
  for (let i = 0; i < SLOT_COUNT; i++) if (table.prev[i] === id) table.prev[i] = NO_OWNER;
  table.labels[id] = null;
  while (table.labels.length > 1 && table.labels[table.labels.length - 1] === null) table.labels.pop();
}

/**
 * Moves the fewest slots so that each label holds `targets[label]` slots. `targets` in
 * basis points (or any weights) is apportioned to SLOT_COUNT by largest remainder. Labels
 * missing from `targets` lose all their slots and are removed; new labels are added.
 * Mutates `table`; returns the number of slots that changed owner.
 */
export function rebalance(table: SlotTable, targets: Readonly<Record<string, number>>): number {
  const labels = Object.keys(targets);
  const counts = apportion(
    labels.map((l) => targets[l]),
    SLOT_COUNT,
  );
  // Refuse before mutating anything, so a refused change leaves the table as it was.
  const fresh = labels.filter((l) => idOf(table, l) === -1).length;
  const freeIds = table.labels.filter((l) => l === null).length + MAX_LABELS - table.labels.length;
  if (fresh > freeIds) throw new RangeError(`a slot table holds at most ${MAX_LABELS} revisions`);
  const need = new Int32Array(MAX_LABELS + 1);
  for (let i = 0; i < labels.length; i++) {
    const id = idOf(table, labels[i]) === -1 ? addLabel(table, labels[i]) : idOf(table, labels[i]);
    need[id] = counts[i];
  }
  for (let i = 0; i < SLOT_COUNT; i++) need[table.owner[i]]--;

  // Released slots: each shrinking owner gives up its most recent acquisitions first.
  const released: number[] = [];
  for (let id = 0; id < table.labels.length; id++) {
    if (need[id] >= 0) continue;
    const mine: number[] = [];
    for (let i = 0; i < SLOT_COUNT; i++) if (table.owner[i] === id) mine.push(i);
    mine.sort((a, b) => table.seq[b] - table.seq[a]);
    for (let k = 0; k < -need[id]; k++) released.push(mine[k]);
  }

  const assign = (slot: number, to: number) => {
    table.prev[slot] = table.owner[slot];
    table.owner[slot] = to;
    table.seq[slot] = table.clock++;
    need[to]--;
  };
  // First a released slot goes home to its previous owner, if that owner grows ...
  const rest: number[] = [];
  for (const slot of released) {
    const home = table.prev[slot];
    if (home !== NO_OWNER && need[home] > 0) assign(slot, home);
    else rest.push(slot);
  }
  // ... then the others fill the growing owners in id order.
  let to = 0;
  for (const slot of rest) {
    while (need[to] <= 0) to++;
    assign(slot, to);
  }

  const keep = new Set(labels);
  table.labels.forEach((label, id) => {
    if (label !== null && !keep.has(label)) forget(table, id);
  });
  return released.length;
}

/**
 * Gives every slot of `from` to `into` (promote: the old primary's users move to the
 * promoted revision, whose own users stay). `into` may be a new label, then it is a rename.
 */
export function mergeLabel(table: SlotTable, from: string, into: string): void {
  const fromId = idOf(table, from);
  if (fromId === -1) throw new RangeError(`no label '${from}' in the slot table`);
  const intoId = idOf(table, into);
  if (intoId === -1) {
    table.labels[fromId] = into;
    return;
  }
  for (let i = 0; i < SLOT_COUNT; i++) if (table.owner[i] === fromId) table.owner[i] = intoId;
  forget(table, fromId);
}

/** Renames a label in place (no slot moves). */
export function renameLabel(table: SlotTable, from: string, to: string): void {
  const id = idOf(table, from);
  if (id === -1) throw new RangeError(`no label '${from}' in the slot table`);
  table.labels[id] = to;
}

/**
 * Owner bytes remapped to positions in `order` (the route record's revision list), for
 * publishing. A label missing from `order` is an error: the record would route nowhere.
 */
export function ownersByPosition(table: SlotTable, order: readonly string[]): Uint8Array {
  const map = new Uint8Array(MAX_LABELS + 1).fill(NO_OWNER);
  table.labels.forEach((label, id) => {
    if (label !== null) map[id] = order.indexOf(label);
  });
  const out = new Uint8Array(SLOT_COUNT);
  for (let i = 0; i < SLOT_COUNT; i++) {
    const pos = map[table.owner[i]];
    if (pos === NO_OWNER) throw new RangeError(`slot ${i} belongs to '${table.labels[table.owner[i]]}', which is not published`);
    out[i] = pos;
  }
  return out;
}

// ---- storage encoding ----

export interface EncodedSlotTable {
  labels: (string | null)[];
  clock: number;
  /** base64 of owner ‖ prev ‖ seq (little-endian uint32) */
  data: string;
}

/** Bytes of a table's slots as stored: owner ‖ prev ‖ seq (little-endian uint32), 60,000 bytes. */
export const SLOT_BYTES = SLOT_COUNT * 6;

export function slotTableBytes(table: SlotTable): Uint8Array {
  const bytes = new Uint8Array(SLOT_BYTES);
  bytes.set(table.owner, 0);
  bytes.set(table.prev, SLOT_COUNT);
  const seq = new DataView(bytes.buffer, SLOT_COUNT * 2);
  for (let i = 0; i < SLOT_COUNT; i++) seq.setUint32(i * 4, table.seq[i], true);
  return bytes;
}

export function slotTableFromBytes(bytes: Uint8Array, labels: readonly (string | null)[], clock: number): SlotTable {
  if (bytes.length !== SLOT_BYTES) throw new RangeError("slot table data has the wrong length");
  const seqView = new DataView(bytes.buffer, bytes.byteOffset + SLOT_COUNT * 2, SLOT_COUNT * 4);
  const seq = new Uint32Array(SLOT_COUNT);
  for (let i = 0; i < SLOT_COUNT; i++) seq[i] = seqView.getUint32(i * 4, true);
  return {
    owner: bytes.slice(0, SLOT_COUNT),
    prev: bytes.slice(SLOT_COUNT, SLOT_COUNT * 2),
    seq,
    clock,
    labels: labels.slice(),
  };
}

export function encodeSlotTable(table: SlotTable): EncodedSlotTable {
  return { labels: table.labels.slice(), clock: table.clock, data: bytesToBase64(slotTableBytes(table)) };
}

export function decodeSlotTable(encoded: EncodedSlotTable): SlotTable {
  return slotTableFromBytes(base64ToBytes(encoded.data), encoded.labels, encoded.clock);
}
