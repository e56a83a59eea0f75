import { describe, expect, it } from "vitest";
import { CSR, isVmlabError, Machine, type MachineState } from "../src/index.js";
import { A0, A1, A2, A3, csr, EXIT, li, nop, poke, RAM, run, T2, u } from "./asm.js";

/** A fresh machine restored from `state` (pc and mtvec moved to test code), running `words`. */
function runFrom(state: MachineState, words: number[]): Machine {
  const m = new Machine({ ramMiB: 1 });
  m.restore({ ...state, exitCode: null, hart: { ...state.hart, pc: RAM | 0, mtvec: (RAM + 0x1000) | 0 } });
  poke(m, RAM, words);
  poke(m, RAM + 0x1000, EXIT);
  m.run(100_000);
  return m;
}

const readCounters = [
  csr("csrrs", A0, CSR.minstret, 0),
  csr("csrrs", A1, CSR.minstreth, 0),
  csr("csrrs", A2, CSR.mcycle, 0),
  csr("csrrs", A3, CSR.mcycleh, 0),
  ...EXIT,
];

describe("64-bit counters", () => {
  it("keep all 32 bits of the high half (QEMU 7.2 reads back what was written)", () => {
    const m = run([
      ...li(T2, 0xffffffff),
      csr("csrrw", 0, CSR.mcycleh, T2),
      csr("csrrs", A0, CSR.mcycleh, 0),
      ...li(T2, 0x12345678),
      csr("csrrw", 0, CSR.minstreth, T2),
      csr("csrrs", A1, CSR.minstreth, 0),
      csr("csrrs", A2, CSR.instreth, 0),
      csr("csrrs", A3, CSR.cycleh, 0),
      ...EXIT,
    ]);
    expect(u(m, A0)).toBe(0xffffffff);
    expect(u(m, A1)).toBe(0x12345678);
    expect(u(m, A2)).toBe(0x12345678);
    expect(u(m, A3)).toBe(0xffffffff);
  });

  it("carry from the low half into the high half, and wrap at 2^64", () => {
    const m = run([
      ...li(T2, 0x12345678),
      csr("csrrw", 0, CSR.minstreth, T2),
      ...li(T2, 0xfffffffe),
      csr("csrrw", 0, CSR.minstret, T2), // the next instruction reads 0xfffffffe
      nop,
      nop,
      csr("csrrs", A0, CSR.minstret, 0), // 0xfffffffe + 2 = 2^32: low 0
      csr("csrrs", A1, CSR.minstreth, 0), // carried
      ...li(T2, 0xffffffff),
      csr("csrrw", 0, CSR.mcycleh, T2),
      csr("csrrw", 0, CSR.mcycle, T2), // the next instruction reads 2^64 - 1
      csr("csrrs", A2, CSR.mcycle, 0),
      csr("csrrs", A3, CSR.mcycleh, 0), // 2^64: wrapped to 0
      ...EXIT,
    ]);
    expect(u(m, A0)).toBe(0);
    expect(u(m, A1)).toBe(0x12345679);
    expect(u(m, A2)).toBe(0xffffffff);
    expect(u(m, A3)).toBe(0);
  });

  it("an inhibited counter holds a written 64-bit value exactly", () => {
    const m = run([
      csr("csrrwi", 0, CSR.mcountinhibit, 1),
      ...li(T2, 0xfedcba98),
      csr("csrrw", 0, CSR.mcycleh, T2),
      ...li(T2, 0x76543210),
      csr("csrrw", 0, CSR.mcycle, T2),
      nop,
      csr("csrrs", A2, CSR.mcycle, 0),
      csr("csrrs", A3, CSR.mcycleh, 0),
      ...EXIT,
    ]);
    expect(u(m, A2)).toBe(0x76543210);
    expect(u(m, A3)).toBe(0xfedcba98);
  });

  it("survive save → JSON → restore with all 64 bits", () => {
    const m = run([...li(T2, 0xabcdef01), csr("csrrw", 0, CSR.minstreth, T2), csr("csrrw", 0, CSR.mcycleh, T2), ...EXIT]);
    const state = JSON.parse(JSON.stringify(m.save())) as MachineState;
    const r = runFrom(state, readCounters);
    expect(u(r, A1)).toBe(0xabcdef01);
    expect(u(r, A3)).toBe(0xabcdef01);
    const copy = new Machine({ ramMiB: 1 });
    copy.restore(state, m.ram.u8);
    expect(copy.save()).toEqual(m.save());
  });

  it("restore states written before the counters were exact: a signed offset below 2^53, no high half", () => {
    const base = run(EXIT).save();
    const old = { ...base, hart: { ...base.hart, instretOffset: -3, cycleOffset: 2 ** 40 + 5 } };
    delete (old.hart as Partial<MachineState["hart"]>).instretOffsetHi;
    delete (old.hart as Partial<MachineState["hart"]>).cycleOffsetHi;
    const r = runFrom(old, readCounters);
    const retired = base.hart.retired;
    expect(u(r, A0)).toBe(retired - 3); // minstret at the first instruction: retired + offset
    expect(u(r, A1)).toBe(0);
    expect(u(r, A2)).toBe(retired + 2 + 5);
    expect(u(r, A3)).toBe(256);
  });

  it("a high half outside 32 bits is refused", () => {
    const base = run(EXIT).save();
    const m = new Machine({ ramMiB: 1 });
    for (const bad of [2 ** 32, -1, 1.5]) {
      try {
        m.restore({ ...base, hart: { ...base.hart, instretOffsetHi: bad } });
        expect.unreachable();
      } catch (e) {
        expect(isVmlabError(e) && e.code).toBe("VMLAB_SIM_BAD_STATE");
      }
    }
  });
});

describe("programmable counters (mhpmcounter3..31, mhpmevent3..31) as on QEMU 7.2", () => {
  it("mhpmcounter3..18 and their high halves keep what is written; hpmcounterN reads them in M mode", () => {
    const m = run([
      ...li(T2, 0x55),
      csr("csrrw", 0, 0xb03, T2), // mhpmcounter3
      ...li(T2, 0x80000001),
      csr("csrrw", 0, 0xb92, T2), // mhpmcounter18h
      csr("csrrs", A0, 0xb03, 0),
      csr("csrrs", A1, 0xc03, 0), // hpmcounter3
      csr("csrrs", A2, 0xc92, 0), // hpmcounter18h
      csr("csrrs", A3, 0xb83, 0), // mhpmcounter3h: untouched
      ...EXIT,
    ]);
    expect(m.hart.mcause).toBe(0);
    expect([u(m, A0), u(m, A1), u(m, A2), u(m, A3)]).toEqual([0x55, 0x55, 0x80000001, 0]);
  });

  it("counters 19..31 (every form) are illegal; mhpmevent3..31 keep all 32 bits; mhpmevent3h does not exist", () => {
    for (const n of [0xb13, 0xb93, 0xb1f, 0xc13, 0xc9f, 0x723]) {
      const m = run([csr("csrrs", A0, n, 0), ...EXIT]);
      expect(m.hart.mcause, n.toString(16)).toBe(2);
    }
    for (const n of [0x323, 0x332, 0x333, 0x33f]) {
      const m = run([...li(T2, 0xfffffff0), csr("csrrw", 0, n, T2), csr("csrrs", A0, n, 0), ...EXIT]);
      expect(m.hart.mcause, n.toString(16)).toBe(0);
      expect(u(m, A0)).toBe(0xfffffff0);
    }
  });

  it("survive save/restore; states written before them restore with all zero", () => {
    const m = run([...li(T2, 0x77), csr("csrrw", 0, 0xb04, T2), csr("csrrw", 0, 0x33f, T2), ...EXIT]);
    const state = JSON.parse(JSON.stringify(m.save())) as MachineState;
    const read = [csr("csrrs", A0, 0xb04, 0), csr("csrrs", A1, 0x33f, 0), ...EXIT];
    const r = runFrom(state, read);
    expect([u(r, A0), u(r, A1)]).toEqual([0x77, 0x77]);
    const old = structuredClone(state);
    delete (old.hart as Partial<MachineState["hart"]>).hpmCounters;
    delete (old.hart as Partial<MachineState["hart"]>).hpmEvents;
    const o = runFrom(old, read);
    expect([u(o, A0), u(o, A1)]).toEqual([0, 0]);
    try {
      new Machine({ ramMiB: 1 }).restore({ ...state, hart: { ...state.hart, hpmCounters: [1, 2] } });
      expect.unreachable();
    } catch (e) {
      expect(isVmlabError(e) && e.code).toBe("VMLAB_SIM_BAD_STATE");
    }
  });
});
