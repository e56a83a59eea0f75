import type { Simulation } from "@vmlab/core-vm";
import type { IoRequest } from "../io.js";
import type { BlockTarget, IoSink } from "../iostack/target.js";
import type { StorageArrayState } from "./array-options.js";
import type { StorageArray } from "./storage-array.js";

/** One LUN of the array: a block target with its own queue in the controller. */
export class ArrayLun implements BlockTarget {
  constructor(
    private readonly array: StorageArray,
    readonly index: number,
    readonly offsetSectors: number,
    readonly capacitySectors: number,
  ) {}

  /** The array's simulation (`BlockTarget.simulation`). */
  get simulation(): Simulation {
    return this.array.simulation;
  }

  submit(req: IoRequest, sink: IoSink): void {
    this.array.enqueue(this, req, sink);
  }

  /** The array's cache is battery-backed, but what it destages to a member disk with its write cache on is not. */
  get volatileWriteCache(): boolean {
    return this.array.raid.volatileWriteCache;
  }

  /**
   * An array takes no flush: it completes one from its battery-backed cache and does not pass it to its
   * member disks, whose write caches arrays turn off. Member disks with their write cache on are refused
   * behind a guest (or any flush), with this reason.
   */
  flushRefusal(): string | null {
    return this.volatileWriteCache
      ? "a member disk of the array has its write cache on; an array completes a flush from its battery-backed cache and does not pass it to its member disks (arrays turn their write caches off) — turn the members' write cache off"
      : null;
  }

  /** The whole array's state (a LUN has none of its own): what a guest disk on this LUN saves. */
  save(): StorageArrayState {
    return this.array.save();
  }

  restore(state: unknown): void {
    this.array.restore(state);
  }
}
