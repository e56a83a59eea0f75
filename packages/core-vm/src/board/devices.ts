import { resolve } from "node:path";
import { z } from "zod";
import { FileBackend } from "../block/file.js";
import { VirtioBlk } from "../virtio/blk.js";
import type { VirtioDevice } from "../virtio/device.js";
import { attachInQemuOrder } from "../virtio/qemu-order.js";
import { VirtioRng } from "../virtio/rng.js";
import type { Machine } from "./machine.js";

/**
 * The virtio devices of a booted machine, as plain data: what `vmlab boot`'s
 * device flags ask for, and what a snapshot records so `vmlab resume` can
 * rebuild the same machine. Devices take the slots QEMU's command-line order
 * gives them (`attachInQemuOrder`), so a guest finds them where it would on
 * `qemu-system-riscv32 -machine virt`.
 */
export const DeviceSpecSchema = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("blk"),
    /** Raw disk image (absolute path). The image is not part of a snapshot: resume reopens the file as it is. */
    path: z.string().min(1),
    queueDepth: z.number().int().min(1).max(256).default(32),
  }),
  z.object({
    kind: z.literal("rng"),
    /** Seed of the virtual-time entropy stream. */
    seed: z.number().int().min(0).max(0xffffffff),
  }),
]);
export type DeviceSpec = z.input<typeof DeviceSpecSchema>;

/** Builds and attaches the devices; returns their specs normalized (absolute paths, defaults filled in). */
export function attachDevices(machine: Machine, specs: readonly DeviceSpec[]): z.output<typeof DeviceSpecSchema>[] {
  const normalized = specs.map((s) => DeviceSpecSchema.parse(s.kind === "blk" ? { ...s, path: resolve(s.path) } : s));
  const devices: VirtioDevice[] = normalized.map((s) =>
    s.kind === "blk"
      ? new VirtioBlk({ backend: new FileBackend({ path: s.path }), queueDepth: s.queueDepth })
      : new VirtioRng({ entropy: { mode: "virtual", seed: s.seed } }),
  );
  attachInQemuOrder(machine, devices);
  return normalized;
}
