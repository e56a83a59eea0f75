import { describe, expect, it } from "vitest";
import { CSR } from "../src/index.js";
import {
  A0,
  A1,
  A2,
  A3,
  type AmoName,
  addi,
  amo,
  branch,
  csr,
  EXIT,
  ecall,
  jal,
  jalr,
  li,
  load,
  mret,
  nop,
  poke,
  RAM,
  run,
  store,
  T2,
  u,
} from "./asm.js";

const csrw = (n: number, rs: number) => csr("csrrw", 0, n, rs);

const DATA = RAM + 0x2000;

describe("loads and stores", () => {
  it("sb and sh write only their bytes (little-endian)", () => {
    const m = run([
      ...li(A1, DATA),
      ...li(T2, -1),
      store("sw", T2, A1, 0),
      store("sb", 0, A1, 1),
      store("sh", 0, A1, 2),
      load("lw", A0, A1, 0),
      ...EXIT,
    ]);
    expect(u(m, A0)).toBe(0x000000ff);
  });

  it("misaligned plain loads and stores are performed, as on QEMU 7.2", () => {
    const m = run([...li(A1, DATA), ...li(T2, 0x44332211), store("sw", T2, A1, 1), load("lw", A0, A1, 1), load("lh", A2, A1, 3), ...EXIT]);
    expect(m.exitCode).toBe(0);
    expect(u(m, A0)).toBe(0x44332211);
    expect(u(m, A2)).toBe(0x4433);
    expect(m.ram.read(DATA, 5)).toEqual(new Uint8Array([0, 0x11, 0x22, 0x33, 0x44]));
  });

  it("a load from unmapped memory is a load access fault with mtval = address", () => {
    const m = run([...li(A1, 0x4000_0000), load("lw", A0, A1, 8), ...EXIT]);
    expect(m.hart.mcause).toBe(5);
    expect(m.hart.mtval >>> 0).toBe(0x4000_0008);
    expect(m.hart.mepc >>> 0).toBe(RAM + 8);
  });

  it("a store to unmapped memory is a store access fault", () => {
    const m = run([...li(A1, 0x4000_0000), store("sw", A1, A1, 0), ...EXIT]);
    expect(m.hart.mcause).toBe(7);
    expect(m.hart.mtval >>> 0).toBe(0x4000_0000);
  });

  it("the CLINT and PLIC take only word accesses, the finisher halfwords and words; narrower ones fault (QEMU 7.2)", () => {
    const CLINT = 0x0200_0000;
    const PLIC = 0x0c00_0000;
    const FINISHER = 0x0010_0000;
    const cases: [number, number, number][] = [
      [store("sb", A2, A1, 0), CLINT, 7], // msip
      [store("sh", A2, A1, 0), CLINT, 7],
      [load("lb", A0, A1, 0), CLINT + 0xbff8, 5], // mtime
      [load("lhu", A0, A1, 0), CLINT + 0x4000, 5], // mtimecmp
      [store("sb", A2, A1, 4), PLIC, 7], // priority of source 1
      [load("lh", A0, A1, 0), PLIC + 0x20_0004, 5], // claim
      [store("sb", A2, A1, 0), FINISHER, 7],
      [load("lbu", A0, A1, 0), FINISHER, 5],
    ];
    for (const [insn, base, cause] of cases) {
      const m = run([...li(A1, base), ...li(A2, 0x5555), insn, ...EXIT]);
      expect(m.hart.mcause, `${insn.toString(16)} at ${base.toString(16)}`).toBe(cause);
      expect(m.clint.msip).toBe(0);
      expect(m.plic.priority[1]).toBe(0);
    }
    // The finisher takes a halfword: 0x5555 exits with code 0.
    expect(run([...li(A1, FINISHER), ...li(A2, 0x5555), store("sh", A2, A1, 0), 0]).exitCode).toBe(0);
    // A word store to msip still raises the software interrupt.
    expect(run([...li(A1, CLINT), ...li(A2, 1), store("sw", A2, A1, 0), ...EXIT]).clint.msip).toBe(1);
  });

  it("fetching outside RAM is an instruction access fault", () => {
    const m = run([...li(A1, 0x4000_0000), jalr(0, A1, 0)]);
    expect(m.hart.mcause).toBe(1);
    expect(m.hart.mtval >>> 0).toBe(0x4000_0000);
    expect(m.hart.mepc >>> 0).toBe(0x4000_0000);
  });

  it("a jump to a 2-byte-aligned target is an instruction-address-misaligned trap at the jump, rd unchanged", () => {
    const m = run([...li(A1, RAM + 0x102), jalr(A2, A1, 0)]);
    expect(m.hart.mcause).toBe(0);
    expect(m.hart.mtval >>> 0).toBe(RAM + 0x102);
    expect(m.hart.mepc >>> 0).toBe(RAM + 8);
    expect(u(m, A2)).toBe(0);
  });

  it("jal and jalr link pc + 4", () => {
    const m = run([jal(A0, 8), nop, jal(A1, 4), ...li(A2, RAM + 28), jalr(A3, A2, 4), nop, nop, ...EXIT]);
    expect(m.exitCode).toBe(0);
    expect(u(m, A0)).toBe(RAM + 4);
    expect(u(m, A1)).toBe(RAM + 12);
    expect(u(m, A3)).toBe(RAM + 24);
  });
});

describe("RV32A", () => {
  const setup = (value: number) => [...li(A1, DATA), ...li(T2, value), store("sw", T2, A1, 0)];

  it("LR/SC: succeeds with a reservation (rd = 0) and stores", () => {
    const m = run([...setup(5), amo("lr", A0, A1, 0), ...li(A2, 9), amo("sc", A3, A1, A2), load("lw", 14, A1, 0), ...EXIT]);
    expect(u(m, A0)).toBe(5);
    expect(u(m, A3)).toBe(0);
    expect(u(m, 14)).toBe(9);
  });

  it("SC without a reservation fails (rd = 1) and leaves memory alone", () => {
    const m = run([...setup(5), ...li(A2, 9), amo("sc", A3, A1, A2), load("lw", 14, A1, 0), ...EXIT]);
    expect(u(m, A3)).toBe(1);
    expect(u(m, 14)).toBe(5);
  });

  it("the reservation is lost after an SC, and an SC to another address fails", () => {
    const m = run([
      ...setup(5),
      amo("lr", A0, A1, 0),
      ...li(A2, 9),
      amo("sc", A3, A1, A2),
      amo("sc", 15, A1, A2), // second SC: reservation gone
      amo("lr", A0, A1, 0),
      addi(16, A1, 4),
      amo("sc", 17, 16, A2), // different address
      ...EXIT,
    ]);
    expect(u(m, A3)).toBe(0);
    expect(u(m, 15)).toBe(1);
    expect(u(m, 17)).toBe(1);
  });

  it("SC fails when the reserved word changed since LR (QEMU compares the value)", () => {
    const m = run([
      ...setup(5),
      amo("lr", A0, A1, 0),
      ...li(T2, 6),
      store("sw", T2, A1, 0),
      ...li(A2, 9),
      amo("sc", A3, A1, A2),
      load("lw", 14, A1, 0),
      ...EXIT,
    ]);
    expect(u(m, A3)).toBe(1);
    expect(u(m, 14)).toBe(6);
  });

  it("a trap between LR and SC drops the reservation: the SC fails, in the handler or after mret (QEMU 7.2)", () => {
    // SC inside the handler: the ecall's trap dropped the reservation.
    const inHandler = run([...setup(5), amo("lr", A0, A1, 0), ecall], {
      handler: [...li(A2, 9), amo("sc", A3, A1, A2), load("lw", 14, A1, 0), ...EXIT],
    });
    expect(inHandler.hart.mcause).toBe(11);
    expect(u(inHandler, A3)).toBe(1);
    expect(u(inHandler, 14)).toBe(5);
    // SC after the handler returns past the ecall (mepc + 4).
    const skip = [csr("csrrs", T2, CSR.mepc, 0), addi(T2, T2, 4), csr("csrrw", 0, CSR.mepc, T2), mret];
    const afterMret = run([...setup(5), amo("lr", A0, A1, 0), ecall, ...li(A2, 9), amo("sc", A3, A1, A2), load("lw", 14, A1, 0), ...EXIT], {
      handler: skip,
    });
    expect(u(afterMret, A3)).toBe(1);
    expect(u(afterMret, 14)).toBe(5);
  });

  const cases: [AmoName, number, number, number][] = [
    ["swap", 5, -3, -3],
    ["add", 5, -3, 2],
    ["xor", 0b1100, 0b1010, 0b0110],
    ["and", 0b1100, 0b1010, 0b1000],
    ["or", 0b1100, 0b1010, 0b1110],
    ["min", -5, 3, -5],
    ["max", -5, 3, 3],
    ["minu", -5, 3, 3],
    ["maxu", -5, 3, -5],
  ];
  for (const [name, mem, src, result] of cases) {
    it(`amo${name}.w returns the old value and stores ${name}(old, rs2)`, () => {
      const m = run([...setup(mem), ...li(A2, src), amo(name, A0, A1, A2), load("lw", A3, A1, 0), ...EXIT]);
      expect(m.hart.x[A0]).toBe(mem | 0);
      expect(m.hart.x[A3]).toBe(result | 0);
    });
  }

  it("misaligned AMOs and LR are load-address-misaligned traps, as QEMU 7.2 reports them", () => {
    const m1 = run([...li(A1, DATA + 2), amo("add", A0, A1, A1), ...EXIT]);
    expect(m1.hart.mcause).toBe(4);
    expect(m1.hart.mtval >>> 0).toBe(DATA + 2);
    const m2 = run([...li(A1, DATA + 1), amo("lr", A0, A1, 0), ...EXIT]);
    expect(m2.hart.mcause).toBe(4);
  });

  it("AMOs, LR and SC on a device are a read then a write, as on QEMU 7.2 (not access faults)", () => {
    const CLINT = 0x0200_0000;
    const m = run([
      ...li(A1, CLINT), // msip
      ...li(A2, 1),
      amo("or", A0, A1, A2), // msip |= 1 → mip.MSIP
      ...li(T2, CLINT + 0x4000), // mtimecmp (low)
      ...li(A2, 0x1234),
      amo("swap", A3, T2, A2),
      amo("lr", 14, T2, 0),
      ...li(A2, 0x99),
      amo("sc", 15, T2, A2),
      amo("sc", 16, T2, A2), // reservation gone: fails, no write
      ...EXIT,
    ]);
    expect(m.hart.mcause).toBe(0); // no trap
    expect(u(m, A0)).toBe(0);
    expect(m.clint.msip).toBe(1);
    expect(m.hart.mip & 8).toBe(8);
    expect(u(m, A3)).toBe(0); // mtimecmp after reset
    expect(u(m, 14)).toBe(0x1234);
    expect(u(m, 15)).toBe(0);
    expect(u(m, 16)).toBe(1);
    expect(m.clint.mtimecmpLo).toBe(0x99);
  });

  it("an AMO outside RAM is a load access fault, as QEMU 7.2 reports it", () => {
    const m = run([...li(A1, 0x4000_0000), amo("swap", A0, A1, A1), ...EXIT]);
    expect(m.hart.mcause).toBe(5);
  });
});

describe("RV32A access faults in U mode (QEMU 7.2 order: read permission, then write)", () => {
  const CSR_PMPADDR0 = 0x3b0;
  const CSR_PMPCFG0 = 0x3a0;
  const CSR_MEPC = 0x341;
  /** PMP: entry 0 = NA4 read-only word at DATA, entry 1 = NAPOT RWX over all RAM; then U mode at RAM + 0x100. */
  const enterUser = [
    ...li(T2, DATA >>> 2),
    csrw(CSR_PMPADDR0, T2),
    ...li(T2, (RAM >>> 2) | 0x1ffff),
    csrw(CSR_PMPADDR0 + 1, T2),
    ...li(T2, (0x1f << 8) | 0x11),
    csrw(CSR_PMPCFG0, T2),
    ...li(T2, RAM + 0x100),
    csrw(CSR_MEPC, T2),
    0x30200073, // mret
  ];
  const user = (body: number[]) => run(enterUser, { setup: (m) => poke(m, RAM + 0x100, body) });

  it("an AMO to a read-only word is a store/AMO access fault; LR there succeeds", () => {
    const add = user([...li(A1, DATA), amo("add", A0, A1, A1), ...EXIT]);
    expect(add.hart.mcause).toBe(7);
    // The AMO itself faulted (U's exit store to the finisher would fault too, with its own address).
    expect(add.hart.mtval >>> 0).toBe(DATA);
    expect(add.hart.mepc >>> 0).toBe(RAM + 0x108);
    const m = user([...li(A1, DATA), amo("lr", A0, A1, 0), 0x00000073]);
    expect(m.hart.mcause).toBe(8);
  });

  it("an AMO where U mode has no permission at all is a load access fault", () => {
    expect(user([...li(A1, 0x0008_0000), amo("swap", A0, A1, A1), ...EXIT]).hart.mcause).toBe(5);
  });
});

describe("branches", () => {
  const cases: [Parameters<typeof branch>[0], number, number, boolean][] = [
    ["beq", 5, 5, true],
    ["beq", 5, 6, false],
    ["bne", 5, 6, true],
    ["blt", -1, 1, true],
    ["bltu", -1, 1, false],
    ["bge", -1, 1, false],
    ["bgeu", -1, 1, true],
    ["bge", 7, 7, true],
    ["bltu", 1, -1, true],
  ];
  for (const [name, a, b, taken] of cases) {
    it(`${name} ${a}, ${b} is ${taken ? "taken" : "not taken"}`, () => {
      // taken: skip the `li a0, 1`; a0 stays 0
      const m = run([...li(A1, a), ...li(A2, b), ...li(A0, 0), branch(name, A1, A2, 12), ...li(A0, 1), ...EXIT]);
      expect(u(m, A0)).toBe(taken ? 0 : 1);
    });
  }

  it("a backward branch loops exactly as many times as it should", () => {
    const m = run([...li(A0, 0), ...li(A1, 37), addi(A0, A0, 1), branch("blt", A0, A1, -4), ...EXIT]);
    expect(u(m, A0)).toBe(37);
    expect(m.hart.retired).toBe(4 + 2 * 37 + 5);
  });
});
