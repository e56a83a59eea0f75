/**
 * CSR rules of the privileged spec (1.12) that a guest can observe: which accesses
 * count as writes, WARL fields and the bits that are hardwired to zero.
 */
import { describe, expect, it } from "vitest";
import { CSR, PRIV_M, PRIV_U } from "../src/index.js";
import { A0, A1, A2, csr, EXIT, ecall, li, mretTo, pmpEntry0, poke, RAM, run, T2, u } from "./asm.js";

const csrr = (rd: number, n: number) => csr("csrrs", rd, n, 0);

/** Runs `user` in U mode at RAM + 0x100 (PMP entry 0: NAPOT over all memory, RWX) after the M-mode `setup`. */
function runUser(setup: number[], user: number[]) {
  const toUser = [...setup, ...pmpEntry0(-1, 0x1f), ...mretTo(RAM + 0x100)];
  return run(toUser, { setup: (m) => poke(m, RAM + 0x100, user) });
}

describe("which CSR instructions write (Zicsr §9.1)", () => {
  it("CSRRS/CSRRC with rs1 ≠ x0 write even when rs1 holds 0: on a read-only CSR they are illegal", () => {
    for (const insn of [csr("csrrs", A1, CSR.mhartid, A0), csr("csrrc", A1, CSR.mvendorid, A0)]) {
      const m = run([insn, ...EXIT]); // a0 = 0 at reset
      expect(m.hart.mcause).toBe(2);
      expect(m.hart.mepc >>> 0).toBe(RAM);
      expect(m.hart.mtval).toBe(insn);
    }
  });

  it("CSRRW always writes (even from x0): illegal on a read-only CSR; the x0 / zero-immediate set forms only read", () => {
    const w = run([csr("csrrw", 0, CSR.mhartid, 0), ...EXIT]);
    expect(w.hart.mcause).toBe(2);
    expect(w.hart.mepc >>> 0).toBe(RAM);
    const r = run([csrr(A1, CSR.mhartid), csr("csrrsi", A2, CSR.marchid, 0), csr("csrrci", 0, CSR.mimpid, 0), ...EXIT]);
    expect(r.exitCode).toBe(0);
    expect(r.hart.mcause).toBe(0);
  });
});

describe("WARL fields and hardwired zeros", () => {
  it("mstatush (RV32: MBE, SBE) reads 0 — a little-endian hart without S mode — and ignores writes", () => {
    const m = run([...li(T2, -1), csr("csrrw", 0, CSR.mstatush, T2), csrr(A0, CSR.mstatush), csrr(A1, CSR.mconfigptr), ...EXIT]);
    expect(m.hart.mcause).toBe(0);
    expect([m.hart.x[A0], m.hart.x[A1]]).toEqual([0, 0]);
  });

  it("mstatus.MPP only holds a supported mode (M or U): a reserved or S-mode value is not kept", () => {
    for (const mpp of [1, 2]) {
      const m = run([
        ...li(T2, 3 << 11),
        csr("csrrc", 0, CSR.mstatus, T2),
        ...li(T2, mpp << 11),
        csr("csrrs", 0, CSR.mstatus, T2),
        csrr(A0, CSR.mstatus),
        ...EXIT,
      ]);
      expect([PRIV_U, PRIV_M]).toContain((u(m, A0) >>> 11) & 3);
    }
    const kept = run([...li(T2, 3 << 11), csr("csrrs", 0, CSR.mstatus, T2), csrr(A0, CSR.mstatus), ...EXIT]);
    expect((u(kept, A0) >>> 11) & 3).toBe(PRIV_M);
  });

  it("mstatus.TW is writable on a hart with U mode (priv. spec §3.1.6.5); SIE, SPIE and other absent fields stay 0", () => {
    const m = run([...li(T2, -1), csr("csrrw", 0, CSR.mstatus, T2), csrr(A0, CSR.mstatus), ...EXIT]);
    expect(u(m, A0) & (1 << 21)).toBe(1 << 21);
    expect(u(m, A0) & ((1 << 1) | (1 << 5) | (1 << 8))).toBe(0);
  });

  it("mie keeps only the interrupts the hart has (MSIE, MTIE, MEIE); the other bits read 0 (§3.1.9)", () => {
    const m = run([...li(T2, -1), csr("csrrw", 0, CSR.mie, T2), csrr(A0, CSR.mie), ...EXIT]);
    expect(u(m, A0)).toBe((1 << 3) | (1 << 7) | (1 << 11));
  });

  it("mcountinhibit bit 1 (TM) is hardwired to 0; CY and IR are writable (§3.1.12)", () => {
    const m = run([...li(T2, 7), csr("csrrw", 0, CSR.mcountinhibit, T2), csrr(A0, CSR.mcountinhibit), ...EXIT]);
    expect(u(m, A0)).toBe(5);
  });

  it("pmpcfg0 packs entries 0..3 one byte each, low byte first; reserved bits 6:5 read 0 (§3.7.1)", () => {
    const m = run([...li(T2, 0x1f150b79), csr("csrrw", 0, CSR.pmpcfg0, T2), csrr(A0, CSR.pmpcfg0), ...EXIT]);
    expect(u(m, A0)).toBe(0x1f150b19);
    expect(Array.from(m.hart.pmp.cfg.slice(0, 4))).toEqual([0x19, 0x0b, 0x15, 0x1f]);
  });
});

describe("U-mode counter access (mcounteren, §3.1.11)", () => {
  const both = (bits: number) => [...li(T2, bits), csr("csrrw", 0, CSR.mcounteren, T2), csr("csrrw", 0, CSR.scounteren, T2)];

  it("time needs TM (bit 1): CY and IR alone do not allow it", () => {
    expect(runUser(both(0b101), [csrr(A0, CSR.time), ecall]).hart.mcause).toBe(2);
    expect(runUser(both(0b101), [csrr(A0, CSR.cycle), csrr(A0, CSR.instreth), ecall]).hart.mcause).toBe(8);
    expect(runUser(both(0b010), [csrr(A0, CSR.timeh), ecall]).hart.mcause).toBe(8);
    expect(runUser(both(0b010), [csrr(A0, CSR.instreth), ecall]).hart.mcause).toBe(2);
  });

  it("instret and instreth need IR (bit 2), not CY", () => {
    expect(runUser(both(0b001), [csrr(A0, CSR.instreth), ecall]).hart.mcause).toBe(2);
    expect(runUser(both(0b001), [csrr(A0, CSR.instret), ecall]).hart.mcause).toBe(2);
    expect(runUser(both(0b100), [csrr(A0, CSR.instret), csrr(A0, CSR.instreth), ecall]).hart.mcause).toBe(8);
  });

  it("hpmcounter3 needs HPM3 (bit 3)", () => {
    const hpm3 = 0xc03;
    expect(runUser(both(0b111), [csrr(A0, hpm3), ecall]).hart.mcause).toBe(2);
    expect(runUser(both(0b1000), [csrr(A0, hpm3), ecall]).hart.mcause).toBe(8);
  });
});
