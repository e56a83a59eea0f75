import { z } from "zod";
import type { BlockBackend } from "../block/backend.js";
import { CoreErrors, checkOptionNames, describeIssues } from "../errors.js";
import type { LinkOptions, NetEndpoint, SwitchPort, VirtualSwitch } from "../net/switch.js";
import type { Simulation } from "../sim/simulation.js";
import type { SnapshotComponent } from "../snapshot/component.js";
import type { HostedVm } from "./hosted-vm.js";
import { PartitionBackend } from "./partition.js";

/** Options of a `Host`: its name, physical CPUs, time slice, and the network and storage its VMs share. */
export interface HostOptions {
  name: string;
  /** Physical CPUs shared by the VMs' vCPUs (default 1). */
  physicalCpus?: number;
  /**
   * Scheduling quantum, ns (default 100 µs). Hosts run in lockstep by slices: it also bounds network lookahead
   * (a NIC's link latency must be at least the slice; `connectNic`'s default follows it).
   */
  timeSliceNs?: number;
  /** The network the host's NIC is on (VMs' NICs reach it through the host). */
  network?: VirtualSwitch;
  /** The storage target behind the host's block adapter (HBA); VMs get LUNs of it. */
  storage?: BlockBackend;
}

/** Per-VM accounting, ESX-style. */
export interface VmSchedStats {
  name: string;
  /**
   * Time the vCPU executed on a physical CPU (%RUN): what `runOn` reports, not whole slices — a VM
   * that idles partway through its slice (WFI, waiting for IO) or finishes is not charged the rest.
   */
  runNs: number;
  /**
   * Time runnable but waiting for a physical CPU (%RDY): from when it had work (`readyFromNs`: the slice's
   * start, a guest's WFI wake-up, a workload's IO completion) to when it got a CPU or the slice ended.
   */
  readyNs: number;
  /** Slices in which it ran on a physical CPU (once or more; a VM that gave one back at once did not run). */
  slices: number;
}

const HOST_OPTIONS = ["name", "physicalCpus", "timeSliceNs", "network", "storage"];

/** The switch's default one-way link latency (`VirtualSwitch.connect`), ns. */
const DEFAULT_LINK_LATENCY_NS = 10_000;

const ns = z.number().int().min(0);
/** A `Host`'s saved state: its clock, round-robin position and each VM's CPU accounting. */
export const HostStateSchema = z.object({
  version: z.literal(1),
  nowNs: ns,
  /** Where the next slice's round robin starts looking. */
  nextVm: z.number().int().min(0),
  /** Per VM, in the order added. */
  stats: z.array(z.object({ name: z.string(), runNs: ns, readyNs: ns, slices: ns })),
});
/** A `Host`'s saved state (`HostStateSchema`). */
export type HostState = z.infer<typeof HostStateSchema>;

/**
 * A physical host (DESIGN.md "Host"): runs several VMs — emulated guests
 * and workload models side by side — multiplexing its physical CPUs among
 * their vCPUs by time slices in virtual time. Each slice, the first
 * `physicalCpus` VMs that want a CPU, in round-robin order, get one and
 * keep it until they stop needing it (idle, done) or the slice ends; a CPU
 * given back goes to the next VM ready then, in round-robin order. VMs
 * without a CPU only advance their clocks, their devices completing and
 * interrupts pending until they run again. The host owns a NIC on a network
 * and a block adapter to a storage target.
 *
 * Its own state (the time, where round robin stands, the statistics) saves
 * and restores beside its VMs' (each VM's simulation and model or machine);
 * a restore needs the same VMs added in the same order.
 */
export class Host implements SnapshotComponent<HostState> {
  readonly version = 1;
  readonly name: string;
  readonly physicalCpus: number;
  readonly timeSliceNs: number;
  readonly network: VirtualSwitch | null;
  readonly storage: BlockBackend | null;
  readonly vms: HostedVm[] = [];
  /** Virtual time of the end of the last slice run. */
  nowNs = 0;
  private readonly stats: VmSchedStats[] = [];
  private nextVm = 0;

  constructor(options: HostOptions) {
    checkOptionNames(options, HOST_OPTIONS, CoreErrors.hostBadOption);
    this.name = options.name;
    this.physicalCpus = options.physicalCpus ?? 1;
    this.timeSliceNs = options.timeSliceNs ?? 100_000;
    if (!Number.isInteger(this.physicalCpus) || this.physicalCpus < 1)
      throw CoreErrors.hostBadOption("physicalCpus", this.physicalCpus, "an integer >= 1");
    if (!Number.isInteger(this.timeSliceNs) || this.timeSliceNs < 1)
      throw CoreErrors.hostBadOption("timeSliceNs", this.timeSliceNs, "an integer number of ns >= 1");
    this.network = options.network ?? null;
    this.storage = options.storage ?? null;
  }

  /** Places a VM on the host. */
  add(vm: HostedVm): HostedVm {
    // A slice shorter than its least run: it would never run, and the host never finish.
    if ((vm.minRunNs ?? 1) > this.timeSliceNs)
      throw CoreErrors.hostBadOption(
        `timeSliceNs for ${vm.name}`,
        this.timeSliceNs,
        `at least the least time the VM can run (${vm.minRunNs} ns: one instruction of a guest)`,
      );
    this.vms.push(vm);
    this.stats.push({ name: vm.name, runNs: 0, readyNs: 0, slices: 0 });
    return vm;
  }

  /** A LUN of the storage target for a VM: bytes [offsetBytes, offsetBytes + sizeBytes). */
  lun(offsetBytes: number, sizeBytes: number): PartitionBackend {
    if (this.storage === null)
      throw CoreErrors.hostBadOption("storage", null, "a storage target (HostOptions.storage) before asking for a LUN");
    return new PartitionBackend(this.storage, offsetBytes, sizeBytes);
  }

  /**
   * Connects a VM's NIC (living in simulation `sim`) to the host's network.
   * The link latency must be at least the time slice, so that nothing sent
   * in a slice arrives within it (conservative lockstep). By default it is
   * the switch's 10 µs, or the time slice if that is longer (the default
   * 100 µs slice gives 100 µs links).
   */
  connectNic(nic: NetEndpoint & { plug(port: SwitchPort): void }, sim: Simulation, link: LinkOptions = {}): void {
    if (this.network === null) throw CoreErrors.hostBadOption("network", null, "a network (HostOptions.network) before connecting a NIC");
    const latency = link.latencyNs ?? Math.max(DEFAULT_LINK_LATENCY_NS, this.timeSliceNs);
    if (latency < this.timeSliceNs)
      throw CoreErrors.hostBadOption(
        "link latencyNs",
        latency,
        `>= the time slice (${this.timeSliceNs} ns): raise the link's latencyNs or lower the host's timeSliceNs`,
      );
    nic.plug(this.network.connect(nic, sim, { ...link, latencyNs: latency }));
  }

  /** Whether every VM is done. */
  get done(): boolean {
    return this.vms.every((vm) => vm.done);
  }

  /** Whether every VM is done or parked (waiting for something only another VM can send). */
  get idle(): boolean {
    return this.vms.every((vm) => vm.done || vm.parked === true);
  }

  /** Retires the parked VMs: called when nothing on any host can wake them. */
  settle(): void {
    for (const vm of this.vms) if (!vm.done && vm.parked === true) vm.settle?.();
  }

  /**
   * Runs one time slice, up to `nowNs + timeSliceNs`. A physical CPU runs its VM until the VM stops
   * wanting it (`runUntilIdle`: idle in WFI, waiting for its IOs, done) and then the next VM ready at that
   * time, in round-robin order; with none ready it idles until one is. Deterministic: the CPU free
   * earliest (the lower-numbered on a tie) chooses next, and VMs are looked at in a fixed order.
   */
  step(): void {
    const start = this.nowNs;
    const end = start + this.timeSliceNs;
    const n = this.vms.length;
    // When each physical CPU is free; per VM, until when it runs (it is on a CPU before that) and
    // since when it may be ready again (it gave its CPU back then; the slice's start if it has not run).
    const cpuFree = new Array<number>(this.physicalCpus).fill(start);
    const runsTo = new Array<number>(n).fill(start);
    const served = new Uint8Array(n);
    // A VM that gave its CPU back at once is offered one again only once it is ready later (not to loop).
    const stalled = new Uint8Array(n);
    const readyAt = (i: number): number => {
      const vm = this.vms[i];
      if (vm.done || !vm.wantsCpu(end)) return Number.POSITIVE_INFINITY;
      const from = vm.readyFromNs?.() ?? start;
      // NaN compares false with every time: no CPU would ever be free again, and the slice would never end.
      if (typeof from !== "number" || Number.isNaN(from))
        throw CoreErrors.hostBadOption(`${vm.name}.readyFromNs`, from, "a virtual time in ns (Infinity: no work yet)");
      const r = Math.max(runsTo[i], from);
      return stalled[i] === 1 && r <= runsTo[i] ? Number.POSITIVE_INFINITY : r;
    };
    let rr = this.nextVm;
    let first = -1;
    for (;;) {
      let cpu = 0;
      for (let c = 1; c < cpuFree.length; c++) if (cpuFree[c] < cpuFree[cpu]) cpu = c;
      const t = cpuFree[cpu];
      if (t >= end || n === 0) break;
      // The next VM ready at `t` in round-robin order; if none, the CPU idles until the first one is.
      let pick = -1;
      let pickReady = 0;
      let next = end;
      for (let k = 0; k < n; k++) {
        const i = (rr + k) % n;
        if (runsTo[i] > t) {
          next = Math.min(next, readyAt(i));
          continue;
        }
        const r = readyAt(i);
        if (r <= t) {
          pick = i;
          pickReady = r;
          break;
        }
        next = Math.min(next, r);
      }
      if (pick < 0) {
        cpuFree[cpu] = Math.max(next, t);
        continue;
      }
      const vm = this.vms[pick];
      const st = this.stats[pick];
      // Ready (%RDY) from when it had work to when it got the CPU.
      st.readyNs += t - pickReady;
      if (first < 0) first = pick;
      rr = (pick + 1) % n;
      let used: number;
      let stop: number;
      if (vm.runUntilIdle !== undefined) {
        const r = vm.runUntilIdle(t, end);
        used = r.usedNs;
        stop = r.stopNs;
        if (!(stop >= t))
          throw CoreErrors.hostBadOption(`${vm.name}.runUntilIdle's stopNs`, stop, `a virtual time >= when it started (${t} ns)`);
        stop = Math.min(stop, end);
        stalled[pick] = stop === t ? 1 : 0;
      } else {
        vm.idleTo(t);
        used = vm.runOn(end);
        stop = end;
      }
      // Saved with the host as an integer: a HostedVm reporting anything else would make a state restore refuses.
      if (!Number.isInteger(used) || used < 0)
        throw CoreErrors.hostBadOption(
          `${vm.name}.${vm.runUntilIdle !== undefined ? "runUntilIdle's usedNs" : "runOn's result"}`,
          used,
          "the whole ns of vCPU time it used, >= 0",
        );
      st.runNs += used;
      // A VM that gave the CPU back at once ran in no slice (a guest with less than an instruction's time left).
      if (served[pick] === 0 && (used > 0 || stop > t)) {
        served[pick] = 1;
        st.slices++;
      }
      runsTo[pick] = stop;
      cpuFree[cpu] = stop;
    }
    // Round robin: the next slice starts looking after the first VM served now (a VM that
    // wants no CPU is skipped, not handed its turn: that would give the VM after it two).
    if (first >= 0) this.nextVm = (first + 1) % n;
    for (let i = 0; i < n; i++) {
      const vm = this.vms[i];
      if (vm.done) continue;
      // Wanted a CPU and had none to the slice's end.
      if (runsTo[i] < end) {
        const r = readyAt(i);
        if (r < end) this.stats[i].readyNs += end - r;
      }
      vm.idleTo(end);
    }
    this.nowNs = end;
  }

  /** Scheduling statistics per VM, in the order added. */
  schedStats(): VmSchedStats[] {
    return this.stats.map((s) => ({ ...s }));
  }

  save(): HostState {
    return { version: 1, nowNs: this.nowNs, nextVm: this.nextVm, stats: this.schedStats() };
  }

  parse(state: unknown): HostState {
    const p = HostStateSchema.safeParse(state);
    const bad = (issue: string) => CoreErrors.simBadState(`host ${this.name}`, issue);
    if (!p.success) throw bad(describeIssues(p.error));
    const s = p.data;
    const names = this.vms.map((vm) => vm.name);
    const saved = s.stats.map((st) => st.name);
    if (saved.length !== names.length || saved.some((name, i) => name !== names[i]))
      throw bad(`state is for VMs [${saved.join(", ")}], the host has [${names.join(", ")}]`);
    if (s.nextVm >= Math.max(1, names.length)) throw bad(`nextVm ${s.nextVm} is not one of the host's ${names.length} VMs`);
    return s;
  }

  restore(state: HostState): void {
    this.nowNs = state.nowNs;
    this.nextVm = state.nextVm;
    state.stats.forEach((st, i) => {
      this.stats[i] = { ...st };
    });
  }
}

/**
 * Runs hosts side by side, slice by slice (all with the same time slice),
 * until every VM on every host is done or `untilNs` is reached. Returns
 * "done" or "time".
 */
export function runHosts(hosts: readonly Host[], untilNs = Number.POSITIVE_INFINITY): "done" | "time" {
  const slice = hosts[0]?.timeSliceNs;
  for (const h of hosts)
    if (h.timeSliceNs !== slice) throw CoreErrors.hostBadOption("timeSliceNs", h.timeSliceNs, `the same slice on every host (${slice} ns)`);
  for (;;) {
    if (hosts.every((h) => h.done)) return "done";
    // Everyone left waits for a frame from someone else: a frame on its way is an event in its receiver's
    // simulation, so no parked VM has one coming — none can ever wake.
    if (hosts.every((h) => h.idle)) {
      for (const h of hosts) h.settle();
      return "done";
    }
    if (hosts.some((h) => h.nowNs >= untilNs)) return "time";
    for (const h of hosts) h.step();
  }
}
