import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { isVmlabError, Machine, type MachineState } from "../src/index.js";

const guest = (name: string) => new Uint8Array(readFileSync(new URL(`../../../guest/bin/${name}.elf`, import.meta.url)));

function boot(name: string, input?: string): Machine {
  const m = new Machine({ ramMiB: 16 });
  m.loadElf(guest(name));
  if (input) m.injectConsoleInput(new TextEncoder().encode(input));
  return m;
}

function runToEnd(m: Machine): void {
  while (m.run(1e9) === "budget");
}

describe("Machine save/restore", () => {
  it("save → JSON → restore → save is the identity", () => {
    const m = boot("echo", "abc\n");
    m.run(700);
    const s = m.save();
    const copy = new Machine({ ramMiB: 16 });
    copy.restore(JSON.parse(JSON.stringify(s)), m.ram.u8);
    expect(copy.save()).toEqual(s);
  });

  for (const [name, at] of [
    ["timer", 3000],
    ["timer", 9000],
    ["usermode", 15000],
    ["echo", 600],
  ] as const) {
    it(`${name}: a run restored from a snapshot at ${at} instructions continues exactly like the original`, () => {
      const input = name === "echo" ? readFileSync(new URL("../../../guest/programs/echo.input", import.meta.url), "latin1") : undefined;
      const original = boot(name, input);
      expect(original.run(at)).toBe("budget");
      const state = JSON.parse(JSON.stringify(original.save())) as MachineState;
      const image = original.ram.u8.slice();
      const prefix = original.console();
      runToEnd(original);

      const restored = new Machine({ ramMiB: 16 });
      restored.restore(state, image);
      runToEnd(restored);
      expect(restored.exitCode).toBe(original.exitCode);
      expect(restored.hart.retired).toBe(original.hart.retired);
      expect(restored.nowNs()).toBe(original.nowNs());
      expect(Buffer.concat([prefix, restored.console()])).toEqual(Buffer.from(original.console()));
      expect(restored.save()).toEqual(original.save());
    });
  }

  it("rejects invalid state with VMLAB_SIM_BAD_STATE and changes nothing", () => {
    const m = boot("hello");
    m.run(500);
    const before = m.save();
    const ramBefore = m.ram.u8.slice(0, 4096);
    const bad: unknown[] = [
      null,
      { ...before, version: 2 },
      { ...before, hart: { ...before.hart, x: [1, ...before.hart.x.slice(1)] } },
      { ...before, hart: { ...before.hart, pc: 2 } },
      { ...before, hart: { ...before.hart, priv: 1 } },
      { ...before, uart: { ...before.uart, rx: [300] } },
      { ...before, plic: { ...before.plic, priority: [1] } },
      { ...before, ramBytes: 1024 },
    ];
    for (const state of bad) {
      try {
        m.restore(state, new Uint8Array(m.ram.size).fill(0xee));
        expect.unreachable("restore accepted a bad state");
      } catch (e) {
        expect(isVmlabError(e) && e.code).toBe("VMLAB_SIM_BAD_STATE");
      }
      expect(m.save()).toEqual(before);
      expect(m.ram.u8.slice(0, 4096)).toEqual(ramBefore);
    }
    expect(() => m.restore(before, new Uint8Array(10))).toThrow(/RAM image/);
  });
});
