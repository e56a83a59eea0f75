import { z } from "zod";
import { CoreErrors, checkOptionNames } from "../errors.js";
import { type BlockBackend, type BlockOp, SECTOR_SIZE } from "./backend.js";

/** Options of a `MemoryBackend`: the disk's size, latency and initial contents. */
export interface MemoryBackendOptions {
  /** Disk size in bytes, a multiple of 512. */
  sizeBytes: number;
  /**
   * Fixed service time per request in ns (default 0: a RAM disk — the request
   * still completes as an event, after the notifying instruction).
   */
  latencyNs?: number;
  /** Initial contents (copied; shorter than the disk is zero-padded). */
  contents?: Uint8Array;
}

/** A `MemoryBackend`'s saved state: only the disk's size (a snapshot does not hold a disk's contents). */
export const MemoryBackendStateSchema = z.object({ version: z.literal(1), sizeBytes: z.number().int().positive() });

/** A disk held in a byte array: every request takes `latencyNs`, all in parallel. */
export class MemoryBackend implements BlockBackend {
  readonly sizeBytes: number;
  readonly latencyNs: number;
  readonly bytes: Uint8Array;

  constructor(options: MemoryBackendOptions) {
    checkOptionNames(options, ["sizeBytes", "latencyNs", "contents"], CoreErrors.blockBadOption);
    const size = options.sizeBytes;
    if (!Number.isInteger(size) || size <= 0 || size % SECTOR_SIZE !== 0) throw CoreErrors.blockBadSize(size);
    const lat = options.latencyNs ?? 0;
    if (!Number.isInteger(lat) || lat < 0) throw CoreErrors.blockBadOption("latencyNs", lat, "an integer number of ns >= 0");
    if (options.contents !== undefined && options.contents.length > size)
      throw CoreErrors.blockBadOption("contents", options.contents.length, `at most ${size} bytes`);
    this.sizeBytes = size;
    this.latencyNs = lat;
    this.bytes = new Uint8Array(size);
    if (options.contents !== undefined) this.bytes.set(options.contents);
  }

  submit(_op: BlockOp, _offset: number, _length: number, nowNs: number): number {
    return nowNs + this.latencyNs;
  }

  read(offset: number, dst: Uint8Array): void {
    dst.set(this.bytes.subarray(offset, offset + dst.length));
  }

  write(offset: number, src: Uint8Array): void {
    this.bytes.set(src, offset);
  }

  flush(): void {}

  save(): z.infer<typeof MemoryBackendStateSchema> {
    return { version: 1, sizeBytes: this.sizeBytes };
  }

  restore(state: unknown): void {
    const p = MemoryBackendStateSchema.safeParse(state);
    if (!p.success) throw CoreErrors.simBadState("memory block backend", p.error.issues.map((i) => i.message).join("; "));
    if (p.data.sizeBytes !== this.sizeBytes)
      throw CoreErrors.simBadState("memory block backend", `state is for ${p.data.sizeBytes} bytes, the disk has ${this.sizeBytes}`);
  }
}
