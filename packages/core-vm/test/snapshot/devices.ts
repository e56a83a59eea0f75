/**
 * The devices each guest program of the fidelity test runs with, built the
 * same way in the parent (uninterrupted run, snapshots) and in the child
 * process (restores): blkbench gets a virtio-blk over an in-memory disk
 * with service time (so requests are in flight at many cuts), vicbench a
 * read-only one (its interrupt handler reaps completions), rng a seeded
 * virtio-rng; the others a bare machine. A disk's contents travel beside
 * the snapshot as `<file>.disk`, as a real VM's disk image does.
 */
import { Machine, MemoryBackend, type SnapshotSubject, VirtioBlk, VirtioRng } from "../../src/index.js";
import { BLKBENCH_DISK_BYTES, BLKBENCH_SERIAL, blkbenchDisk, QEMU_FIRST_SLOT } from "../virtio-helpers.js";

export const RAM_MIB = 32;
const DISK_LATENCY_NS = 20_000;
const RNG_SEED = 77;

export interface Rig {
  subject: SnapshotSubject;
  disk: MemoryBackend | null;
}

/** Builds `program`'s machine and devices; `disk` replaces the initial disk contents (restores). */
export function buildRig(program: string, disk?: Uint8Array): Rig {
  const machine = new Machine({ ramMiB: RAM_MIB });
  let backend: MemoryBackend | null = null;
  if (program === "blkbench") {
    backend = new MemoryBackend({ sizeBytes: BLKBENCH_DISK_BYTES, contents: disk ?? blkbenchDisk(), latencyNs: DISK_LATENCY_NS });
    machine.attachVirtio(QEMU_FIRST_SLOT, new VirtioBlk({ backend, queueDepth: 32, serial: BLKBENCH_SERIAL }));
  } else if (program === "vicbench") {
    // Reads only, from zeros: the disk is rebuilt on restore and nothing travels beside the snapshot.
    const zeros = new MemoryBackend({ sizeBytes: 1 << 20, latencyNs: DISK_LATENCY_NS });
    machine.attachVirtio(QEMU_FIRST_SLOT, new VirtioBlk({ backend: zeros, queueDepth: 32 }));
  } else if (program === "rng") {
    machine.attachVirtio(QEMU_FIRST_SLOT, new VirtioRng({ entropy: { mode: "virtual", seed: RNG_SEED }, latencyNs: 5_000 }));
  }
  return { subject: { machine }, disk: backend };
}
