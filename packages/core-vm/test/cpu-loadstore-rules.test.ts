/**
 * Load/store rules (unprivileged spec §2.6) on both of the hart's paths: the
 * inline RAM access of translated code and the checked slow path (taken by
 * every access while a locked PMP entry exists, and by misaligned or MMIO
 * accesses). Misaligned RAM accesses are performed, as QEMU 7.2 does; RAM
 * ends where it ends: one byte past it is an access fault.
 */
import { describe, expect, it } from "vitest";
import { A0, A1, A2, A3, EXIT, li, load, nop, pmpEntry0, RAM, run, store, T2, u } from "./asm.js";

const DATA = RAM + 0x2000;
/** RAM of `run` (1 MiB) ends here. */
const END = RAM + 0x10_0000;
/** A locked NAPOT RWX entry over all memory: M mode then checks every access (the slow path). */
const CHECKED = pmpEntry0(-1, 0x80 | 0x18 | 7);

describe.each([
  ["inline", [] as number[]],
  ["checked", CHECKED],
])("loads and stores (%s path)", (_path, pre) => {
  it("lb/lh sign-extend, lbu/lhu zero-extend; sb/sh write only their bytes", () => {
    const m = run([
      ...pre,
      ...li(A1, DATA),
      ...li(T2, 0x8081f0f1),
      store("sw", T2, A1, 0),
      load("lb", A0, A1, 1),
      load("lbu", A2, A1, 1),
      load("lh", A3, A1, 2),
      load("lhu", 14, A1, 2),
      ...li(15, -1),
      store("sw", 15, A1, 4),
      store("sh", T2, A1, 4),
      store("sb", T2, A1, 7),
      load("lw", 16, A1, 4),
      ...EXIT,
    ]);
    expect(m.exitCode).toBe(0);
    expect([u(m, A0), u(m, A2), u(m, A3), u(m, 14)]).toEqual([0xfffffff0, 0xf0, 0xffff8081, 0x8081]);
    expect(u(m, 16)).toBe(0xf1fff0f1);
  });

  it("offsets are sign-extended 12-bit immediates (negative for loads and stores)", () => {
    const m = run([
      ...pre,
      ...li(A1, DATA + 2048),
      ...li(T2, 0x1234_5678),
      store("sw", T2, A1, -2048),
      store("sw", T2, A1, -4),
      ...li(A3, DATA),
      load("lw", A0, A3, 0),
      load("lw", A2, A3, 2044),
      load("lw", 14, A1, -2048),
      ...EXIT,
    ]);
    expect([u(m, A0), u(m, A2), u(m, 14)]).toEqual([0x1234_5678, 0x1234_5678, 0x1234_5678]);
  });

  it("the last word of RAM loads and stores; an access at the end of RAM or straddling it is an access fault", () => {
    const ok = run([...pre, ...li(A1, END - 4), ...li(T2, 0x5a5a_a5a5), store("sw", T2, A1, 0), load("lw", A0, A1, 0), ...EXIT]);
    expect(ok.exitCode).toBe(0);
    expect(u(ok, A0)).toBe(0x5a5a_a5a5);
    const at = 4 * pre.length + 8; // address of the access after li
    for (const [insn, addr, cause] of [
      [load("lw", A0, A1, 0), END, 5],
      [load("lw", A0, A1, 0), END - 2, 5],
      [load("lhu", A0, A1, 0), END - 1, 5],
      [store("sw", T2, A1, 0), END, 7],
      [store("sh", T2, A1, 0), END - 1, 7],
    ] as const) {
      const m = run([...pre, ...li(A1, addr), insn, ...EXIT]);
      expect(m.hart.mcause, `${insn.toString(16)} at ${addr.toString(16)}`).toBe(cause);
      expect(m.hart.mepc >>> 0).toBe(RAM + at);
      expect(u(m, A0)).toBe(0);
    }
  });

  it("a misaligned lh sign-extends and lhu zero-extends the two bytes", () => {
    const m = run([
      ...pre,
      ...li(A1, DATA),
      ...li(T2, 0x0080_ff00),
      store("sw", T2, A1, 0),
      load("lh", A0, A1, 1),
      load("lhu", A2, A1, 1),
      ...EXIT,
    ]);
    expect([u(m, A0), u(m, A2)]).toEqual([0xffff80ff, 0x80ff]);
  });

  it("a faulting load or store does not retire: only the instructions before it and the handler count", () => {
    for (const insn of [load("lw", A0, A1, 0), store("sw", A1, A1, 0)]) {
      const m = run([...pre, nop, ...li(A1, 0x4000_0000), insn, ...EXIT]);
      expect(m.hart.mcause).toBe(insn === store("sw", A1, A1, 0) ? 7 : 5);
      expect(m.hart.retired).toBe(pre.length + 3 + EXIT.length);
    }
  });
});

describe("MMIO loads and stores", () => {
  it("lb from a device sign-extends its byte, lbu zero-extends it (UART scratch register)", () => {
    const m = run([
      ...li(A1, 0x1000_0007),
      ...li(A2, 0xf0),
      store("sb", A2, A1, 0),
      load("lb", A0, A1, 0),
      load("lbu", A3, A1, 0),
      ...EXIT,
    ]);
    expect([u(m, A0), u(m, A3)]).toEqual([0xfffffff0, 0xf0]);
  });

  it("a misaligned device access is an access fault (only RAM performs misaligned accesses)", () => {
    const CLINT = 0x0200_0000;
    const lw = run([...li(A1, CLINT + 2), load("lw", A0, A1, 0), ...EXIT]);
    expect([lw.hart.mcause, lw.hart.mtval >>> 0]).toEqual([5, CLINT + 2]);
    const sw = run([...li(A1, CLINT + 1), ...li(A2, -1), store("sw", A2, A1, 0), ...EXIT]);
    expect([sw.hart.mcause, sw.hart.mtval >>> 0]).toEqual([7, CLINT + 1]);
    expect(sw.clint.msip).toBe(0);
  });
});
