/**
 * A hart saved mid-run and restored elsewhere must be the same hart: every CSR a
 * guest wrote, and an interrupt that was due at the instant of the save.
 */
import { describe, expect, it } from "vitest";
import { CSR, Machine, MCAUSE_INTERRUPT } from "../src/index.js";
import { A0, A1, addi, csr, jal, li, RAM, run, store, T2, u } from "./asm.js";

function restoredCopy(m: Machine): Machine {
  const copy = new Machine({ ramMiB: 1 });
  copy.restore(JSON.parse(JSON.stringify(m.save())), m.ram.u8);
  return copy;
}

describe("hart save/restore", () => {
  it("keeps every CSR the guest wrote (mscratch, mtval, mcounteren, scounteren, …)", () => {
    const writes: [number, number][] = [
      [CSR.mscratch, 0x1234_5678],
      [CSR.mtval, 0x0bad_f00d],
      [CSR.mcause, 5],
      [CSR.mepc, RAM + 0x40],
      [CSR.mcounteren, 5],
      [CSR.scounteren, 3],
      [CSR.mie, 0x80],
    ];
    const code = writes.flatMap(([n, v]) => [...li(T2, v), csr("csrrw", 0, n, T2)]);
    const m = run([...code, jal(0, 0)], { budget: code.length });
    const copy = restoredCopy(m);
    expect(copy.save()).toEqual(m.save());
    expect(copy.hart.scounteren).toBe(3);
    expect(copy.hart.mtval).toBe(0x0bad_f00d);
  });

  it("an enabled interrupt due at the instant of the save is taken at once by the restored hart", () => {
    const code = [
      ...li(A1, 0x200_0000),
      ...li(T2, 1),
      store("sw", T2, A1, 0), // msip
      ...li(T2, 8),
      csr("csrrw", 0, CSR.mie, T2),
      csr("csrrsi", 0, CSR.mstatus, 8), // the interrupt is due from here
      addi(A0, 0, 1),
      jal(0, 0),
    ];
    const m = run(code, { budget: code.length - 2 }); // stops right after the csrrsi
    expect(m.hart.mcause).toBe(0);
    const copy = restoredCopy(m);
    copy.run(100);
    expect(copy.hart.mcause).toBe(MCAUSE_INTERRUPT | 3);
    expect(copy.hart.mepc >>> 0).toBe(RAM + 4 * (code.length - 2));
    expect(u(copy, A0)).toBe(0);
  });
});
