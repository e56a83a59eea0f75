import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { Machine } from "../board/machine.js";
import { runLockstep } from "./lockstep.js";

const elf = (name: string) => new Uint8Array(readFileSync(new URL(`../../../../guest/bin/${name}.elf`, import.meta.url)));

describe("runLockstep", () => {
  it("a guest idle in WFI stops at the round's end, so no machine runs ahead of the others", () => {
    // timer: five 1 ms ticks, idle in WFI between them. Rounds of 10 µs up to 40 µs: it must be at 40 µs
    // (it used to jump to its next tick, ~1 ms, inside the first round).
    const m = new Machine({ ramMiB: 16 });
    m.loadElf(elf("timer"));
    expect(runLockstep([m], { quantumNs: 10_000, untilNs: 40_000 })).toBe("time");
    expect(m.nowNs()).toBeLessThanOrEqual(40_000 + m.nsPerInstruction);
    // Run on in rounds: it computes what it computes alone.
    expect(runLockstep([m], { quantumNs: 10_000 })).toBe("exit");
    const alone = new Machine({ ramMiB: 16 });
    alone.loadElf(elf("timer"));
    while (alone.run(Number.POSITIVE_INFINITY) === "event") alone.sim.run({ until: alone.nowNs() });
    expect(Buffer.from(m.console()).equals(Buffer.from(alone.console()))).toBe(true);
    expect(m.hart.retired).toBe(alone.hart.retired);
  });

  it("a guest whose WFI ends partway through a round stops at the round's end, not as much later as it waited", () => {
    // csrprobe waits in WFI for its timer partway through its run; the round's instruction budget counted
    // from before the wait, so it ran on past the round (at 200 µs, rounds of 100 µs: at 245.8 µs).
    for (const quantumNs of [2_000, 100_000]) {
      const m = new Machine({ ramMiB: 16 });
      m.loadElf(elf("csrprobe"));
      const past: number[] = [];
      for (let untilNs = quantumNs; ; untilNs += quantumNs) {
        const r = runLockstep([m], { quantumNs, untilNs });
        if (m.nowNs() > untilNs) past.push(m.nowNs() - untilNs);
        if (r !== "time") break;
      }
      expect(past).toEqual([]);
      expect(m.exitCode).not.toBeNull();
    }
  });

  it("runs only whole instructions that end by the round's end when nsPerInstruction does not divide the round", () => {
    // A busy loop at 3 ns per instruction, rounds of 10 ns: the round's budget was rounded up (4 instructions,
    // to 12 ns), so every round overran its end by under an instruction — as a host's slice no longer does.
    const m = new Machine({ ramMiB: 1, nsPerInstruction: 3 });
    m.ram.i32[0] = 0x0000006f; // jal x0, 0
    m.hart.pc = m.ram.base | 0;
    const clocks: number[] = [];
    for (let untilNs = 10; untilNs <= 50; untilNs += 10) {
      expect(runLockstep([m], { quantumNs: 10, untilNs })).toBe("time");
      clocks.push(m.nowNs());
    }
    // The last instruction that ends by each round's end: 9, 18, 30, 39, 48 ns.
    expect(clocks).toEqual([9, 18, 30, 39, 48]);
    expect(m.hart.retired).toBe(16);
  });

  it("a guest waiting in WFI with nothing of its own to wake it waits for the others (parked), not halted", () => {
    // uartirq waits for a line on the UART's receive interrupt; the timer machine's simulation sends it one at
    // 2 ms (as a switch would: an event in the receiver's simulation, a quantum ahead).
    const quantumNs = 10_000;
    const waiting = new Machine({ ramMiB: 16 });
    waiting.loadElf(elf("uartirq"));
    const line = waiting.sim.on("line", () => waiting.uart.inject(new TextEncoder().encode("hi\n")));
    const other = new Machine({ ramMiB: 16 });
    other.loadElf(elf("timer"));
    other.sim.scheduleAt(
      2_000_000,
      other.sim.on("send", () => waiting.sim.scheduleAt(other.sim.now + quantumNs, line)),
    );
    expect(runLockstep([waiting, other], { quantumNs })).toBe("exit");
    expect(new TextDecoder().decode(waiting.console())).toMatch(/got "hi" \(2 bytes\)/);
    // With nobody left to send anything, a parked guest ends the run as halted.
    const alone = new Machine({ ramMiB: 16 });
    alone.loadElf(elf("uartirq"));
    expect(runLockstep([alone], { quantumNs })).toBe("halt");
    expect(alone.nowNs()).toBeLessThan(1_000_000);
  });
});
