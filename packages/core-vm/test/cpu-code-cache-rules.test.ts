/**
 * The translation cache must never run stale code. vmlab follows QEMU 7.2:
 * a store into translated code takes effect on the next instruction fetched
 * after it, even without FENCE.I (Zifencei only requires it with FENCE.I).
 * Covered here: every line of a block, blocks that cross a page, the checked
 * (slow-path) store, U-mode translations patched from M mode, the
 * one-instruction blocks of budget tails, and a spin loop that stops at the
 * budget.
 */
import { describe, expect, it } from "vitest";
import { CSR } from "../src/index.js";
import { A0, A1, A3, addi, branch, csr, EXIT, jal, jalr, li, mret, nop, pmpEntry0, poke, RAM, run, store, T2, u } from "./asm.js";

const ret = jalr(0, 1, 0);
/** A locked NAPOT RWX entry over all memory: M mode then checks every access (the slow path). */
const CHECKED = pmpEntry0(-1, 0x80 | 0x18 | 7);

/**
 * Calls the routine at `sub` twice, patching the word at `patchAt` to `addi a0, a0, 100`
 * between the calls (after `pre`). The routine adds 1 to a0 on each call before the patch.
 */
function callPatchCall(sub: number, routine: number[], patchAt: number, pre: number[] = []) {
  const main = [...pre, ...li(A0, 0), ...li(A1, patchAt), ...li(T2, addi(A0, A0, 100))];
  const call1 = main.length;
  main.push(jal(1, sub - (RAM + 4 * call1)));
  main.push(store("sw", T2, A1, 0));
  const call2 = main.length;
  main.push(jal(1, sub - (RAM + 4 * call2)), ...EXIT);
  return run(main, { setup: (m) => poke(m, sub, routine) });
}

describe("self-modifying code", () => {
  it("a store into any line of a translated block invalidates it, not only its first line", () => {
    const routine = [...Array<number>(20).fill(nop), addi(A0, A0, 1), ret];
    const m = callPatchCall(RAM + 0x2000, routine, RAM + 0x2000 + 80);
    expect(u(m, A0)).toBe(101);
  });

  it("a block that crosses a page boundary sees a store into its second page", () => {
    const routine = [nop, nop, addi(A0, A0, 1), ret]; // the addi is the first word of the next page
    const m = callPatchCall(RAM + 0x2ff8, routine, RAM + 0x3000);
    expect(u(m, A0)).toBe(101);
  });

  it("a checked (slow-path) store into translated code invalidates it", () => {
    const m = callPatchCall(RAM + 0x2000, [addi(A0, A0, 1), ret], RAM + 0x2000, CHECKED);
    expect(u(m, A0)).toBe(101);
  });

  it.each([
    ["inline", [] as number[]],
    ["checked", CHECKED],
  ])("a store patching the next instruction of the same block takes effect at once (%s path)", (_path, pre) => {
    const at = pre.length + 5; // index of the patched word: after li t2, li a1 and the sw
    const m = run([...pre, ...li(T2, addi(A0, 0, 2)), ...li(A1, RAM + 4 * at), store("sw", T2, A1, 0), addi(A0, 0, 1), ...EXIT]);
    expect(m.exitCode).toBe(0);
    expect(u(m, A0)).toBe(2);
  });

  it("one-instruction blocks (budget tails) are dropped too: stepping one instruction at a time sees the patch", () => {
    const main = [
      ...li(A0, 0),
      ...li(A1, RAM + 0x200),
      jal(1, 0x200 - 16),
      ...li(T2, addi(A0, A0, 100)),
      store("sw", T2, A1, 0),
      jal(1, 0x200 - 32),
      ...EXIT,
    ];
    const m = run(main, { budget: 0, setup: (mm) => poke(mm, RAM + 0x200, [addi(A0, A0, 1), ret]) });
    while (m.exitCode === null) m.run(1);
    expect(u(m, A0)).toBe(101);
  });

  it("U-mode code patched from M mode runs patched when U mode calls it again", () => {
    const USER = RAM + 0x100;
    // Handler: first ecall → patch the U code and return to its start; second ecall → exit.
    const handler = [
      addi(A3, A3, 1),
      ...li(T2, 2),
      branch("beq", A3, T2, 4 * 8),
      ...li(T2, addi(A0, A0, 100)),
      ...li(A1, USER),
      store("sw", T2, A1, 0),
      csr("csrrw", 0, CSR.mepc, A1),
      mret,
      ...EXIT,
    ];
    const m = run([...pmpEntry0(-1, 0x18 | 7), ...li(T2, USER), csr("csrrw", 0, CSR.mepc, T2), mret], {
      handler,
      setup: (mm) => poke(mm, USER, [addi(A0, A0, 1), 0x00000073 /* ecall */]),
    });
    expect(m.exitCode).toBe(0);
    expect(u(m, A0)).toBe(101);
  });
});

describe("budget", () => {
  it("a one-instruction spin loop (j .) stops exactly at the budget", () => {
    for (const spin of [jal(0, 0), branch("beq", 0, 0, 0)]) {
      const m = run([nop, spin], { budget: 0 });
      expect(m.run(1001)).toBe("budget");
      expect(m.hart.retired).toBe(1001);
      expect(m.hart.pc >>> 0).toBe(RAM + 4);
    }
  });
});
