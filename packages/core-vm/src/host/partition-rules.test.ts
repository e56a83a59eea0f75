import { thrownCode } from "@vmlab/test-utils";
import { describe, expect, it } from "vitest";
import { BLOCK_PENDING, type BlockBackend, type BlockOp } from "../block/backend.js";
import { MemoryBackend } from "../block/memory.js";
import { Host } from "./host.js";
import { PartitionBackend } from "./partition.js";

/** An asynchronous target that records what reaches it and completes on demand. */
class Recorder implements BlockBackend {
  readonly store: MemoryBackend;
  readonly sizeBytes: number;
  flushes = 0;
  listener: ((tag: number) => void) | null = null;
  constructor(sizeBytes: number) {
    this.store = new MemoryBackend({ sizeBytes });
    this.sizeBytes = sizeBytes;
  }
  setCompletionListener(listener: (tag: number) => void): void {
    this.listener = listener;
  }
  submit(_op: BlockOp, _offset: number, _length: number, _nowNs: number, _tag: number): number {
    return BLOCK_PENDING;
  }
  read(offset: number, dst: Uint8Array): void {
    this.store.read(offset, dst);
  }
  write(offset: number, src: Uint8Array): void {
    this.store.write(offset, src);
  }
  flush(): void {
    this.flushes++;
  }
  save(): unknown {
    return null;
  }
  restore(): void {}
}

describe("PartitionBackend: a LUN is a window [offset, offset+size) of the host's target", () => {
  it("moves bytes at its offset in the target, and passes flush through", () => {
    const target = new Recorder(8192);
    const lun = new PartitionBackend(target, 4096, 2048);
    lun.write(512, new Uint8Array([1, 2, 3]));
    expect(Array.from(target.store.bytes.subarray(4096 + 512, 4096 + 515))).toEqual([1, 2, 3]);
    target.store.bytes.set([7, 8], 4096);
    const dst = new Uint8Array(2);
    lun.read(0, dst);
    expect(Array.from(dst)).toEqual([7, 8]);
    lun.flush();
    expect(target.flushes).toBe(1);
  });

  it("takes a window that ends exactly at the target's end; refuses one past it, unaligned or under a sector", () => {
    const target = new Recorder(8192);
    expect(new PartitionBackend(target, 4096, 4096).sizeBytes).toBe(4096);
    expect(thrownCode(() => new PartitionBackend(target, 4608, 4096))).toBe("VMLAB_HOST_BAD_OPTION");
    expect(thrownCode(() => new PartitionBackend(target, 100, 512))).toBe("VMLAB_HOST_BAD_OPTION");
    expect(thrownCode(() => new PartitionBackend(target, 0, 0))).toBe("VMLAB_HOST_BAD_OPTION");
    const host = new Host({ name: "h", storage: target });
    expect(host.lun(7680, 512).offsetBytes).toBe(7680);
    expect(thrownCode(() => new Host({ name: "bare" }).lun(0, 512))).toBe("VMLAB_HOST_BAD_OPTION");
  });

  it("a device that sets its listener again (each reset) keeps its one place among the target's 4096", () => {
    const target = new Recorder(8192);
    const a = new PartitionBackend(target, 0, 4096);
    const heard: number[] = [];
    for (let i = 0; i < 5000; i++) a.setCompletionListener((tag) => heard.push(i * 100 + tag));
    const b = new PartitionBackend(target, 4096, 4096);
    expect(thrownCode(() => b.setCompletionListener(() => {}))).toBe("no error");
    // The target echoes the tag it was given: the latest listener hears the device's own tag.
    let echoed = -1;
    target.submit = (_op, _off, _len, _now, tag) => {
      echoed = tag;
      return BLOCK_PENDING;
    };
    a.submit("read", 0, 512, 0, 5);
    target.listener?.(echoed);
    expect(heard).toEqual([499_905]);
  });

  it("one asynchronous target tells at most 4096 LUNs apart: the next is refused", () => {
    const target = new Recorder(4097 * 512);
    for (let i = 0; i < 4096; i++) new PartitionBackend(target, i * 512, 512).setCompletionListener(() => {});
    const extra = new PartitionBackend(target, 4096 * 512, 512);
    expect(thrownCode(() => extra.setCompletionListener(() => {}))).toBe("VMLAB_HOST_BAD_OPTION");
  });
});
