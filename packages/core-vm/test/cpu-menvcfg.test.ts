import { describe, expect, it } from "vitest";
import { CSR, isVmlabError, Machine, type MachineState } from "../src/index.js";
import { A0, A1, A2, A3, csr, EXIT, ecall, li, mretTo, pmpEntry0, poke, RAM, run, T2, u } from "./asm.js";

describe("menvcfg / menvcfgh (priv. spec 1.12 §3.1.18, required with U mode)", () => {
  it("exist and keep the bits QEMU 7.2 keeps: FIOM, CBIE, CBCFE, CBZE; PBMTE, STCE", () => {
    const m = run([
      csr("csrrs", A0, CSR.menvcfg, 0),
      ...li(T2, -1),
      csr("csrrw", 0, CSR.menvcfg, T2),
      csr("csrrw", 0, CSR.menvcfgh, T2),
      csr("csrrs", A1, CSR.menvcfg, 0),
      csr("csrrs", A2, CSR.menvcfgh, 0),
      ...li(T2, 0x20),
      csr("csrrc", A3, CSR.menvcfg, T2), // clears CBIE bit 5, returns the old value
      ...EXIT,
    ]);
    expect(m.hart.mcause).toBe(0); // no trap
    expect(u(m, A0)).toBe(0);
    expect(u(m, A1)).toBe(0xf1);
    expect(u(m, A2)).toBe(0xc0000000);
    expect(u(m, A3)).toBe(0xf1);
    expect(m.hart.menvcfg).toBe(0xd1);
  });

  it("are M-mode CSRs: illegal from U mode", () => {
    const m = run(
      [...pmpEntry0(-1, 0x1f), ...mretTo(RAM + 0x100)], // mret to U
      { setup: (mm) => poke(mm, RAM + 0x100, [csr("csrrs", A0, CSR.menvcfg, 0), ecall]) },
    );
    expect(m.hart.mcause).toBe(2);
  });

  it("survive save/restore; states written before them restore with both 0; bits no hart keeps are refused", () => {
    const m = run([...li(T2, -1), csr("csrrw", 0, CSR.menvcfg, T2), csr("csrrw", 0, CSR.menvcfgh, T2), ...EXIT]);
    const state = JSON.parse(JSON.stringify(m.save())) as MachineState;
    const copy = new Machine({ ramMiB: 1 });
    copy.restore(state);
    expect(copy.hart.menvcfg).toBe(0xf1);
    expect(copy.hart.menvcfgh >>> 0).toBe(0xc0000000);
    const old = structuredClone(state);
    delete (old.hart as Partial<MachineState["hart"]>).menvcfg;
    delete (old.hart as Partial<MachineState["hart"]>).menvcfgh;
    copy.restore(old);
    expect(copy.hart.menvcfg).toBe(0);
    expect(copy.hart.menvcfgh).toBe(0);
    for (const hart of [
      { ...state.hart, menvcfg: 0x2 },
      { ...state.hart, menvcfgh: 1 },
    ]) {
      try {
        copy.restore({ ...state, hart });
        expect.unreachable();
      } catch (e) {
        expect(isVmlabError(e) && e.code).toBe("VMLAB_SIM_BAD_STATE");
      }
    }
  });
});
