import type { IoPool, StackIo } from "../iostack/stack-io.js";

/** Marks a sub-IO that belongs to a RAID-5 partial-stripe write (its reads, then its writes). */
export const IN_STRIPE_OP = 1;
/** Marks a member IO that is the whole request (one piece): it completes straight to the submitter. */
export const WHOLE = 2;

/** The member holding RAID-5 stripe `stripe`'s parity over `n` members (left-symmetric: rotating from the last member down). */
export function parityOf(n: number, stripe: number): number {
  return n - 1 - (stripe % n);
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
