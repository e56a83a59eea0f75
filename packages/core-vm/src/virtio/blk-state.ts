import { CoreErrors } from "../errors.js";
import type { VirtioBlkState } from "./blk-protocol.js";
import type { DmaMemory } from "./dma.js";

/**
 * Refuses (`VMLAB_SIM_BAD_STATE`) a parsed virtio-blk state that does not fit the device `name` restores it into:
 * its queue depth, its disk's size (`sizeBytes`, the backend's), in-flight buffers in guest RAM (`mem`), every
 * slot accounted for once (in flight or free), and moderator state exactly when the device's moderator is
 * `stateful`. The backend and the moderator check their own states.
 */
export function checkBlkStateFits(
  s: VirtioBlkState,
  name: string,
  queueDepth: number,
  sizeBytes: number,
  mem: DmaMemory,
  stateful: boolean,
): void {
  const bad = (issue: string) => CoreErrors.simBadState(`${name} virtio-blk`, issue);
  if (s.queueDepth !== queueDepth) throw bad(`state has queue depth ${s.queueDepth}, the device ${queueDepth}`);
  if (s.sizeBytes !== sizeBytes)
    throw CoreErrors.simBadState(`${name} virtio-blk`, `state is for a ${s.sizeBytes}-byte disk, the backend has ${sizeBytes}`, {
      savedSizeBytes: s.sizeBytes,
      backendSizeBytes: sizeBytes,
    });
  const seen = new Set<number>();
  for (const f of s.inflight) {
    if (f.slot >= queueDepth || seen.has(f.slot)) throw bad(`in-flight slot ${f.slot} is out of range or repeated`);
    seen.add(f.slot);
    if (f.addr.length !== f.len.length) throw bad(`in-flight slot ${f.slot}: ${f.addr.length} addresses but ${f.len.length} lengths`);
    for (let i = 0; i < f.addr.length; i++)
      if (!mem.inRam(f.addr[i], f.len[i])) throw bad(`in-flight slot ${f.slot}: buffer ${i} is not in RAM`);
  }
  for (const f of s.free) {
    if (f >= queueDepth || seen.has(f)) throw bad(`free slot ${f} is out of range, repeated or in flight`);
    seen.add(f);
  }
  if (seen.size !== queueDepth) throw bad(`${seen.size} slots accounted for, the device has ${queueDepth}`);
  if (stateful !== (s.moderator !== undefined))
    throw bad(
      stateful
        ? "state has no interrupt-moderator state, the device has a moderator"
        : "state has interrupt-moderator state, the device has no moderator",
    );
}
