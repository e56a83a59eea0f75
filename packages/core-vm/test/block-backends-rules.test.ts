import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BlockBackend, FileBackend, type LatencyModel, MemoryBackend, ModeledBackend } from "@vmlab/core-vm";
import { thrownCode } from "@vmlab/test-utils";
import { afterAll, describe, expect, it } from "vitest";

// The block backends' documented rules (docs/virtio.md "Block backends"), one behaviour a test.
const dir = mkdtempSync(join(tmpdir(), "vmlab-block-rules-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("FileBackend rules", () => {
  it("completes a request latencyNs after it is submitted (docs: fixed latencyNs in virtual time)", () => {
    const b = new FileBackend({ path: join(dir, "lat.img"), sizeBytes: 4096, create: true, latencyNs: 2500 });
    expect(b.submit("read", 0, 512, 1000)).toBe(3500);
    b.close();
    expect(thrownCode(() => new FileBackend({ path: join(dir, "neg.img"), sizeBytes: 4096, create: true, latencyNs: -1 }))).toBe(
      "VMLAB_BLOCK_BAD_OPTION",
    );
  });

  it("creating an image needs its size; an empty existing image is refused as a bad size", () => {
    expect(thrownCode(() => new FileBackend({ path: join(dir, "nosize.img"), create: true }))).toBe("VMLAB_BLOCK_BAD_OPTION");
    writeFileSync(join(dir, "empty.img"), new Uint8Array(0));
    expect(thrownCode(() => new FileBackend({ path: join(dir, "empty.img") }))).toBe("VMLAB_BLOCK_BAD_SIZE");
  });

  it("reads what is missing of an image that shrank under it as zeros, not the buffer's old bytes", () => {
    const path = join(dir, "shrink.img");
    const b = new FileBackend({ path, sizeBytes: 4096, create: true });
    b.write(0, new Uint8Array(4096).fill(9));
    // Another process truncates the image to one sector.
    writeFileSync(path, new Uint8Array(512).fill(9));
    const dst = new Uint8Array(1024).fill(0xee);
    b.read(0, dst);
    expect(dst.subarray(0, 512).every((x) => x === 9)).toBe(true);
    expect(dst.subarray(512).every((x) => x === 0)).toBe(true);
    b.close();
  });

  it("close is idempotent; IO after close is a VmlabError naming the image", () => {
    const path = join(dir, "closed.img");
    const b = new FileBackend({ path, sizeBytes: 4096, create: true });
    b.close();
    expect(() => b.close()).not.toThrow();
    expect(thrownCode(() => b.read(0, new Uint8Array(512)))).toBe("VMLAB_BLOCK_FILE_UNREADABLE");
  });

  it("refuses a saved state for another size", () => {
    const b = new FileBackend({ path: join(dir, "state.img"), sizeBytes: 4096, create: true });
    expect(() => b.restore(b.save())).not.toThrow();
    expect(thrownCode(() => b.restore({ version: 1, sizeBytes: 8192 }))).toBe("VMLAB_SIM_BAD_STATE");
    b.close();
  });
});

describe("MemoryBackend rules", () => {
  it("takes contents as large as the disk, refuses larger ones", () => {
    const full = new Uint8Array(1024).fill(5);
    expect(new MemoryBackend({ sizeBytes: 1024, contents: full }).bytes.every((x) => x === 5)).toBe(true);
    expect(thrownCode(() => new MemoryBackend({ sizeBytes: 1024, contents: new Uint8Array(1025) }))).toBe("VMLAB_BLOCK_BAD_OPTION");
  });

  it("refuses a fractional latency and a saved state for another size", () => {
    expect(thrownCode(() => new MemoryBackend({ sizeBytes: 1024, latencyNs: 1.5 }))).toBe("VMLAB_BLOCK_BAD_OPTION");
    const m = new MemoryBackend({ sizeBytes: 1024 });
    expect(() => m.restore(m.save())).not.toThrow();
    expect(thrownCode(() => m.restore({ version: 1, sizeBytes: 2048 }))).toBe("VMLAB_SIM_BAD_STATE");
  });

  it("reads exactly the requested bytes at the offset", () => {
    const m = new MemoryBackend({ sizeBytes: 1024, contents: Uint8Array.from({ length: 1024 }, (_, i) => i & 0xff) });
    const dst = new Uint8Array(4).fill(0xee);
    m.read(1020, dst);
    expect(Array.from(dst)).toEqual([252, 253, 254, 255]);
  });
});

describe("ModeledBackend rules", () => {
  const constant = (ns: number): LatencyModel => ({ serviceNs: () => ns });
  const store = () => new MemoryBackend({ sizeBytes: 4096 });

  it("serves on the server free earliest: a late arrival does not wait behind a busy server while another is idle", () => {
    let next = 5000;
    const b = new ModeledBackend({ store: store(), model: { serviceNs: () => next }, servers: 2 });
    expect(b.submit("read", 0, 512, 0)).toBe(5000); // server 0 busy to 5000
    next = 1000;
    expect(b.submit("read", 0, 512, 0)).toBe(1000); // server 1 busy to 1000
    expect(b.submit("read", 0, 512, 2000)).toBe(3000); // server 1 is free at 2000
  });

  it("refuses a negative or infinite service time, and rounds a fractional one to whole ns", () => {
    expect(thrownCode(() => new ModeledBackend({ store: store(), model: constant(-1) }).submit("read", 0, 512, 0))).toBe(
      "VMLAB_BLOCK_BAD_OPTION",
    );
    expect(
      thrownCode(() => new ModeledBackend({ store: store(), model: constant(Number.POSITIVE_INFINITY) }).submit("read", 0, 512, 0)),
    ).toBe("VMLAB_BLOCK_BAD_OPTION");
    expect(new ModeledBackend({ store: store(), model: constant(100.6) }).submit("read", 0, 512, 10)).toBe(111);
  });

  it("takes 1..1024 servers", () => {
    expect(new ModeledBackend({ store: store(), model: constant(1), servers: 1024 }).save().busyUntil).toHaveLength(1024);
    for (const servers of [0, 1025, 1.5])
      expect(thrownCode(() => new ModeledBackend({ store: store(), model: constant(1), servers }))).toBe("VMLAB_BLOCK_BAD_OPTION");
  });

  it("saves and restores its model's state and its store's, and refuses a state with fewer servers", () => {
    class Counting implements LatencyModel {
      calls = 0;
      serviceNs(): number {
        return 100 * ++this.calls;
      }
      save(): unknown {
        return { calls: this.calls };
      }
      restore(state: unknown): void {
        this.calls = (state as { calls: number }).calls;
      }
    }
    const a = new ModeledBackend({ store: store(), model: new Counting() });
    a.submit("read", 0, 512, 0);
    a.submit("read", 0, 512, 0);
    const b = new ModeledBackend({ store: store(), model: new Counting() });
    b.restore(JSON.parse(JSON.stringify(a.save())));
    expect(b.submit("read", 0, 512, 10_000)).toBe(a.submit("read", 0, 512, 10_000));
    // The store's own check runs: a state saved over a 4 KiB store does not fit an 8 KiB one.
    const big = new ModeledBackend({ store: new MemoryBackend({ sizeBytes: 8192 }), model: constant(1) });
    expect(thrownCode(() => big.restore(a.save()))).toBe("VMLAB_SIM_BAD_STATE");
    const two = new ModeledBackend({ store: store(), model: constant(1), servers: 2 });
    expect(thrownCode(() => two.restore(a.save()))).toBe("VMLAB_SIM_BAD_STATE");
  });

  it("passes flush on to its store", () => {
    let flushes = 0;
    const inner = store();
    const spy: BlockBackend = {
      sizeBytes: inner.sizeBytes,
      submit: () => 0,
      read: (o, d) => inner.read(o, d),
      write: (o, s) => inner.write(o, s),
      flush: () => {
        flushes++;
      },
      save: () => inner.save(),
      restore: (s) => inner.restore(s),
    };
    new ModeledBackend({ store: spy, model: constant(1) }).flush();
    expect(flushes).toBe(1);
  });
});
