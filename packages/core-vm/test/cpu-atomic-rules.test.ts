/**
 * LR/SC rules (unpriv. spec §8.2) that a lock or a lock-free queue depends on:
 * every SC drops the reservation, and SC is a store for memory protection.
 */
import { describe, expect, it } from "vitest";
import { Machine } from "../src/index.js";
import { A0, A1, A2, A3, addi, amo, EXIT, ecall, li, load, mretTo, pmpEntry0, poke, RAM, run, store, T2, u } from "./asm.js";

const DATA = RAM + 0x4000;

describe("LR/SC", () => {
  it("an SC to another address fails and still invalidates the reservation: a later SC to the LR address fails", () => {
    const m = run([
      ...li(A1, DATA),
      ...li(T2, 5),
      store("sw", T2, A1, 0),
      amo("lr", A0, A1, 0),
      ...li(A2, 9),
      addi(16, A1, 4),
      amo("sc", 17, 16, A2), // other address: fails
      amo("sc", A3, A1, A2), // reserved address, but the reservation is gone
      load("lw", 14, A1, 0),
      ...EXIT,
    ]);
    expect(u(m, 17)).toBe(1);
    expect(u(m, A3)).toBe(1);
    expect(u(m, 14)).toBe(5);
    expect(m.ram.i32[(DATA + 4 - RAM) >>> 2]).toBe(0);
  });

  it("SC is a store for PMP: with a valid reservation on read-only memory it is a store/AMO access fault and writes nothing", () => {
    // U mode; PMP entry 0 = NAPOT over all memory, R+X only.
    const toUser = [...pmpEntry0(-1, 0x1d), ...mretTo(RAM + 0x100)];
    const user = [...li(A1, DATA), amo("lr", A0, A1, 0), ...li(A2, 9), amo("sc", A3, A1, A2), ecall];
    const m = run(toUser, {
      setup: (mm) => {
        poke(mm, RAM + 0x100, user);
        mm.ram.i32[(DATA - RAM) >>> 2] = 5;
      },
    });
    expect(m.hart.mcause).toBe(7);
    expect(m.hart.mtval >>> 0).toBe(DATA);
    expect(m.hart.mepc >>> 0).toBe(RAM + 0x100 + 4 * 5);
    expect(m.ram.i32[(DATA - RAM) >>> 2]).toBe(5);
  });

  it("a reservation survives save → JSON → restore: the SC after it succeeds on the restored machine", () => {
    const code = [
      ...li(A1, DATA),
      ...li(T2, 5),
      store("sw", T2, A1, 0),
      amo("lr", A0, A1, 0),
      ...li(A2, 9),
      amo("sc", A3, A1, A2),
      ...EXIT,
    ];
    const m = run(code, { budget: 6 }); // stops right after the LR
    expect(m.hart.retired).toBe(6);
    const copy = new Machine({ ramMiB: 1 });
    copy.restore(JSON.parse(JSON.stringify(m.save())), m.ram.u8);
    copy.run(1000);
    expect(copy.exitCode).toBe(0);
    expect(u(copy, A3)).toBe(0);
    expect(copy.ram.i32[(DATA - RAM) >>> 2]).toBe(9);
  });
});
