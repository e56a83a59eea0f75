import { describe, expect, it } from "vitest";
import type { IoRequest } from "../io.js";
import { IoPool, StackIo } from "./stack-io.js";
import type { IoSink } from "./target.js";

const req: IoRequest = { id: 7, vm: 2, lba: 1000, sectors: 16, isRead: true, issueTime: 5 };
const sink: IoSink = { complete() {} };

describe("IoPool", () => {
  it("copies the addressing fields and starts the scratch fields clear, also on reuse", () => {
    const owner = {};
    const pool = new IoPool(owner);
    const dirty = pool.take(req, sink);
    dirty.t0 = 9;
    dirty.a = 3;
    dirty.b = 4;
    dirty.link = new StackIo();
    dirty.next = new StackIo();
    pool.give(dirty);
    const io = pool.take(req, sink);
    expect(io).toBe(dirty);
    expect([io.id, io.vm, io.lba, io.sectors, io.isRead, io.issueTime]).toEqual([7, 2, 1000, 16, true, 5]);
    expect([io.parent, io.parentSink, io.owner]).toEqual([req, sink, owner]);
    expect([io.t0, io.a, io.b, io.link, io.next, io.nextFree]).toEqual([0, 0, 0, null, null, null]);
    io.a = 1;
    pool.give(io);
    const blank = pool.takeBlank();
    expect(blank).toBe(io);
    expect([blank.parent, blank.parentSink, blank.owner, blank.a]).toEqual([null, null, owner, 0]);
  });

  it("complete gives the IO back before completing its parent to its sink, which can take it again at once", () => {
    const pool = new IoPool({});
    const io = pool.take(req, null);
    let retaken: StackIo | null = null;
    let inUseSeen = -1;
    const s: IoSink = {
      complete(r) {
        expect(r).toBe(req);
        inUseSeen = pool.inUse;
        retaken = pool.take(req, null);
      },
    };
    io.parentSink = s;
    pool.complete(io);
    expect(inUseSeen).toBe(0);
    expect(retaken).toBe(io);
    expect(io.parent).toBe(req); // taken again for req
  });

  it("reuses the most recently given IO first and counts IOs in use", () => {
    const pool = new IoPool(null);
    const xs = [pool.take(req, sink), pool.take(req, sink), pool.takeBlank()];
    expect(new Set(xs).size).toBe(3);
    expect(pool.inUse).toBe(3);
    for (const x of xs) pool.give(x);
    expect(pool.inUse).toBe(0);
    for (const x of xs.reverse()) expect(pool.takeBlank()).toBe(x);
    expect(pool.inUse).toBe(3);
  });

  it("allocates every IO when recycling is off (the bench's baseline)", () => {
    const pool = new IoPool(null);
    const old = pool.take(req, sink);
    pool.give(old); // on the free list from before recycling went off
    IoPool.recycle = false;
    try {
      const a = pool.take(req, sink);
      expect(a).not.toBe(old);
      pool.give(a);
      expect(pool.take(req, sink)).not.toBe(a);
      expect(pool.takeBlank()).not.toBe(old);
    } finally {
      IoPool.recycle = true;
    }
  });
});
