import { z } from "zod";
import { CoreErrors, checkOptionNames } from "../errors.js";
import type { BlockBackend, BlockOp } from "./backend.js";

/**
 * How long a request occupies the device once it starts service — the hook
 * for the storage package's disk and array models. It may keep state (head
 * position, cache contents); it is called in service order, with the time
 * service starts.
 */
export interface LatencyModel {
  serviceNs(op: BlockOp, offset: number, length: number, startNs: number): number;
  /** The model's own state for snapshots (default: none). */
  save?(): unknown;
  restore?(state: unknown): void;
}

/** Options of a `ModeledBackend`: the store that holds the bytes, the latency model that times each request, and how many are served at once. */
export interface ModeledBackendOptions {
  /** Where the bytes live (e.g. a `MemoryBackend` or a `FileBackend`); its own latency is ignored. */
  store: BlockBackend;
  model: LatencyModel;
  /** Requests served at once (default 1: one disk arm); more wait, first come first served. */
  servers?: number;
}

const time = z.number().int().min(0);
/** A `ModeledBackend`'s saved state: when each server is next free, and its store's and model's own state. */
export const ModeledBackendStateSchema = z.object({
  version: z.literal(1),
  busyUntil: z.array(time),
  store: z.unknown(),
  model: z.unknown(),
});

/**
 * A disk whose timing comes from a latency model and whose data lives in
 * another backend: a FIFO queue in front of `servers` identical servers.
 * A request submitted at t starts when a server frees up (max(t, free)) and
 * completes `model.serviceNs(...)` later, so the guest sees queueing delay
 * grow with queue depth.
 */
export class ModeledBackend implements BlockBackend {
  readonly sizeBytes: number;
  readonly store: BlockBackend;
  readonly model: LatencyModel;
  /** When each server is next free (virtual ns). */
  private readonly busyUntil: Float64Array;

  constructor(options: ModeledBackendOptions) {
    checkOptionNames(options, ["store", "model", "servers"], CoreErrors.blockBadOption);
    const servers = options.servers ?? 1;
    if (!Number.isInteger(servers) || servers < 1 || servers > 1024)
      throw CoreErrors.blockBadOption("servers", servers, "an integer in 1..1024");
    this.store = options.store;
    this.model = options.model;
    this.sizeBytes = options.store.sizeBytes;
    this.busyUntil = new Float64Array(servers);
  }

  submit(op: BlockOp, offset: number, length: number, nowNs: number): number {
    let k = 0;
    for (let i = 1; i < this.busyUntil.length; i++) if (this.busyUntil[i] < this.busyUntil[k]) k = i;
    const start = Math.max(nowNs, this.busyUntil[k]);
    const service = this.model.serviceNs(op, offset, length, start);
    if (!(service >= 0) || !Number.isFinite(service))
      throw CoreErrors.blockBadOption("model.serviceNs", service, "a finite service time >= 0 ns from the latency model");
    const done = start + Math.round(service);
    this.busyUntil[k] = done;
    return done;
  }

  read(offset: number, dst: Uint8Array): void {
    this.store.read(offset, dst);
  }

  write(offset: number, src: Uint8Array): void {
    this.store.write(offset, src);
  }

  flush(): void {
    this.store.flush();
  }

  save(): z.infer<typeof ModeledBackendStateSchema> {
    return { version: 1, busyUntil: Array.from(this.busyUntil), store: this.store.save(), model: this.model.save?.() ?? null };
  }

  restore(state: unknown): void {
    const p = ModeledBackendStateSchema.safeParse(state);
    if (!p.success) throw CoreErrors.simBadState("modeled block backend", p.error.issues.map((i) => i.message).join("; "));
    if (p.data.busyUntil.length !== this.busyUntil.length)
      throw CoreErrors.simBadState(
        "modeled block backend",
        `state has ${p.data.busyUntil.length} servers, the backend ${this.busyUntil.length}`,
      );
    this.store.restore(p.data.store);
    this.model.restore?.(p.data.model);
    this.busyUntil.set(p.data.busyUntil);
  }
}
