import type { IoPool, StackIo } from "../iostack/stack-io.js";

/** Marks a sub-IO that belongs to a RAID-5 partial-stripe write (its reads, then its writes). */
export const IN_STRIPE_OP = 1;
/** Marks a member IO that is the whole request (one piece): it completes straight to the submitter. */
export const WHOLE = 2;

/** The member holding RAID-5 stripe `stripe`'s parity over `n` members (left-symmetric: rotating from the last member down). */
export function parityOf(n: number, stripe: number): number {
  return n - 1 - (stripe % n);
}

/**
 * The member holding data chunk `k` (0-based, in address order) of a RAID-5 stripe whose parity is on member
 * `parity`: left-symmetric, the data chunks follow the parity round the members (Linux md's default layout).
 */
export function dataMemberOf(n: number, parity: number, k: number): number {
  return (parity + 1 + k) % n;
}

/** What takes a RAID-5 stripe's pieces: each becomes a member IO of `op` (issued now, or listed on a stripe operation). */
export interface StripePieceSink {
  piece(op: StackIo, member: number, lba: number, len: number, isRead: boolean): void;
}

/**
 * Cuts [off, off+len) of a RAID-5 stripe's data (offsets into the stripe's data chunks, in address order; the
 * stripe starts at member sector `base` and its parity is on member `parity`) at chunk boundaries and hands each
 * piece to `sink` as [base + o, +l) on the member holding its chunk: the one split for reads and writes.
 */
export function stripePieces(
  sink: StripePieceSink,
  op: StackIo,
  n: number,
  chunk: number,
  base: number,
  parity: number,
  off: number,
  len: number,
  isRead: boolean,
): void {
  while (len > 0) {
    const k = Math.floor(off / chunk);
    const o = off - k * chunk;
    const l = Math.min(len, chunk - o);
    sink.piece(op, dataMemberOf(n, parity, k), base + o, l, isRead);
    off += l;
    len -= l;
  }
}

/** A pooled member IO of `op`: [lba, +len) on `member` (in `a`), `flags` in `b`, linked to `link` (the op, or its stripe operation). */
export function memberIo(
  pool: IoPool,
  op: StackIo,
  member: number,
  lba: number,
  len: number,
  isRead: boolean,
  flags: number,
  link: StackIo,
): StackIo {
  const c = pool.takeBlank();
  c.id = op.id;
  c.vm = op.vm;
  c.issueTime = op.issueTime;
  c.lba = lba;
  c.sectors = len;
  c.isRead = isRead;
  c.a = member;
  c.b = flags;
  c.link = link;
  return c;
}
