/**
 * The event queue's slot record (`EventQueue`, `Calendar`): one pending event in 32 bytes of a Float64Array, read
 * as doubles [time, seq, num, ·] and, through an Int32Array over the same buffer, as int32 words 6, 7 [next, kind·4 |
 * flags]. Plain constants, so the queue's hot loops index the records with no lookup.
 */

/** End of a linked list. */
export const NIL = -1;
/** Slot record: 32 bytes, as doubles [time, seq, num, ·] and as int32 words 6, 7 [next, kind·4 | flags]. */
export const F64_STRIDE = 4;
export const TIME = 0;
export const SEQ = 1;
export const NUM = 2;
export const I32_STRIDE = 8;
export const NEXT = 6;
export const KIND = 7;
/** Flags in the kind word. */
export const HAS_OBJ = 1;
export const IN_FAR = 2;
