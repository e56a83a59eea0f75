/**
 * PMP address matching and locking (priv. spec 1.12 §3.7): the exact byte range of
 * TOR, NA4 and NAPOT entries, which entry a lock protects, and that any pmpaddr
 * write takes effect at once — checked with U-mode and M-mode accesses.
 */
import { describe, expect, it } from "vitest";
import { CSR } from "../src/index.js";
import { A0, A1, A2, addi, branch, csr, EXIT, ecall, jalr, li, mret, mretTo, pmpEntry0, poke, RAM, run, store, T2, u } from "./asm.js";

const csrr = (rd: number, n: number) => csr("csrrs", rd, n, 0);
const R = 1;
const W = 2;
const X = 4;
const TOR = 0x08;
const NA4 = 0x10;
const NAPOT = 0x18;
const L = 0x80;
const DATA = RAM + 0x4000;

/** Entries 0..n-1 from `entries` ([pmpaddr, cfg]), then entry n = NAPOT over all memory R+X (U's code); then U mode at RAM + 0x100. */
function userWith(entries: [number, number][], user: number[], handler?: number[]) {
  const all: [number, number][] = [...entries, [-1, NAPOT | R | X]];
  const setup: number[] = [];
  let cfg = 0;
  all.forEach(([addr, c], i) => {
    setup.push(...li(T2, addr), csr("csrrw", 0, CSR.pmpaddr0 + i, T2));
    cfg |= c << (8 * i);
  });
  setup.push(...li(T2, cfg), csr("csrrw", 0, CSR.pmpcfg0, T2), ...mretTo(RAM + 0x100));
  return run(setup, { handler, setup: (m) => poke(m, RAM + 0x100, user) });
}

/** U code: store a word at each of `addrs` in turn, then ecall. A fault stops at the first refused address. */
const storesTo = (addrs: number[]) => [...addrs.flatMap((a) => [...li(A1, a), store("sw", A1, A1, 0)]), ecall];

/** Expects the stores to `ok` to pass and the one to `refused` (the last) to fault with mtval = its address. */
function expectRange(entries: [number, number][], ok: number[], refused: number) {
  const m = userWith(entries, storesTo([...ok, refused]));
  expect(m.hart.mcause).toBe(7);
  expect(m.hart.mtval >>> 0).toBe(refused);
  const pass = userWith(entries, storesTo(ok));
  expect(pass.hart.mcause).toBe(8);
}

describe("address matching (§3.7.1)", () => {
  it("NA4 covers exactly the 4 bytes at pmpaddr × 4", () => {
    expectRange([[DATA >>> 2, NA4 | R | W]], [DATA], DATA + 4);
    expectRange([[DATA >>> 2, NA4 | R | W]], [DATA], DATA - 4);
  });

  it("NAPOT with t trailing ones covers 2^(t+3) bytes from the address with those bits cleared", () => {
    const y = (DATA >>> 2) | 0b11; // t = 2: 32 bytes at DATA
    expectRange([[y, NAPOT | R | W]], [DATA, DATA + 28], DATA + 32);
    expectRange([[y, NAPOT | R | W]], [DATA + 28, DATA], DATA - 4);
  });

  it("TOR entry i covers [pmpaddr(i-1) × 4, pmpaddr(i) × 4): the top is exclusive, the bottom inclusive", () => {
    const tor: [number, number][] = [
      [DATA >>> 2, 0], // entry 0 off: only its address is used, as entry 1's bottom
      [(DATA + 16) >>> 2, TOR | R | W],
    ];
    expectRange(tor, [DATA, DATA + 12], DATA + 16);
    expectRange(tor, [DATA], DATA - 4);
  });

  it("a misaligned store across a page edge is checked against both pages' rules", () => {
    // DATA's page is R+W (NAPOT, 4 KiB); the next page falls to the R+X entry: the store's last bytes are refused.
    const m = userWith([[(DATA >>> 2) | 0x1ff, NAPOT | R | W]], storesTo([DATA + 0x10, DATA + 0xffe]));
    expect(m.hart.mcause).toBe(7);
    expect(m.hart.mtval >>> 0).toBe(DATA + 0xffe);
  });

  it("the lowest-numbered matching entry decides, even when a later one allows the access", () => {
    const m = userWith(
      [
        [DATA >>> 2, NA4 | R],
        [-1, NAPOT | R | W | X],
      ],
      storesTo([DATA + 4, DATA]),
    );
    expect(m.hart.mcause).toBe(7);
    expect(m.hart.mtval >>> 0).toBe(DATA);
  });
});

describe("changes take effect at once", () => {
  it("moving an entry's pmpaddr re-decides a page U mode already used", () => {
    // U stores to DATA (its page: one NAPOT R+W entry), ecalls; M moves the entry to the next page and returns; the same store now faults.
    const user = [...li(A1, DATA), store("sw", A1, A1, 0), ecall, store("sw", A1, A1, 0), ecall];
    const handler = [
      csrr(A2, CSR.mcause),
      ...li(A0, 8),
      branch("beq", A2, A0, 4 * (1 + EXIT.length)),
      ...EXIT,
      ...li(T2, ((DATA + 0x1000) >>> 2) | 0x1ff),
      csr("csrrw", 0, CSR.pmpaddr0, T2),
      csrr(T2, CSR.mepc),
      addi(T2, T2, 4),
      csr("csrrw", 0, CSR.mepc, T2),
      mret,
    ];
    const m = userWith([[(DATA >>> 2) | 0x1ff, NAPOT | R | W]], user, handler);
    expect(m.hart.mcause).toBe(7);
    expect(m.hart.mepc >>> 0).toBe(RAM + 0x100 + 16);
  });
});

describe("entries switched off", () => {
  it("an entry set to OFF again no longer counts as active: an mret to U is then illegal, as with none (QEMU 7.2)", () => {
    const m = run([...pmpEntry0(-1, NAPOT | R | W | X), csr("csrrw", 0, CSR.pmpcfg0, 0), ...mretTo(RAM + 0x100)]);
    expect(m.hart.mcause).toBe(2);
    expect(m.hart.mtval).toBe(mret);
  });
});

describe("locking (§3.7.1)", () => {
  /** Sets pmpaddr0/1 and pmpcfg0 = entry 1's `cfg1`, then tries to rewrite pmpaddr0 and reads it back into a0. */
  const rewriteAddr0 = (cfg1: number) =>
    run([
      ...li(T2, DATA >>> 2),
      csr("csrrw", 0, CSR.pmpaddr0, T2),
      ...li(T2, (DATA + 0x1000) >>> 2),
      csr("csrrw", 0, CSR.pmpaddr0 + 1, T2),
      ...li(T2, cfg1 << 8),
      csr("csrrw", 0, CSR.pmpcfg0, T2),
      ...li(T2, 0x123),
      csr("csrrw", 0, CSR.pmpaddr0, T2),
      csrr(A0, CSR.pmpaddr0),
      ...EXIT,
    ]);

  it("a locked TOR entry also locks the pmpaddr below it (its bottom)", () => {
    expect(u(rewriteAddr0(L | TOR | R | W | X), A0)).toBe(DATA >>> 2);
  });

  it("a locked NA4/NAPOT entry does not lock the pmpaddr below it", () => {
    expect(u(rewriteAddr0(L | NAPOT | R | W | X), A0)).toBe(0x123);
    expect(u(rewriteAddr0(L | NA4 | R | W | X), A0)).toBe(0x123);
    expect(u(rewriteAddr0(TOR | R | W | X), A0)).toBe(0x123);
  });

  it("a locked entry without X stops M-mode instruction fetch from its region", () => {
    const lock = pmpEntry0((DATA >>> 2) | 0x1ff, L | NAPOT | R);
    const m = run([...lock, ...li(T2, DATA), jalr(0, T2, 0)], { setup: (mm) => (mm.ram.i32[(DATA - RAM) >>> 2] = EXIT[0]) });
    expect(m.hart.mcause).toBe(1);
    expect(m.hart.mepc >>> 0).toBe(DATA);
    expect(m.hart.mtval >>> 0).toBe(DATA);
  });
});
