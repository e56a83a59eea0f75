import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileBackend, type LatencyModel, Machine, MemoryBackend, ModeledBackend, Simulation, VirtioBlk } from "@vmlab/core-vm";
import { readGuestElf, repoRoot, thrownCode } from "@vmlab/test-utils";
import { afterAll, describe, expect, it } from "vitest";
import { BLKBENCH_SERIAL, blkbenchDisk, QEMU_FIRST_SLOT, runToEnd } from "./virtio-helpers.js";

const dir = mkdtempSync(join(tmpdir(), "vmlab-block-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs blkbench against a backend; returns the console text. */
function blkbench(backend: ConstructorParameters<typeof VirtioBlk>[0]["backend"]): string {
  const m = new Machine();
  m.attachVirtio(QEMU_FIRST_SLOT, new VirtioBlk({ backend, serial: BLKBENCH_SERIAL }));
  m.loadElf(readGuestElf("blkbench"));
  expect(runToEnd(m)).toBe("exit");
  expect(m.exitCode).toBe(0);
  return Buffer.from(m.console()).toString("latin1");
}

const iops = (text: string, qd: number) => Number(new RegExp(`timing: qd=${qd} ticks=\\d+ iops=(\\d+)`).exec(text)?.[1]);

describe("FileBackend", () => {
  it("creates a sparse image of the given size", () => {
    const path = join(dir, "sparse.img");
    const b = new FileBackend({ path, sizeBytes: 64 << 20, create: true });
    b.close();
    const st = statSync(path);
    expect(st.size).toBe(64 << 20);
    expect(st.blocks * 512).toBeLessThan(1 << 20);
  });

  it("reads back what it wrote, through the file", () => {
    const path = join(dir, "rw.img");
    const b = new FileBackend({ path, sizeBytes: 8192, create: true });
    b.write(512, new Uint8Array([1, 2, 3, 4]));
    b.flush();
    const out = new Uint8Array(6);
    b.read(511, out);
    expect(Array.from(out)).toEqual([0, 1, 2, 3, 4, 0]);
    b.close();
    expect(Array.from(readFileSync(path).subarray(512, 516))).toEqual([1, 2, 3, 4]);
  });

  it("gives specific errors and leaves the disk unchanged on bad input", () => {
    const path = join(dir, "odd.img");
    writeFileSync(path, new Uint8Array(4096).fill(7));
    expect(thrownCode(() => new FileBackend({ path, sizeBytes: 8192 }))).toBe("VMLAB_BLOCK_BAD_FILE_SIZE");
    expect(thrownCode(() => new FileBackend({ path, sizeBytes: 8192, create: true }))).toBe("VMLAB_BLOCK_BAD_FILE_SIZE");
    expect(readFileSync(path).length).toBe(4096);
    expect(readFileSync(path).every((b) => b === 7)).toBe(true);
    expect(thrownCode(() => new FileBackend({ path: join(dir, "missing.img"), sizeBytes: 4096 }))).toBe("VMLAB_BLOCK_FILE_NOT_FOUND");
    const nested = join(dir, "no-such-dir", "d.img");
    expect(thrownCode(() => new FileBackend({ path: nested, sizeBytes: 4096, create: true }))).toBe("VMLAB_BLOCK_FILE_UNWRITABLE");
    expect(existsSync(nested)).toBe(false);
    expect(thrownCode(() => new FileBackend({ path: join(dir, "x.img"), sizeBytes: 1000, create: true }))).toBe("VMLAB_BLOCK_BAD_SIZE");
    writeFileSync(join(dir, "ragged.img"), new Uint8Array(1000));
    expect(thrownCode(() => new FileBackend({ path: join(dir, "ragged.img") }))).toBe("VMLAB_BLOCK_BAD_SIZE");
  });

  it("blkbench through a file leaves the same image as QEMU (guest/expected/blkbench.disk.sha256)", () => {
    const path = join(dir, "blkbench.img");
    writeFileSync(path, blkbenchDisk());
    const b = new FileBackend({ path });
    blkbench(b);
    b.close();
    const golden = readFileSync(join(repoRoot(), "guest", "expected", "blkbench.disk.sha256"), "utf8").trim();
    expect(createHash("sha256").update(readFileSync(path)).digest("hex")).toBe(golden);
  });
});

describe("ModeledBackend", () => {
  const constant = (ns: number): LatencyModel => ({ serviceNs: () => ns });

  it("queues requests FIFO in front of its servers", () => {
    const one = new ModeledBackend({ store: new MemoryBackend({ sizeBytes: 4096 }), model: constant(1000) });
    expect([0, 0, 0].map((t) => one.submit("read", 0, 512, t))).toEqual([1000, 2000, 3000]);
    expect(one.submit("read", 0, 512, 10_000)).toBe(11_000);
    const two = new ModeledBackend({ store: new MemoryBackend({ sizeBytes: 4096 }), model: constant(1000), servers: 2 });
    expect([0, 0, 0].map((t) => two.submit("read", 0, 512, t))).toEqual([1000, 1000, 2000]);
  });

  it("asks the model with the time service starts and the request's op, offset and length", () => {
    const seen: string[] = [];
    const model: LatencyModel = {
      serviceNs: (op, offset, length, start) => {
        seen.push(`${op}@${offset}+${length}:${start}`);
        return 500;
      },
    };
    const b = new ModeledBackend({ store: new MemoryBackend({ sizeBytes: 8192 }), model });
    b.submit("write", 512, 1024, 100);
    b.submit("read", 0, 512, 200);
    expect(seen).toEqual(["write@512+1024:100", "read@0+512:600"]);
  });

  it("rejects a model that returns a negative or non-finite time", () => {
    const b = new ModeledBackend({ store: new MemoryBackend({ sizeBytes: 4096 }), model: constant(Number.NaN) });
    expect(thrownCode(() => b.submit("read", 0, 512, 0))).toBe("VMLAB_BLOCK_BAD_OPTION");
  });

  it("save/restore keeps the queue position; a state with another server count is refused", () => {
    const a = new ModeledBackend({ store: new MemoryBackend({ sizeBytes: 4096 }), model: constant(1000), servers: 2 });
    a.submit("read", 0, 512, 0);
    a.submit("read", 0, 512, 0);
    const b = new ModeledBackend({ store: new MemoryBackend({ sizeBytes: 4096 }), model: constant(1000), servers: 2 });
    b.restore(JSON.parse(JSON.stringify(a.save())));
    expect(b.submit("read", 0, 512, 0)).toBe(a.submit("read", 0, 512, 0));
    const c = new ModeledBackend({ store: new MemoryBackend({ sizeBytes: 4096 }), model: constant(1000) });
    expect(thrownCode(() => c.restore(a.save()))).toBe("VMLAB_SIM_BAD_STATE");
  });

  it("the guest sees the model: 100 µs per IO on 4 servers caps qd=1 near 10k IOPS and lifts qd=8 about 4x", () => {
    const backend = new ModeledBackend({
      store: new MemoryBackend({ sizeBytes: 8 << 20, contents: blkbenchDisk() }),
      model: constant(100_000),
      servers: 4,
    });
    const text = blkbench(backend);
    expect(text).toContain("read back and verified 256 blocks: 0 errors");
    expect(iops(text, 1)).toBeGreaterThan(9000);
    expect(iops(text, 1)).toBeLessThan(10_000);
    expect(iops(text, 8) / iops(text, 1)).toBeGreaterThan(3.5);
    expect(iops(text, 8)).toBeLessThan(40_001);
  });
});

describe("misspelt options", () => {
  it("Machine, Simulation and the block backends refuse an option they do not know, naming it", () => {
    // Each ran on the default without a word: ramMib: 1 gave 128 MiB, latency: 5000 a RAM disk of 0 ns.
    const store = new MemoryBackend({ sizeBytes: 4096 });
    const model: LatencyModel = { serviceNs: () => 100 };
    const cases: [() => unknown, string, RegExp][] = [
      [() => new Machine({ ramMib: 1 } as never), "VMLAB_MACHINE_BAD_OPTION", /ramMib.*ramMiB/],
      [() => new Machine({ nsPerInsn: 2 } as never), "VMLAB_MACHINE_BAD_OPTION", /nsPerInsn.*nsPerInstruction/],
      [() => new MemoryBackend({ sizeBytes: 4096, latency: 5000 } as never), "VMLAB_BLOCK_BAD_OPTION", /latency.*latencyNs/],
      [() => new ModeledBackend({ store, model, server: 4 } as never), "VMLAB_BLOCK_BAD_OPTION", /server.*servers/],
      [() => new FileBackend({ path: join(dir, "x.img"), size: 4096, create: true } as never), "VMLAB_BLOCK_BAD_OPTION", /size.*sizeBytes/],
      [() => new Simulation({ capacity: 10 } as never), "VMLAB_SIM_BAD_OPTION", /capacity.*initialCapacity/],
      [() => new Simulation({ initialCapacity: Number.NaN }), "VMLAB_SIM_BAD_OPTION", /initialCapacity/],
    ];
    for (const [f, code, message] of cases) {
      expect(thrownCode(f)).toBe(code);
      expect(() => f()).toThrow(message);
    }
    expect(existsSync(join(dir, "x.img"))).toBe(false);
    expect(new MemoryBackend({ sizeBytes: 4096, latencyNs: 5000 }).latencyNs).toBe(5000);
    expect(new Simulation({ initialCapacity: 0 }).pending).toBe(0);
  });
});
