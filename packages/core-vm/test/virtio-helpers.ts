import { type Machine, MemoryBackend, VirtioBlk } from "@vmlab/core-vm";

/** The disk every blkbench run starts from: 8 MiB, a label in sector 0, zeros elsewhere. */
export const BLKBENCH_DISK_BYTES = 8 * 1024 * 1024;
export const BLKBENCH_LABEL = "vmlab disk image v1\n";
export const BLKBENCH_SERIAL = "vmlab-disk0";
/** QEMU `virt` puts the first -device in the highest virtio-mmio slot. */
export const QEMU_FIRST_SLOT = 7;

export function blkbenchDisk(): Uint8Array {
  const d = new Uint8Array(BLKBENCH_DISK_BYTES);
  d.set(new TextEncoder().encode(BLKBENCH_LABEL));
  return d;
}

/** Runs a machine until the guest exits or halts (or `max` instructions), running due events in between. */
export function runToEnd(m: Machine, max = 2_000_000_000): "exit" | "budget" | "halt" {
  for (;;) {
    const r = m.run(max - m.hart.retired);
    if (r === "event") {
      m.sim.run({ until: m.sim.now });
      continue;
    }
    return r;
  }
}

/** A machine-ready virtio-blk over an in-memory copy of the blkbench disk. */
export function blkbenchDevice(queueDepth = 32, latencyNs = 0): { blk: VirtioBlk; disk: MemoryBackend } {
  const disk = new MemoryBackend({ sizeBytes: BLKBENCH_DISK_BYTES, contents: blkbenchDisk(), latencyNs });
  return { blk: new VirtioBlk({ backend: disk, queueDepth, serial: BLKBENCH_SERIAL }), disk };
}

/** The console with every "timing:" line (clock-dependent) replaced by a marker. */
export function maskTiming(console: Uint8Array): string {
  return Buffer.from(console)
    .toString("latin1")
    .split("\n")
    .map((l) => (l.startsWith("timing:") ? "timing: <masked>" : l))
    .join("\n");
}
