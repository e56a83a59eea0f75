import { describe, expect, it } from "vitest";
import { CSR, Machine, MCAUSE_INTERRUPT, MISA_RV32IMAU, PRIV_M, PRIV_U } from "../src/index.js";
import {
  A0,
  A1,
  A2,
  addi,
  branch,
  csr,
  EXIT,
  ebreak,
  ecall,
  jal,
  li,
  load,
  mret,
  nop,
  pmpEntry0,
  poke,
  RAM,
  run,
  store,
  T2,
  u,
  wfi,
} from "./asm.js";

/** Drops to U mode at RAM + 0x100 with PMP entry 0 = NAPOT over all memory with permissions `perm` (RWX = 7). */
function toUser(perm: number | null): number[] {
  const pmp = perm === null ? [] : pmpEntry0(-1, 0x18 | perm);
  return [...pmp, ...li(T2, RAM + 0x100), csr("csrrw", 0, CSR.mepc, T2), mret];
}

function runUser(perm: number | null, user: number[], setup?: Parameters<typeof run>[1]) {
  return run(toUser(perm), {
    ...setup,
    setup: (m) => {
      poke(m, RAM + 0x100, user);
      setup?.setup?.(m);
    },
  });
}

describe("exceptions", () => {
  it("ecall from M mode: mcause 11, mepc = the ecall, MPP = M", () => {
    const m = run([nop, ecall]);
    expect(m.hart.mcause).toBe(11);
    expect(m.hart.mepc >>> 0).toBe(RAM + 4);
    expect((m.hart.mstatus >>> 11) & 3).toBe(PRIV_M);
    expect(m.hart.retired).toBeGreaterThan(0);
  });

  it("ebreak: mcause 3, mtval 0 (QEMU 7.2)", () => {
    const m = run([ebreak]);
    expect(m.hart.mcause).toBe(3);
    expect(m.hart.mtval).toBe(0);
  });

  it("illegal instructions: mcause 2, mtval = the instruction bits; the instruction does not retire", () => {
    for (const bad of [0x00000000, 0xffffffff | 0, 0x0000_0007 /* FP load */, 0x4000_0033 | (1 << 12) /* sll with funct7 0x20 */]) {
      const m = run([bad]);
      expect(m.hart.mcause).toBe(2);
      expect(m.hart.mtval).toBe(bad);
      expect(m.hart.mepc >>> 0).toBe(RAM);
    }
    // Retired count: only the 5-instruction handler retires.
    expect(run([0]).hart.retired).toBe(5);
  });

  it("trap entry stacks MIE into MPIE and clears MIE; mret restores them and the privilege", () => {
    const handler = [csr("csrrs", A0, CSR.mstatus, 0), ...EXIT];
    const m = run([csr("csrrsi", 0, CSR.mstatus, 8), ecall], { handler });
    expect(u(m, A0) & 0x88).toBe(0x80); // MPIE=1, MIE=0
  });

  it("ecall from U mode: mcause 8, MPP = U; mret returns to U", () => {
    const m = runUser(7, [ecall]);
    expect(m.hart.mcause).toBe(8);
    expect(m.hart.mepc >>> 0).toBe(RAM + 0x100);
    expect((m.hart.mstatus >>> 11) & 3).toBe(PRIV_U);
  });

  it("mret in U mode is illegal", () => {
    const m = runUser(7, [mret]);
    expect(m.hart.mcause).toBe(2);
  });

  it("a trap loop that retires nothing halts the machine instead of hanging", () => {
    const m = run([csr("csrrw", 0, CSR.mtvec, 0), ecall]);
    expect(m.hart.stuck).toBe(true);
  });
});

describe("CSRs", () => {
  it("misa, mhartid and the read-only IDs", () => {
    const m = run([csr("csrrs", A0, CSR.misa, 0), csr("csrrs", A1, CSR.mhartid, 0), ...EXIT]);
    expect(m.hart.x[A0]).toBe(MISA_RV32IMAU);
    expect(m.hart.x[A1]).toBe(0);
  });

  it("writing a read-only CSR is illegal; csrrs with x0 only reads", () => {
    // EXIT follows each instruction so that only the CSR access itself can raise the trap (mtval = its bits).
    for (const bad of [csr("csrrw", 0, CSR.mhartid, A0), csr("csrrs", A0, 0x7c0, 0) /* unimplemented CSR */]) {
      const m = run([bad, ...EXIT]);
      expect(m.hart.mcause).toBe(2);
      expect(m.hart.mtval).toBe(bad);
    }
    expect(run([csr("csrrs", A0, CSR.mhartid, 0), ...EXIT]).exitCode).toBe(0);
  });

  it("U mode cannot touch M-mode CSRs", () => {
    const bad = csr("csrrs", A0, CSR.mstatus, 0);
    const m = runUser(7, [bad]);
    expect(m.hart.mcause).toBe(2);
    expect(m.hart.mtval).toBe(bad);
  });

  it("minstret counts retired instructions exactly, and a write is what the next instruction reads", () => {
    const m = run([
      nop,
      nop,
      nop,
      csr("csrrs", A0, CSR.minstret, 0),
      ...li(T2, 100),
      csr("csrrw", 0, CSR.minstret, T2),
      csr("csrrs", A1, CSR.minstret, 0),
      ...EXIT,
    ]);
    expect(u(m, A0)).toBe(3);
    expect(u(m, A1)).toBe(100);
  });

  it("mcountinhibit stops mcycle (CY) and minstret (IR); released, they count on from where they stopped", () => {
    const m = run([
      nop,
      nop,
      nop,
      csr("csrrwi", 0, CSR.mcountinhibit, 5), // 4th instruction: both counters stop at 4
      nop,
      nop,
      csr("csrrs", A0, CSR.minstret, 0),
      csr("csrrs", A1, CSR.mcycle, 0),
      ...li(T2, 100),
      csr("csrrw", 0, CSR.minstret, T2), // a write while stopped is held
      nop,
      csr("csrrs", A2, CSR.minstret, 0),
      csr("csrrs", 15, CSR.mcountinhibit, 0),
      csr("csrrwi", 0, CSR.mcountinhibit, 0),
      nop,
      csr("csrrs", 13, CSR.minstret, 0),
      csr("csrrs", 14, CSR.mcycle, 0),
      ...EXIT,
    ]);
    expect(u(m, A0)).toBe(4);
    expect(u(m, A1)).toBe(4);
    expect(u(m, A2)).toBe(100);
    expect(u(m, 15)).toBe(5);
    expect(u(m, 13)).toBe(101);
    expect(u(m, 14)).toBe(6);
  });

  it("U-mode cycle/time/instret need both mcounteren and scounteren bits, as on QEMU 7.2", () => {
    const rd = csr("csrrs", A0, CSR.instret, 0);
    const user = (mm: Machine) => poke(mm, RAM + 0x100, [rd, csr("csrrs", A1, CSR.time, 0), ecall]);
    expect(runUser(7, [rd]).hart.mcause).toBe(2);
    expect(run([csr("csrrwi", 0, CSR.mcounteren, 7), ...toUser(7)], { setup: user }).hart.mcause).toBe(2);
    const m = run([csr("csrrwi", 0, CSR.mcounteren, 7), csr("csrrwi", 0, CSR.scounteren, 7), ...toUser(7)], { setup: user });
    expect(m.hart.mcause).toBe(8);
    expect(u(m, A0)).toBeGreaterThan(0);
  });

  it("csrrs/csrrc set and clear bits and return the old value; the immediate forms use a 5-bit zimm", () => {
    const m = run([
      ...li(T2, 0xf0f0),
      csr("csrrw", 0, CSR.mscratch, T2),
      ...li(T2, 0x0f00),
      csr("csrrs", A0, CSR.mscratch, T2),
      csr("csrrc", A1, CSR.mscratch, T2),
      csr("csrrsi", A2, CSR.mscratch, 31),
      csr("csrrci", 0, CSR.mscratch, 1),
      csr("csrrs", 14, CSR.mscratch, 0),
      ...EXIT,
    ]);
    expect(u(m, A0)).toBe(0xf0f0);
    expect(u(m, A1)).toBe(0xfff0);
    expect(u(m, A2)).toBe(0xf0f0);
    expect(u(m, 14)).toBe(0xf0fe);
  });

  it("mtvec ignores writes with a reserved mode; mepc drops its low bits", () => {
    const m = run([
      ...li(T2, RAM + 0x1002),
      csr("csrrw", 0, CSR.mtvec, T2),
      ...li(T2, 0x123),
      csr("csrrw", 0, CSR.mepc, T2),
      csr("csrrs", A0, CSR.mepc, 0),
      ...EXIT,
    ]);
    expect(m.hart.mtvec >>> 0).toBe(RAM + 0x1000);
    expect(u(m, A0)).toBe(0x120);
  });
});

describe("interrupts", () => {
  /** Arms the CLINT timer `ticks` from now and enables MTIE (+ MIE if `global`). */
  const armTimer = (ticks: number, global: boolean) => [
    ...li(A1, 0x200bff8),
    load("lw", A2, A1, 0),
    addi(A2, A2, ticks),
    ...li(A1, 0x2004000),
    store("sw", 0, A1, 4),
    store("sw", A2, A1, 0),
    ...li(T2, 0x80),
    csr("csrrs", 0, CSR.mie, T2),
    ...(global ? [csr("csrrsi", 0, CSR.mstatus, 8)] : []),
  ];
  const spin = jal(0, 0);

  it("timer interrupt in direct mode: mcause = 0x80000007, taken at an exact instruction", () => {
    const m = run([...armTimer(50, true), spin], { budget: 1_000_000 });
    expect(m.exitCode).toBe(0);
    expect(m.hart.mcause).toBe(MCAUSE_INTERRUPT | 7);
    // 50 ticks = 5000 ns = 5000 instructions at 1 ns each, plus setup.
    expect(m.hart.retired).toBeGreaterThan(4990);
    expect(m.hart.retired).toBeLessThan(5040);
  });

  it("vectored mode sends interrupt n to base + 4n, exceptions to base", () => {
    const m = run([...li(T2, RAM + 0x1000 + 1), csr("csrrw", 0, CSR.mtvec, T2), ...armTimer(5, true), spin], {
      setup: (mm) => {
        poke(mm, RAM + 0x1000, [...li(A0, 1), ...EXIT]);
        poke(mm, RAM + 0x1000 + 28, [...li(A0, 7), ...EXIT]);
      },
    });
    expect(m.hart.mcause).toBe(MCAUSE_INTERRUPT | 7);
    expect(u(m, A0)).toBe(7);
    const e = run([...li(T2, RAM + 0x1000 + 1), csr("csrrw", 0, CSR.mtvec, T2), ecall], {
      setup: (mm) => poke(mm, RAM + 0x1000, [...li(A0, 1), ...EXIT]),
    });
    expect(e.hart.mcause).toBe(11);
    expect(u(e, A0)).toBe(1);
  });

  it("wfi with the timer armed jumps virtual time to the deadline; with MIE off it just continues", () => {
    const m = run([...armTimer(1000, false), wfi, csr("csrrs", A0, CSR.mip, 0), ...EXIT]);
    expect(m.exitCode).toBe(0);
    expect(u(m, A0) & 0x80).toBe(0x80);
    expect(m.nowNs()).toBeGreaterThanOrEqual(100_000);
    expect(m.hart.retired).toBeLessThan(100);
  });

  it("wfi with nothing that could wake the hart halts", () => {
    const m = new Machine({ ramMiB: 1 });
    poke(m, RAM, [wfi]);
    m.hart.pc = RAM | 0;
    expect(m.run(1000)).toBe("halt");
  });

  it("software interrupt through the CLINT's msip", () => {
    const m = run([
      ...li(T2, 8),
      csr("csrrs", 0, CSR.mie, T2),
      csr("csrrsi", 0, CSR.mstatus, 8),
      ...li(A1, 0x2000000),
      ...li(T2, 1),
      store("sw", T2, A1, 0),
      jal(0, 0),
    ]);
    expect(m.hart.mcause).toBe(MCAUSE_INTERRUPT | 3);
  });

  it("interrupts are taken in U mode even with mstatus.MIE clear", () => {
    const m = run([...armTimer(20, false), ...toUser(7)], { setup: (mm) => poke(mm, RAM + 0x100, [jal(0, 0)]) });
    expect(m.hart.mcause).toBe(MCAUSE_INTERRUPT | 7);
    expect((m.hart.mstatus >>> 11) & 3).toBe(PRIV_U);
  });
});

describe("PMP", () => {
  it("mret to U mode with no active PMP entry is an illegal instruction at the mret, as on QEMU 7.2", () => {
    const m = runUser(null, [ecall]);
    expect(m.hart.mcause).toBe(2);
    expect(m.hart.mtval).toBe(mret);
    expect(m.hart.mepc >>> 0).toBe(RAM + 4 * (toUser(null).length - 1));
    expect(m.hart.priv).toBe(PRIV_M);
    expect((m.hart.mstatus >>> 11) & 3).toBe(PRIV_M);
  });

  it("U mode with PMP entries of which none covers its code faults on fetch, as QEMU does", () => {
    // Entry 0: NA4 over the word at 0 (far from RAM); U mode may fetch nothing in RAM.
    const m = run([csr("csrrwi", 0, CSR.pmpaddr0, 0), ...li(T2, 0x17), csr("csrrw", 0, CSR.pmpcfg0, T2), ...toUser(null)], {
      setup: (mm) => poke(mm, RAM + 0x100, [ecall]),
    });
    expect(m.hart.mcause).toBe(1);
    expect(m.hart.mtval >>> 0).toBe(RAM + 0x100);
    expect(m.hart.mepc >>> 0).toBe(RAM + 0x100);
  });

  it("a NAPOT entry over all memory lets U mode run", () => {
    expect(runUser(7, [nop, ecall]).hart.mcause).toBe(8);
  });

  it("R+X without W: U loads work, U stores fault with the address", () => {
    const user = [...li(A1, RAM + 0x2000), load("lw", A0, A1, 0), store("sw", A0, A1, 0), ecall];
    const m = runUser(5, user);
    expect(m.hart.mcause).toBe(7);
    expect(m.hart.mtval >>> 0).toBe(RAM + 0x2000);
  });

  it("TOR ranges and partial matches: an access straddling the end of a range fails", () => {
    // entry 0: TOR [0, RAM+0x2002) RWX, so a word at RAM+0x2000 only partly matches.
    const setup = pmpEntry0((RAM + 0x2002) / 4, 0x0f);
    const m = run([...setup, ...li(T2, RAM + 0x100), csr("csrrw", 0, CSR.mepc, T2), mret], {
      setup: (mm) => poke(mm, RAM + 0x100, [...li(A1, RAM + 0x2000), load("lw", A0, A1, 0), ecall]),
    });
    expect(m.hart.mcause).toBe(5);
  });

  it("a locked entry binds M mode too, and cannot be rewritten", () => {
    const lock = pmpEntry0((RAM + 0x2000) >>> 2, 0x80 | 0x10 | 1);
    const m = run([...lock, ...li(T2, 0x1f), csr("csrrw", 0, CSR.pmpcfg0, T2), ...li(A1, RAM + 0x2000), store("sw", A1, A1, 0), ...EXIT]);
    expect(m.hart.mcause).toBe(7);
    expect(m.hart.pmp.cfg[0]).toBe(0x91);
  });
});

describe("PMP partial matches in M mode", () => {
  it("a misaligned M-mode store straddling an entry boundary faults even though M mode is otherwise unchecked", () => {
    const at = RAM + 0x2000;
    const setup = pmpEntry0((at >>> 2) | 0, 0x11);
    const m = run([...setup, ...li(A1, at - 2), store("sw", A1, A1, 0), ...EXIT]);
    expect(m.hart.mcause).toBe(7);
    expect(m.hart.mtval >>> 0).toBe(at - 2);
    const inside = run([...setup, ...li(A1, at - 8), store("sw", A1, A1, 1), ...EXIT]);
    expect(inside.exitCode).toBe(0);
    expect(inside.hart.mcause).toBe(0);
  });
});

describe("U-mode PMP page cache", () => {
  it("a PMP change takes effect on the next U-mode access to a page already used", () => {
    // U code stores to DATA, ecalls to M; M makes memory R+X only and returns; the same store must now fault.
    const DATA = RAM + 0x3000;
    const user = [...li(A1, DATA), store("sw", A1, A1, 0), ecall, store("sw", A1, A1, 0), ecall];
    const handler = [
      csr("csrrs", A2, CSR.mcause, 0),
      ...li(A0, 8),
      // first ecall from U (mcause 8): drop W, skip the ecall, return to U
      branch("beq", A2, A0, 4 * (1 + EXIT.length)),
      ...EXIT,
      ...li(T2, 0x1d),
      csr("csrrw", 0, CSR.pmpcfg0, T2),
      csr("csrrs", T2, CSR.mepc, 0),
      addi(T2, T2, 4),
      csr("csrrw", 0, CSR.mepc, T2),
      mret,
    ];
    const m = runUser(7, user, { handler });
    expect(m.hart.mcause).toBe(7);
    expect(m.hart.mepc >>> 0).toBe(RAM + 0x100 + 16);
  });
});
