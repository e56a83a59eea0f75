import { type Rng, Simulation } from "@vmlab/core-vm";
import { hddRaid5Array, hddRaid5LunSectors } from "../array/hdd-raid5.js";
import type { StorageArray } from "../array/storage-array.js";
import { Hdd } from "../devices/hdd.js";
import { CHEETAH_15K5 } from "../devices/hdd-spec.js";
import { HostAdapter } from "../iostack/host-adapter.js";
import { HostCpu } from "../iostack/host-cpu.js";
import type { BlockTarget } from "../iostack/target.js";
import { VirtualDisk } from "../iostack/virtual-disk.js";
import type { AccessSpecInput } from "../workload/access-spec.js";
import { IometerWorkload } from "../workload/iometer.js";

/** Per-IO CPU costs of the IO path, ns (all assumptions: the paper's CPU numbers were not found). */
export interface CpuCosts {
  /** Guest or native OS + driver + Iometer, per IO issued. */
  nativeIssueNs: number;
  /** Native interrupt service, per completion. */
  nativeInterruptNs: number;
  /** Added in a VM per IO: trap on the virtual adapter's port access, vSCSI emulation, VMkernel storage stack. */
  virtIssueNs: number;
  /** Added in a VM per completion: physical interrupt in the VMkernel, virtual interrupt delivery, guest ISR exits. */
  virtInterruptNs: number;
}

export interface TestbedOptions {
  storage: "local" | "array";
  mode: "native" | "vm";
  cpu: CpuCosts;
  hostCores: number;
  /** The HBA's per-LUN queue depth (the host's issue queue). */
  adapterQueueDepth: number;
  /** The guest's virtual adapter queue depth per disk (VM mode). */
  guestQueueDepth: number;
  /** Local disk: write cache on (`HddOptions.writeCache`); array members always run with it off. */
  localDiskWriteCache?: boolean;
  /** Array: member disks (RAID-5). */
  arrayDisks: number;
  arrayCacheMiB: number;
  /** Number of workers (VMs in VM mode, Iometer workers natively), each on its own LUN region. */
  workers: number;
}

export interface Testbed {
  sim: Simulation;
  cpu: HostCpu;
  adapter: HostAdapter;
  /** Where workloads submit (a virtual disk per worker in VM mode, the adapter natively). */
  targets: BlockTarget[];
  /** First sector of each worker's region on its target (natively: its test file's place on the shared disk). */
  regionStart: number[];
  /** Sectors each worker may use. */
  regionSectors: number;
  disks: Hdd[];
  array: StorageArray | null;
}

/** Each worker's equal part of a device of `deviceSectors`, whole 4 KiB (8 sectors). */
function workerShareSectors(deviceSectors: number, workers: number): number {
  return Math.floor(deviceSectors / workers / 8) * 8;
}

/**
 * The most MiB a worker's test file spans on `storage` (`buildTestbed`'s `regionSectors`), from the drive's and the
 * array's capacity rules without building them: what the scenarios' help states as testFileMiB's bound.
 */
export function testFileLimitMiB(o: Pick<TestbedOptions, "storage" | "arrayDisks" | "workers">): number {
  const device = o.storage === "local" ? CHEETAH_15K5.capacitySectors : hddRaid5LunSectors({ disks: o.arrayDisks });
  return Math.floor(workerShareSectors(device, o.workers) / 2048);
}

/**
 * MiB of test file each array member disk adds to `testFileLimitMiB` (one worker, storage=array): RAID-5 leaves one
 * disk's worth for parity, so the limit is ⌊(arrayDisks − 1) × this⌋ — what the help states for any arrayDisks.
 * From the models' capacity rules: the LUN of one more member, less the LUN of one fewer.
 */
export function arrayMiBPerDataDisk(): number {
  return (hddRaid5LunSectors({ disks: 4 }) - hddRaid5LunSectors({ disks: 3 })) / 2048;
}

/**
 * The test system of the ESX disk-performance study, as a model: one host
 * whose CPU runs the IO path, one HBA, and either a local SCSI disk or an
 * FC array (RAID-5 over Cheetah 15K.5 disks with a write-back cache). In VM
 * mode every IO also pays the virtualization CPU costs and passes a
 * per-VM virtual disk.
 */
export function buildTestbed(o: TestbedOptions): Testbed {
  const sim = new Simulation({ initialCapacity: 4096 });
  let device: BlockTarget;
  const disks: Hdd[] = [];
  let array: StorageArray | null = null;
  if (o.storage === "local") {
    const d = new Hdd(sim, CHEETAH_15K5, "local", { writeCache: o.localDiskWriteCache ?? false });
    disks.push(d);
    device = d;
  } else {
    const built = hddRaid5Array(sim, { disks: o.arrayDisks, array: { cacheBytes: o.arrayCacheMiB * 1024 * 1024 } });
    disks.push(...built.disks);
    array = built.array;
    device = array.lun(0);
  }
  const cpu = new HostCpu(o.hostCores);
  const vm = o.mode === "vm";
  const adapter = new HostAdapter(sim, device, {
    issueQueueDepth: o.adapterQueueDepth,
    cpu,
    issueCostNs: o.cpu.nativeIssueNs + (vm ? o.cpu.virtIssueNs : 0),
    interruptCostNs: o.cpu.nativeInterruptNs + (vm ? o.cpu.virtInterruptNs : 0),
  });
  const targets: BlockTarget[] = [];
  const regionStart: number[] = [];
  const share = workerShareSectors(device.capacitySectors, o.workers);
  for (let i = 0; i < o.workers; i++) {
    // A VM sees its own virtual disk (a VMDK at offset i·share); a native worker its test file at that offset.
    targets.push(
      vm ? new VirtualDisk(sim, adapter, { queueDepth: o.guestQueueDepth, offsetSectors: i * share, capacitySectors: share }) : adapter,
    );
    regionStart.push(vm ? 0 : i * share);
  }
  return { sim, cpu, adapter, targets, regionStart, regionSectors: share, disks, array };
}

/** Starts one Iometer worker per target, each on a test region of `testSectors` (clamped to its share). */
export function startWorkers(tb: Testbed, spec: AccessSpecInput, testSectors: number, rng: (i: number) => Rng): IometerWorkload[] {
  const region = Math.min(testSectors, tb.regionSectors);
  return tb.targets.map((target, i) => {
    const w = new IometerWorkload({ ...spec, startSector: tb.regionStart[i], regionSectors: region }, { kind: "closed" }, `worker${i}`);
    w.start({ sim: tb.sim, target, rng: rng(i), vm: i });
    return w;
  });
}

/** Puts every worker's test region in the array cache (no-op for a local disk). */
export function warmArrayCache(tb: Testbed, testSectors: number): void {
  if (!tb.array) return;
  const region = Math.min(testSectors, tb.regionSectors);
  for (let i = 0; i < tb.targets.length; i++) tb.array.prewarm(0, i * tb.regionSectors, region);
}
