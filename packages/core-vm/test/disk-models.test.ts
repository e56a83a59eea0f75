import { existsSync, mkdtempSync, readdirSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  attachDevices,
  type BlockBackend,
  type DiskModel,
  deviceSubjectFactory,
  encodeSnapshot,
  isVmlabError,
  Machine,
  ModeledBackend,
  type Simulation,
  VmlabError,
} from "@vmlab/core-vm";
import { readGuestElf } from "@vmlab/test-utils";
import { afterAll, describe, expect, it } from "vitest";
import { runToEnd } from "./virtio-helpers.js";

const dir = mkdtempSync(join(tmpdir(), "vmlab-disk-models-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A model that serves every request in a fixed 2 ms and remembers what it was built with. */
function slowModel(): DiskModel & { built: { sim: Simulation; store: BlockBackend }[] } {
  const built: { sim: Simulation; store: BlockBackend }[] = [];
  return {
    name: "slow-2ms",
    description: "every request takes 2 ms",
    built,
    create(options) {
      built.push(options);
      return new ModeledBackend({ store: options.store, model: { serviceNs: () => 2_000_000 } });
    },
  };
}

/** A model that refuses every image, as a drive model refuses one too large for it: a VmlabError whose issue is `issue`. */
function refusingModel(name: string, issue: string): DiskModel {
  return {
    name,
    description: "refuses every image",
    create: () => {
      throw new VmlabError("VMLAB_STORAGE_BAD_CONFIG", `model block backend: ${issue}`, { issue });
    },
  };
}

function image(name: string, bytes = 4 * 1024 * 1024): string {
  const path = join(dir, name);
  writeFileSync(path, new Uint8Array(bytes));
  return path;
}

describe("disks on a timing model (DeviceSpec.model, DiskModel)", () => {
  it("a disk naming a model sits behind the backend the model builds, on the machine's simulation", () => {
    const model = slowModel();
    const m = new Machine();
    const path = image("a.img");
    const specs = attachDevices(m, [{ kind: "blk", path, model: "slow-2ms" }], [model]);
    expect(specs[0]).toMatchObject({ kind: "blk", path, model: "slow-2ms", queueDepth: 32 });
    expect(model.built).toHaveLength(1);
    expect(model.built[0].sim).toBe(m.sim);
    expect(model.built[0].store.sizeBytes).toBe(4 * 1024 * 1024);
  });

  it("the model decides the guest's disk time: vicbench takes far longer on a 2 ms disk than on the file", () => {
    const elapsed = (model?: string) => {
      const m = new Machine();
      attachDevices(m, [{ kind: "blk", path: image(`v-${model ?? "file"}.img`), model }], [slowModel()]);
      m.injectConsoleInput(new TextEncoder().encode("16 400 64 0\n"));
      m.loadElf(readGuestElf("vicbench"));
      expect(runToEnd(m, 2_000_000_000)).toBe("exit");
      const out = Buffer.from(m.console()).toString("latin1");
      expect(out).toMatch(/reaped=400 /);
      return { ns: m.nowNs(), checksum: /checksum=(\w+)/.exec(out)?.[1] };
    };
    const file = elapsed();
    const slow = elapsed("slow-2ms");
    expect(slow.checksum).toBe(file.checksum);
    // One server, 2 ms per request: 400 requests take at least 800 ms of virtual time.
    expect(slow.ns).toBeGreaterThan(400 * 2_000_000);
    expect(file.ns).toBeLessThan(slow.ns / 10);
  });

  it("an unknown model is refused before any image is opened, naming the models offered", () => {
    const m = new Machine();
    let err: unknown;
    try {
      attachDevices(m, [{ kind: "blk", path: join(dir, "missing.img"), model: "nope" }], [slowModel()]);
    } catch (e) {
      err = e;
    }
    expect(isVmlabError(err) && err.code).toBe("VMLAB_BLOCK_UNKNOWN_MODEL");
    expect(String((err as Error).message)).toMatch(/unknown disk model "nope"; available: slow-2ms/);
    expect(() => attachDevices(new Machine(), [{ kind: "blk", path: image("b.img"), model: "slow-2ms" }])).toThrow(
      /no package offers disk models/,
    );
  });

  it("a model's refusal of an image names the image and the model (it named neither, in the model's own terms)", () => {
    const tooSmall = refusingModel("tiny", "the disk does not fit");
    const path = image("c.img");
    let err: unknown;
    try {
      attachDevices(new Machine(), [{ kind: "blk", path, model: "tiny" }], [tooSmall]);
    } catch (e) {
      err = e;
    }
    expect(isVmlabError(err) && err.code).toBe("VMLAB_BLOCK_MODEL_REFUSED");
    expect((err as Error).message).toBe(`disk image ${path} cannot go on the "tiny" disk model: the disk does not fit`);
  });

  it("a refusal closes every image opened before it, not only the refused disk's", () => {
    // Files this process holds open, by path (Linux's /proc; elsewhere the check cannot be made).
    const openPaths = (): string[] | null => {
      if (!existsSync("/proc/self/fd")) return null;
      return readdirSync("/proc/self/fd").flatMap((fd) => {
        try {
          return [readlinkSync(`/proc/self/fd/${fd}`)];
        } catch {
          return []; // the directory's own descriptor, gone by now
        }
      });
    };
    const refuses = refusingModel("refuses", "no");
    const first = image("first.img");
    const second = image("second.img");
    const attach = (specs: Parameters<typeof attachDevices>[1]) => () => attachDevices(new Machine(), specs, [slowModel(), refuses]);
    // The second disk's model refuses it; the first disk (on a model, and on its file alone) was opened already.
    expect(
      attach([
        { kind: "blk", path: first, model: "slow-2ms" },
        { kind: "blk", path: second, model: "refuses" },
      ]),
    ).toThrow(/cannot go on the "refuses" disk model/);
    expect(
      attach([
        { kind: "blk", path: first },
        { kind: "blk", path: join(dir, "missing.img") },
      ]),
    ).toThrow(/missing\.img/);
    const held = openPaths();
    if (held === null) return;
    expect(held.filter((p) => p === first || p === second)).toEqual([]);
    // The check sees open images: one attached for real is listed until the process ends.
    attachDevices(new Machine(), [{ kind: "blk", path: second }]);
    expect(openPaths()).toContain(second);
  });

  it("a bad device spec is a VmlabError naming the field, before any image is opened", () => {
    // An empty --disk-model reached the CLI as a ZodError dump and a stack trace (exit 1).
    const bad = (spec: Record<string, unknown>) => {
      try {
        attachDevices(new Machine(), [spec as unknown as Parameters<typeof attachDevices>[1][number]], [slowModel()]);
      } catch (e) {
        return e;
      }
      return undefined;
    };
    const empty = bad({ kind: "blk", path: join(dir, "missing.img"), model: "" });
    expect(isVmlabError(empty) && empty.code).toBe("VMLAB_VIRTIO_BAD_OPTION");
    expect(String((empty as Error).message)).toMatch(/devices\[0\]\.model="" is invalid/);
    const depth = bad({ kind: "blk", path: join(dir, "missing.img"), queueDepth: 0 });
    expect(isVmlabError(depth) && depth.code).toBe("VMLAB_VIRTIO_BAD_OPTION");
    expect(String((depth as Error).message)).toMatch(/devices\[0\]\.queueDepth=0 is invalid/);
  });

  it("a snapshot records the model; the device factory rebuilds the disk on it", () => {
    const model = slowModel();
    const m = new Machine();
    const devices = attachDevices(m, [{ kind: "blk", path: image("s.img"), model: "slow-2ms" }], [model]);
    m.loadElf(readGuestElf("hello"));
    encodeSnapshot({ machine: m, devices });
    const rebuilt = deviceSubjectFactory([model])({ ramMiB: 128, nsPerInstruction: m.nsPerInstruction, devices });
    expect(rebuilt.devices?.[0]).toMatchObject({ model: "slow-2ms" });
    expect(model.built).toHaveLength(2);
    expect(model.built[1].sim).toBe(rebuilt.machine.sim);
    expect(() => deviceSubjectFactory()({ ramMiB: 128, nsPerInstruction: m.nsPerInstruction, devices })).toThrow(/unknown disk model/);
  });
});
