/**
 * Trap entry, MRET, interrupt priority and MPRV as the privileged spec (1.12) states
 * them: each test checks one rule a guest depends on.
 */
import { describe, expect, it } from "vitest";
import { CSR, MCAUSE_INTERRUPT, PRIV_M, PRIV_U } from "../src/index.js";
import { A0, A1, A2, addi, csr, EXIT, ecall, jal, li, load, mretTo, pmpEntry0, poke, RAM, run, store, T2, u, wfi } from "./asm.js";

const csrr = (rd: number, n: number) => csr("csrrs", rd, n, 0);
const MIE = 1 << 3;
const MPIE = 1 << 7;
const MPRV = 1 << 17;
const CLINT_MSIP = 0x200_0000;
/** The handler: mstatus → a0, then exit. */
const readStatus = [csrr(A0, CSR.mstatus), ...EXIT];

/** Sets mstatus to exactly `value`, mepc to RAM + 0x100, and runs mret; `at` runs at RAM + 0x100. */
function mretWith(value: number, at: number[], pmp = true) {
  const pmpAll = pmpEntry0(-1, 0x1f);
  const code = [...(pmp ? pmpAll : []), ...li(T2, value), csr("csrrw", 0, CSR.mstatus, T2), ...mretTo(RAM + 0x100)];
  return run(code, { handler: readStatus, setup: (m) => poke(m, RAM + 0x100, at) });
}

describe("trap entry (priv. spec §3.1.6.1)", () => {
  it("MPIE takes the old MIE: a trap taken with MIE = 0 leaves MPIE = 0", () => {
    const m = run([...li(T2, MPIE), csr("csrrs", 0, CSR.mstatus, T2), ecall], { handler: readStatus });
    expect(m.hart.mcause).toBe(11);
    expect(u(m, A0) & (MIE | MPIE)).toBe(0);
  });
});

describe("MRET (priv. spec §3.3.2)", () => {
  it("MIE ← MPIE, MPIE ← 1, MPP ← U (the least-privileged mode), privilege ← old MPP", () => {
    const on = mretWith((3 << 11) | MPIE, [csrr(A0, CSR.mstatus), ...EXIT]);
    expect(u(on, A0) & (MIE | MPIE)).toBe(MIE | MPIE);
    expect((u(on, A0) >>> 11) & 3).toBe(PRIV_U);
    const off = mretWith(3 << 11, [csrr(A0, CSR.mstatus), ...EXIT]);
    expect(u(off, A0) & (MIE | MPIE)).toBe(MPIE);
    expect((u(off, A0) >>> 11) & 3).toBe(PRIV_U);
  });

  it("an mret to U clears MPRV; an mret to M keeps it", () => {
    const toU = mretWith(MPRV, [ecall]);
    expect(toU.hart.mcause).toBe(8);
    expect(u(toU, A0) & MPRV).toBe(0);
    const toM = mretWith((3 << 11) | MPRV, [csrr(A0, CSR.mstatus), ...EXIT]);
    expect(u(toM, A0) & MPRV).toBe(MPRV);
  });
});

describe("MPRV (priv. spec §3.1.6.3)", () => {
  /** PMP entry 0: NAPOT over all memory, R+X only (no W); then `code` in M mode. */
  const readOnly = (code: number[]) => run([...pmpEntry0(-1, 0x1d), ...code]);
  const storeTo = [...li(A1, RAM + 0x2000), store("sw", A1, A1, 0)];

  it("with MPRV = 1 and MPP = U, M-mode stores are checked as U's: a read-only region faults", () => {
    const m = readOnly([...li(T2, MPRV), csr("csrrs", 0, CSR.mstatus, T2), ...storeTo, ...EXIT]);
    expect(m.hart.mcause).toBe(7);
    expect(m.hart.mtval >>> 0).toBe(RAM + 0x2000);
  });

  it("with MPRV = 1 and MPP = U, loads use U's permissions but fetches stay M's", () => {
    const noAccess = pmpEntry0(-1, 0x18);
    const m = run([
      ...noAccess,
      ...li(T2, MPRV),
      csr("csrrs", 0, CSR.mstatus, T2),
      ...li(A1, RAM + 0x2000),
      load("lw", A0, A1, 0),
      ...EXIT,
    ]);
    expect(m.hart.mcause).toBe(5);
    expect(m.hart.mepc >>> 0).toBe(RAM + 4 * (noAccess.length + 3 + 2));
  });

  it("without MPRV, or with MPP = M, M mode ignores unlocked entries", () => {
    expect(readOnly([...storeTo, ...EXIT]).hart.mcause).toBe(0);
    expect(readOnly([...li(T2, MPRV | (3 << 11)), csr("csrrs", 0, CSR.mstatus, T2), ...storeTo, ...EXIT]).hart.mcause).toBe(0);
  });
});

describe("interrupts (priv. spec §3.1.9)", () => {
  /** Enables `mieBits`, sets the CLINT's msip if asked, then sets mstatus.MIE; then a0 = 1 (must not run before the trap). */
  const enableThen = (mieBits: number, msip: boolean) => [
    ...(msip ? [...li(A1, CLINT_MSIP), ...li(T2, 1), store("sw", T2, A1, 0)] : []),
    ...li(T2, mieBits),
    csr("csrrw", 0, CSR.mie, T2),
    csr("csrrsi", 0, CSR.mstatus, 8),
    addi(A0, 0, 1),
    jal(0, 0),
  ];

  it("simultaneous interrupts are taken in the order MEI, MSI, MTI", () => {
    // MTIP is pending from reset (mtimecmp = 0 ≤ mtime).
    const msiMti = run(enableThen(0x88, true));
    expect(msiMti.hart.mcause).toBe(MCAUSE_INTERRUPT | 3);
    const all = run(enableThen(0x888, true), {
      setup: (m) => {
        m.plic.priority[5] = 1;
        m.plic.enable[0] = 1 << 5;
        m.plic.setSource(5, true);
      },
    });
    expect(all.hart.mcause).toBe(MCAUSE_INTERRUPT | 11);
  });

  it("setting mstatus.MIE with an enabled interrupt pending takes it before the next instruction", () => {
    const code = enableThen(0x8, true);
    const m = run(code);
    expect(m.hart.mcause).toBe(MCAUSE_INTERRUPT | 3);
    expect(m.hart.mepc >>> 0).toBe(RAM + 4 * (code.length - 2));
    expect(m.hart.x[A0]).toBe(0);
  });

  it("setting an mie bit with MIE on and that interrupt pending takes it before the next instruction", () => {
    const code = [
      ...li(A1, CLINT_MSIP),
      ...li(T2, 1),
      store("sw", T2, A1, 0),
      csr("csrrsi", 0, CSR.mstatus, 8),
      ...li(T2, 8),
      csr("csrrs", 0, CSR.mie, T2),
      addi(A0, 0, 1),
      jal(0, 0),
    ];
    const m = run(code);
    expect(m.hart.mcause).toBe(MCAUSE_INTERRUPT | 3);
    expect(m.hart.mepc >>> 0).toBe(RAM + 4 * (code.length - 2));
    expect(m.hart.x[A0]).toBe(0);
  });

  it("wfi with an enabled interrupt pending does not sleep, even with MIE off (§3.3.3)", () => {
    const m = run([
      ...li(A1, CLINT_MSIP),
      ...li(T2, 1),
      store("sw", T2, A1, 0),
      ...li(T2, 8),
      csr("csrrw", 0, CSR.mie, T2),
      wfi,
      addi(A2, 0, 7),
      ...EXIT,
    ]);
    expect(m.exitCode).toBe(0);
    expect(m.hart.x[A2]).toBe(7);
    expect(m.hart.mcause).toBe(0);
  });
});

describe("WFI in U mode", () => {
  it("is an illegal instruction (as on QEMU 7.2), mtval = its bits", () => {
    const m = mretWith(0, [wfi, ecall]);
    expect(m.hart.mcause).toBe(2);
    expect(m.hart.mtval).toBe(wfi);
    expect(m.hart.mepc >>> 0).toBe(RAM + 0x100);
    expect(m.hart.priv).toBe(PRIV_M);
  });
});
