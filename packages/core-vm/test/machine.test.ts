import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { bootElf, CSR, Machine, MCAUSE_INTERRUPT, Simulation } from "../src/index.js";
import { A0, A1, addi, branch, csr, EXIT, jal, li, load, poke, RAM, run, store, T2, u } from "./asm.js";

const guest = (name: string) => new Uint8Array(readFileSync(new URL(`../../../guest/bin/${name}.elf`, import.meta.url)));

describe("bootElf", () => {
  it("runs hello to the finisher and returns its console bytes", () => {
    const r = bootElf(guest("hello"));
    expect(r.stop).toBe("exit");
    expect(r.exitCode).toBe(0);
    expect(Buffer.from(r.console).toString()).toContain("Hello from a vmlab guest!");
    expect(r.virtualTimeNs).toBe(r.instructions);
  });

  it("is deterministic: same ELF twice → same console bytes, instruction count and virtual time", () => {
    for (const name of ["hello", "timer", "usermode"]) {
      const a = bootElf(guest(name));
      const b = bootElf(guest(name));
      expect(b.console).toEqual(a.console);
      expect(b.instructions).toBe(a.instructions);
      expect(b.virtualTimeNs).toBe(a.virtualTimeNs);
    }
  });

  it("feeds console input to the UART receiver (echo)", () => {
    const r = bootElf(guest("echo"), { consoleInput: new TextEncoder().encode("hi\n") });
    expect(r.stop).toBe("exit");
    expect(Buffer.from(r.console).toString()).toContain("HI (2 bytes)");
  });

  it("stops exactly at maxInstructions", () => {
    const r = bootElf(guest("hello"), { maxInstructions: 1234 });
    expect(r.stop).toBe("budget");
    expect(r.exitCode).toBeNull();
    expect(r.instructions).toBe(1234);
  });
});

describe("Machine.run budget", () => {
  /** A loop of 3 instructions around a counter, 1000 iterations, then exit. */
  const loop = [...li(A0, 0), ...li(A1, 1000), addi(A0, A0, 1), addi(T2, T2, 3), branch("bne", A0, A1, -8), ...EXIT];

  it("retires exactly the budget, and any split of a run gives the same state", () => {
    const whole = run(loop, { budget: 1e9 });
    expect(whole.exitCode).toBe(0);
    const total = whole.hart.retired;
    expect(total).toBe(4 + 3 * 1000 + 5);
    for (const step of [1, 7, 64, 1000]) {
      const m = run(loop, { budget: 0 });
      while (m.exitCode === null) {
        const before = m.hart.retired;
        const stop = m.run(step);
        if (stop === "budget") expect(m.hart.retired - before).toBe(step);
      }
      expect(m.hart.retired).toBe(total);
      expect(Array.from(m.hart.x)).toEqual(Array.from(whole.hart.x));
    }
  });
});

describe("self-modifying code", () => {
  it("a store over translated code takes effect on the next execution (and after fence.i)", () => {
    // Runs `addi a0, a0, 1` at RAM+0x200 twice, patching it to `addi a0, a0, 100` between the calls.
    const patched = addi(A0, A0, 100);
    const m = run(
      [
        ...li(A0, 0),
        ...li(A1, RAM + 0x200),
        jal(1, 0x200 - 16), // call RAM+0x200 (we are at RAM+16)
        ...li(T2, patched),
        store("sw", T2, A1, 0),
        jal(1, 0x200 - 32), // at RAM+32
        ...EXIT,
      ],
      { setup: (mm) => poke(mm, RAM + 0x200, [addi(A0, A0, 1), 0x00008067 /* ret */]) },
    );
    expect(m.exitCode).toBe(0);
    expect(u(m, A0)).toBe(101);
  });
});

describe("dirty and access tracking", () => {
  it("is off by default and then records nothing", () => {
    const m = run([...li(A1, RAM + 0x5000), store("sw", A1, A1, 0), ...EXIT]);
    expect(m.ram.dirtyPages).toBeNull();
    expect(m.ram.takeDirtyPages()).toEqual([]);
  });

  it("records the pages written (fast and slow paths) and the pages touched", () => {
    const m = new Machine({ ramMiB: 1 });
    m.setDirtyTracking(true);
    m.setAccessTracking(true);
    // fast-path store to page 5, misaligned (slow-path) store to page 6, load from page 7
    const program = [...li(A1, RAM + 0x5000), store("sw", A1, A1, 0), ...li(T2, RAM + 0x6001), store("sw", A1, T2, 0)];
    poke(m, RAM, [...program, ...li(T2, RAM + 0x7000), load("lw", A0, T2, 0), ...EXIT]);
    m.hart.pc = RAM | 0;
    expect(m.run(100)).toBe("exit");
    expect(m.ram.takeDirtyPages()).toEqual([5, 6]);
    expect(m.ram.takeAccessedPages()).toEqual([0, 5, 6, 7]);
    expect(m.ram.takeDirtyPages()).toEqual([]);
  });
});

describe("time", () => {
  it("mtime is virtual ns / 100 and the time CSR matches it", () => {
    const m = run([...li(A1, 0x200bff8), load("lw", A0, A1, 0), csr("csrrs", T2, CSR.time, 0), ...EXIT], { nsPerInstruction: 1000 });
    expect(u(m, A0)).toBe(20); // 2 instructions retired before the load, 1000 ns each
    expect(u(m, T2)).toBe(30);
  });
});

describe("entry state", () => {
  it("registers at the ELF entry are those QEMU 7.2's reset vector leaves (t0, a0, a1, a2)", () => {
    const m = new Machine();
    m.loadElf(guest("hello"));
    expect(m.hart.x[5] >>> 0).toBe(m.hart.pc >>> 0);
    expect(m.hart.x[10]).toBe(0);
    expect(m.hart.x[11] >>> 0).toBe(0x87e00000);
    expect(m.hart.x[12]).toBe(0x1028);
    expect(m.hart.mip & 0x80).toBe(0); // MTIP follows mtimecmp = 0 once the machine runs
    m.run(1);
    expect(m.hart.mip & 0x80).toBe(0x80);
  });
});

describe("bad budgets", () => {
  it("are rejected instead of spinning", () => {
    const m = new Machine({ ramMiB: 1 });
    expect(() => m.run(Number.NaN)).toThrow(/budget/);
    expect(() => m.run(-1)).toThrow(/budget/);
    expect(() => bootElf(guest("hello"), { maxInstructions: -5 })).toThrow(/maxInstructions/);
    // A misspelt option is refused, not ignored: { maxInstruction } would run a spinning guest forever.
    const misspelt = { maxInstruction: 1000 } as unknown as Parameters<typeof bootElf>[1];
    expect(() => bootElf(guest("hello"), misspelt)).toThrow(expect.objectContaining({ code: "VMLAB_MACHINE_BAD_OPTION" }));
    expect(() => bootElf(guest("hello"), misspelt)).toThrow(/maxInstruction.*misspelt/);
    expect(() => new Machine({ ramMiB: 0 })).toThrow(/RAM size/);
    expect(() => new Machine({ nsPerInstruction: 0.5 })).toThrow(/nsPerInstruction/);
  });
});

describe("simulation events", () => {
  it("run stops exactly when an event falls due; the event can raise a device interrupt the guest then takes", () => {
    const sim = new Simulation();
    const m = new Machine({ ramMiB: 1, simulation: sim });
    // Enable PLIC source 5 for context 0 at priority 1, MEIE and MIE, then spin; the handler exits.
    poke(m, RAM, [
      ...li(A1, 0x0c000000 + 4 * 5),
      ...li(T2, 1),
      store("sw", T2, A1, 0),
      ...li(A1, 0x0c002000),
      ...li(T2, 1 << 5),
      store("sw", T2, A1, 0),
      ...li(T2, 1 << 11),
      csr("csrrs", 0, CSR.mie, T2),
      csr("csrrsi", 0, CSR.mstatus, 8),
      jal(0, 0),
    ]);
    poke(m, RAM + 0x1000, EXIT);
    m.hart.pc = RAM | 0;
    m.hart.mtvec = (RAM + 0x1000) | 0;
    const irq = sim.on("test.irq", () => m.plic.setSource(5, true));
    sim.schedule(5000, irq);
    expect(m.run(1e9)).toBe("event");
    expect(sim.now).toBe(5000);
    expect(m.hart.retired).toBe(5000);
    sim.run({ until: sim.now });
    expect(m.run(1e9)).toBe("exit");
    expect(m.hart.mcause).toBe(MCAUSE_INTERRUPT | 11);
    expect(m.hart.mepc >>> 0).toBe(RAM + 4 * 14); // the spinning jal
  });
});
