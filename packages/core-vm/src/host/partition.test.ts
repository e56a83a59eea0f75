import { describe, expect, it } from "vitest";
import { BLOCK_PENDING, type BlockBackend, type BlockOp } from "../block/backend.js";
import { MemoryBackend } from "../block/memory.js";
import { PartitionBackend } from "./partition.js";

/** An asynchronous target that holds every request until the test completes it. */
class HeldTarget implements BlockBackend {
  readonly store = new MemoryBackend({ sizeBytes: 1 << 20 });
  readonly sizeBytes = this.store.sizeBytes;
  readonly held: { offset: number; tag: number }[] = [];
  private listener: ((tag: number) => void) | null = null;
  listeners = 0;
  setCompletionListener(listener: (tag: number) => void): void {
    this.listener = listener;
    this.listeners++;
  }
  submit(_op: BlockOp, offset: number, _length: number, _nowNs: number, tag: number): number {
    this.held.push({ offset, tag });
    return BLOCK_PENDING;
  }
  completeAll(): void {
    for (const h of this.held.splice(0)) this.listener?.(h.tag);
  }
  read(offset: number, dst: Uint8Array): void {
    this.store.read(offset, dst);
  }
  write(offset: number, src: Uint8Array): void {
    this.store.write(offset, src);
  }
  flush(): void {}
  save(): unknown {
    return null;
  }
  restore(): void {}
}

describe("PartitionBackend", () => {
  it("hands each completion from a shared asynchronous target to the partition (device) that issued it, with the device's own tag", () => {
    const target = new HeldTarget();
    const a = new PartitionBackend(target, 0, 1 << 19);
    const b = new PartitionBackend(target, 1 << 19, 1 << 19);
    const heard: string[] = [];
    a.setCompletionListener((tag) => heard.push(`a${tag}`));
    b.setCompletionListener((tag) => heard.push(`b${tag}`));
    expect(target.listeners).toBe(1);
    // Both devices use the same tags (their own slot numbers); the target sees them apart.
    expect(a.submit("read", 512, 512, 0, 7)).toBe(BLOCK_PENDING);
    expect(b.submit("read", 512, 512, 0, 7)).toBe(BLOCK_PENDING);
    expect(b.submit("write", 0, 512, 0, 3 * 65536 + 1)).toBe(BLOCK_PENDING);
    expect(target.held.map((h) => h.offset)).toEqual([512, (1 << 19) + 512, 1 << 19]);
    target.completeAll();
    expect(heard).toEqual(["a7", "b7", `b${3 * 65536 + 1}`]);
  });

  it("passes a synchronous target's completion time straight through", () => {
    const disk = new MemoryBackend({ sizeBytes: 1 << 20, latencyNs: 1000 });
    const p = new PartitionBackend(disk, 4096, 4096);
    p.setCompletionListener(() => {});
    expect(p.submit("read", 0, 512, 50, 9)).toBe(disk.submit("read", 4096, 512, 50));
  });
});
