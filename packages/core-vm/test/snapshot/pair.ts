/**
 * The netping pair of the fidelity test: two machines with virtio-net NICs
 * on one switch, run in lockstep. A cut is two snapshot files, one per
 * machine; the first also holds the switch (learned MACs, link queues) as a
 * snapshot component — frames on the wire are events in the receivers'
 * simulations, so each machine's file carries its own.
 */
import {
  CoreErrors,
  Machine,
  runLockstep,
  type SnapshotComponent,
  VirtioNet,
  VirtualSwitch,
  type VirtualSwitchState,
  VirtualSwitchStateSchema,
} from "../../src/index.js";
import { QEMU_FIRST_SLOT } from "../virtio-helpers.js";

export const QUANTUM_NS = 10_000;
const MACS = ["52:54:00:00:00:02", "52:54:00:00:00:01"];

export interface Pair {
  sw: VirtualSwitch;
  machines: Machine[];
}

export function buildPair(ramMiB: number): Pair {
  const sw = new VirtualSwitch();
  const machines = MACS.map((mac) => {
    const m = new Machine({ ramMiB });
    const nic = new VirtioNet({ mac });
    m.attachVirtio(QEMU_FIRST_SLOT, nic);
    nic.plug(sw.connect(nic, m.sim, { latencyNs: QUANTUM_NS }));
    return m;
  });
  return { sw, machines };
}

/** The switch as a snapshot component. */
export function switchComponent(sw: VirtualSwitch): SnapshotComponent<VirtualSwitchState> {
  return {
    name: "switch",
    version: 1,
    save: () => sw.save(),
    parse: (state) => {
      const p = VirtualSwitchStateSchema.safeParse(state);
      if (!p.success) throw CoreErrors.simBadState("switch", p.error.message);
      const n = sw.save().ports;
      if (p.data.ports !== n) throw CoreErrors.simBadState("switch", `state is for ${p.data.ports} ports, the switch has ${n}`);
      return p.data;
    },
    restore: (state) => sw.restore(state),
  };
}

export function runPair(p: Pair, untilNs?: number): string {
  return runLockstep(p.machines, { quantumNs: QUANTUM_NS, untilNs });
}
