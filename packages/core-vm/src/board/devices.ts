import { resolve } from "node:path";
import { z } from "zod";
import type { BlockBackend } from "../block/backend.js";
import { FileBackend } from "../block/file.js";
import { CoreErrors, VmlabError } from "../errors.js";
import type { DiskModel } from "../plugin-api.js";
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
    /** Timing model the image sits behind (a `DiskModel` name, e.g. "cheetah-15k5"); absent: the file's own speed. */
    model: z.string().min(1).optional(),
  }),
  z.object({
    kind: z.literal("rng"),
    /** Seed of the virtual-time entropy stream. */
    seed: z.number().int().min(0).max(0xffffffff),
  }),
]);
/** One virtio device of a machine, as given (`DeviceSpecSchema`'s input: defaults may be left out). */
export type DeviceSpec = z.input<typeof DeviceSpecSchema>;

/**
 * Builds and attaches the devices; returns their specs normalized (absolute paths, defaults filled in).
 * A disk naming a `model` is looked up in `diskModels` (the plugins' offer); an unknown name throws
 * `VMLAB_BLOCK_UNKNOWN_MODEL` before anything is opened or attached.
 */
export function attachDevices(
  machine: Machine,
  specs: readonly DeviceSpec[],
  diskModels: readonly DiskModel[] = [],
): z.output<typeof DeviceSpecSchema>[] {
  // safeParse: a bad spec (an empty model name, a queue depth of 0) is a VmlabError naming the field, not a ZodError dump.
  const normalized = specs.map((s, i) => {
    const p = DeviceSpecSchema.safeParse(s.kind === "blk" && typeof s.path === "string" ? { ...s, path: resolve(s.path) } : s);
    if (p.success) return p.data;
    const issue = p.error.issues[0];
    const field = issue.path.length > 0 ? `devices[${i}].${issue.path.join(".")}` : `devices[${i}]`;
    const value = issue.path.reduce<unknown>((v, k) => (v as Record<PropertyKey, unknown> | undefined)?.[k], s);
    throw CoreErrors.virtioBadOption(field, JSON.stringify(value), `a valid device spec (${issue.message})`);
  });
  const modelOf = (name: string): DiskModel => {
    const m = diskModels.find((d) => d.name === name);
    if (!m)
      throw CoreErrors.blockUnknownModel(
        name,
        diskModels.map((d) => d.name),
      );
    return m;
  };
  for (const s of normalized) if (s.kind === "blk" && s.model !== undefined) modelOf(s.model);
  // The images opened so far: a later disk's refusal (a missing image, a model refusing it) closes them too.
  const opened: FileBackend[] = [];
  try {
    const devices: VirtioDevice[] = normalized.map((s) => {
      if (s.kind === "rng") return new VirtioRng({ entropy: { mode: "virtual", seed: s.seed } });
      const file = new FileBackend({ path: s.path });
      opened.push(file);
      const backend: BlockBackend = s.model === undefined ? file : onModel(modelOf(s.model), s.path, file, machine);
      return new VirtioBlk({ backend, queueDepth: s.queueDepth });
    });
    attachInQemuOrder(machine, devices);
  } catch (e) {
    for (const f of opened) f.close();
    throw e;
  }
  return normalized;
}

/**
 * The model's backend over the image. A model's refusal (an image larger than the drive) named its own terms and
 * neither the image nor the model ("the store (838860800 sectors from sector 0) does not fit the target's …").
 */
function onModel(model: DiskModel, path: string, file: FileBackend, machine: Machine): BlockBackend {
  try {
    return model.create({ sim: machine.sim, store: file });
  } catch (e) {
    if (e instanceof VmlabError) throw CoreErrors.blockModelRefused(path, model.name, String(e.details.issue ?? e.message));
    throw e;
  }
}
