import { describe, expect, it } from "vitest";
import { CSR, isVmlabError, Machine, type MachineState } from "../src/index.js";
import { A0, A1, A2, A3, csr, EXIT, li, load, nop, poke, RAM, run, store, T0, T2, u } from "./asm.js";

const CLINT = 0x200_0000;
const MTIME = CLINT + 0xbff8;
const MTIMECMP = CLINT + 0x4000;
const T1 = 6;

/** sw `value` to `addr` (clobbers t0 and t1). */
const sw = (addr: number, value: number) => [...li(T0, addr), ...li(T1, value), store("sw", T1, T0, 0)];
const lw = (rd: number, addr: number) => [...li(T0, addr), load("lw", rd, T0, 0)];
const mtip = (rd: number) => [csr("csrrs", rd, CSR.mip, 0), ...li(T2, 0x80), 0x0070_7033 | (rd << 7) | (rd << 15)]; // and rd, rd, t2

describe("CLINT mtime is writable, as on QEMU 7.2", () => {
  it("a written half reads back (the other half kept) from the CLINT and the time CSR", () => {
    const m = run([
      ...sw(MTIME + 4, 0x10),
      ...lw(A0, MTIME + 4),
      csr("csrrs", A1, CSR.timeh, 0),
      ...sw(MTIME, 0x100),
      ...lw(A2, MTIME + 4),
      ...lw(A3, MTIME),
      ...EXIT,
    ]);
    expect(u(m, A0)).toBe(0x10);
    expect(u(m, A1)).toBe(0x10);
    expect(u(m, A2)).toBe(0x10);
    expect(u(m, A3)).toBeGreaterThanOrEqual(0x100);
    expect(u(m, A3)).toBeLessThan(0x110);
  });

  it("mtime keeps counting from the written value, and wraps at 2^64", () => {
    // 10 ticks per instruction: mtime passes 2^64 between the last write and the reads.
    const m = run(
      [
        ...sw(MTIME + 4, 0xffffffff),
        ...sw(MTIME, 0xffffffc0),
        ...lw(A2, MTIME + 4),
        nop,
        nop,
        nop,
        ...lw(A0, MTIME + 4),
        ...lw(A1, MTIME),
        ...EXIT,
      ],
      { nsPerInstruction: 1000 },
    );
    expect(u(m, A2)).toBe(0xffffffff);
    expect(u(m, A0)).toBe(0);
    expect(u(m, A1)).toBeLessThan(100);
  });

  it("the timer interrupt follows mtime moved above or below mtimecmp", () => {
    const m = run([
      ...sw(MTIME + 4, 7),
      ...sw(MTIMECMP + 4, 6),
      ...sw(MTIMECMP, 0),
      ...mtip(A0), // mtime 7:x >= mtimecmp 6:0
      ...sw(MTIMECMP + 4, 8),
      ...mtip(A1),
      ...sw(MTIME + 4, 9),
      ...mtip(A2),
      ...sw(MTIME + 4, 0),
      ...mtip(A3),
      ...EXIT,
    ]);
    expect([u(m, A0), u(m, A1), u(m, A2), u(m, A3)]).toEqual([0x80, 0, 0x80, 0]);
  });

  it("a timer interrupt fires when the moved mtime reaches mtimecmp", () => {
    // mtime = 5:0, mtimecmp = 5:1000 → MTIP 1000 ticks (100 µs) later, not at 5·2^32 ticks of virtual time.
    const m = new Machine({ ramMiB: 1 });
    poke(m, RAM, [...sw(MTIME + 4, 5), ...sw(MTIME, 0), ...sw(MTIMECMP + 4, 5), ...sw(MTIMECMP, 1000), 0x10500073 /* wfi */, ...EXIT]);
    m.hart.pc = RAM | 0;
    m.hart.mie = 0x80;
    m.run(10_000);
    expect(m.exitCode).toBe(0);
    expect(m.nowNs()).toBeGreaterThanOrEqual(100_000);
    expect(m.nowNs()).toBeLessThan(101_000);
  });

  it("the offset is saved; states written before it restore with mtime = virtual time; bad halves are refused", () => {
    const m = run([...sw(MTIME + 4, 0x1234), ...sw(MTIME, 0x10), ...EXIT]);
    const state = JSON.parse(JSON.stringify(m.save())) as MachineState;
    const copy = new Machine({ ramMiB: 1 });
    copy.restore(state);
    expect(copy.clint.mtime()).toBe(m.clint.mtime());
    expect(copy.save()).toEqual(m.save());
    const old = structuredClone(state);
    delete (old.clint as Partial<MachineState["clint"]>).mtimeDeltaLo;
    delete (old.clint as Partial<MachineState["clint"]>).mtimeDeltaHi;
    copy.restore(old);
    expect(copy.clint.mtime()).toBe(BigInt(Math.floor(state.timeNs / 100)));
    for (const clint of [
      { ...state.clint, mtimeDeltaHi: 2 ** 32 },
      { ...state.clint, mtimeDeltaLo: -1 },
    ]) {
      try {
        copy.restore({ ...state, clint });
        expect.unreachable();
      } catch (e) {
        expect(isVmlabError(e) && e.code).toBe("VMLAB_SIM_BAD_STATE");
      }
    }
  });
});
