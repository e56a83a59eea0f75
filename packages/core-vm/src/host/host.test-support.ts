import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { Machine } from "../board/machine.js";
import { Simulation } from "../sim/simulation.js";
import { runMachine } from "../snapshot/run.js";
import { VirtioNet } from "../virtio/net.js";
import { EmulatedVm } from "./emulated-vm.js";
import type { Host } from "./host.js";
import type { HostedVm } from "./hosted-vm.js";

// Guests and VMs for the host tests.

/** A guest program from guest/bin. */
export const elf = (name: string) => new Uint8Array(readFileSync(new URL(`../../../../guest/bin/${name}.elf`, import.meta.url)));
/** SHA-256 of `b`, hex. */
export const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
/** The hosts' scheduling slice in these tests, ns. */
export const SLICE = 10_000;

/** A VM running guest program `program` on a 16 MiB machine. */
export function guestVm(name: string, program: string): EmulatedVm {
  const m = new Machine({ ramMiB: 16 });
  m.loadElf(elf(program));
  return new EmulatedVm(name, m);
}

/** netping's pong on host `a` and its ping on host `b`, each with a NIC on its host's network; returns [pong, ping]. */
export function addNetpingPair(a: Host, b: Host): EmulatedVm[] {
  return (
    [
      [a, "52:54:00:00:00:02"],
      [b, "52:54:00:00:00:01"],
    ] as const
  ).map(([host, mac]) => {
    const vm = guestVm(`netping@${host.name}`, "netping");
    const nic = new VirtioNet({ mac });
    vm.machine.attachVirtio(7, nic);
    host.connectNic(nic, vm.sim, { latencyNs: SLICE });
    host.add(vm);
    return vm;
  });
}

/** `program` run to its end on a machine of its own, no host. */
export function runAlone(program: string): Machine {
  const m = new Machine({ ramMiB: 16 });
  m.loadElf(elf(program));
  runMachine(m, Number.POSITIVE_INFINITY);
  return m;
}

/** A CPU-bound VM without instructions: wants the CPU all the time and uses all it gets. */
export function hogVm(name: string): HostedVm {
  const sim = new Simulation();
  return {
    name,
    sim,
    done: false,
    wantsCpu: () => true,
    runOn: (end) => {
      const used = end - sim.now;
      sim.run({ until: end });
      return used;
    },
    runUntilIdle: (from, end) => {
      sim.run({ until: end });
      return { usedNs: end - from, stopNs: end };
    },
    idleTo: (end) => sim.run({ until: end }),
  };
}
