import { readFileSync } from "node:fs";
import { CSR, EmulatedVm, isVmlabError, Machine, runLockstep } from "@vmlab/core-vm";
import { describe, expect, it } from "vitest";
import { csr, EXIT, ecall, li, poke, RAM, T2 } from "./asm.js";

const elf = (name: string) => new Uint8Array(readFileSync(new URL(`../../../guest/bin/${name}.elf`, import.meta.url)));

/** A hart that traps to an unexecutable mtvec: it retires nothing more and is declared stuck ("halt"). */
function stuckMachine(): Machine {
  const m = new Machine({ ramMiB: 1 });
  poke(m, RAM, [...li(T2, 0), csr("csrrw", 0, CSR.mtvec, T2), ecall, ...EXIT]);
  m.hart.pc = RAM | 0;
  return m;
}

describe("runLockstep rules", () => {
  it("stops at untilNs even when the quantum does not divide it", () => {
    const m = new Machine({ ramMiB: 16 });
    m.loadElf(elf("cpubench"));
    expect(runLockstep([m], { quantumNs: 3_000, untilNs: 10_000 })).toBe("time");
    expect(m.nowNs()).toBeLessThanOrEqual(10_000);
    expect(m.nowNs()).toBeGreaterThan(10_000 - 3_000);
  });

  it("reports a machine that halted with 'halt' once every machine has stopped", () => {
    const ok = new Machine({ ramMiB: 16 });
    ok.loadElf(elf("hello"));
    expect(runLockstep([stuckMachine(), ok], { quantumNs: 10_000 })).toBe("halt");
    expect(ok.exitCode).toBe(0);
  });

  it("refuses a quantum that is not a whole number of ns >= 1", () => {
    for (const quantumNs of [0, 1.5]) {
      let code = "no error";
      try {
        runLockstep([new Machine({ ramMiB: 1 })], { quantumNs });
      } catch (e) {
        code = isVmlabError(e) ? e.code : "other";
      }
      expect(code).toBe("VMLAB_NET_BAD_OPTION");
    }
  });
});

describe("EmulatedVm over a machine whose hart is already stuck (restored from such a state)", () => {
  it("is done, ended by 'halt', before the host runs it", () => {
    const m = stuckMachine();
    expect(m.run(10_000)).toBe("halt");
    const vm = new EmulatedVm("stuck", m);
    expect(vm.stop).toBe("halt");
    expect(vm.done).toBe(true);
    expect(vm.wantsCpu(Number.POSITIVE_INFINITY)).toBe(false);
  });
});
