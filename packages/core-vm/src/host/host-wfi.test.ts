import { describe, expect, it } from "vitest";
import { Machine } from "../board/machine.js";
import { type SwitchPort, VirtualSwitch } from "../net/switch.js";
import { Simulation } from "../sim/simulation.js";
import { runMachine } from "../snapshot/run.js";
import type { EmulatedVm } from "./emulated-vm.js";
import { Host, runHosts } from "./host.js";
import { elf, guestVm, runAlone, SLICE } from "./host.test-support.js";
import type { HostedVm } from "./hosted-vm.js";

describe("a guest idle in WFI on a host", () => {
  it("stays at the slice's end, so a frame another host sends meanwhile arrives on time, and computes what it computes alone", () => {
    const net = new VirtualSwitch();
    const a = new Host({ name: "A", timeSliceNs: SLICE, network: net });
    const b = new Host({ name: "B", timeSliceNs: SLICE, network: net });
    // timer: five 1 ms ticks, idle in WFI between them.
    const timer = a.add(guestVm("timer", "timer")) as EmulatedVm;
    const arrived: number[] = [];
    a.connectNic({ receive: () => arrived.push(timer.sim.now), plug: () => {} }, timer.sim, { latencyNs: SLICE });
    // A VM on host B that sends one broadcast frame in its slice starting at 40 µs.
    const sim = new Simulation();
    let port: SwitchPort | null = null;
    let sentAt = -1;
    const sender: HostedVm = {
      name: "sender",
      sim,
      get done() {
        return sentAt >= 0;
      },
      wantsCpu: (end) => end > 40_000,
      runOn: (end) => {
        sentAt = sim.now;
        const frame = new Uint8Array(64).fill(0xff);
        frame[6] = 0x52;
        port?.send(frame, sim.now);
        sim.run({ until: end });
        return 0;
      },
      idleTo: (end) => sim.run({ until: end }),
    };
    b.add(sender);
    b.connectNic(
      {
        receive: () => {},
        plug: (p) => {
          port = p;
        },
      },
      sim,
      { latencyNs: SLICE },
    );
    expect(runHosts([a, b], 20_000_000)).toBe("done");
    expect(sentAt).toBe(40_000);
    // Two links of 10 µs, 64 bytes serialised on each at 10 Gbit/s.
    expect(arrived).toEqual([40_000 + 2 * (SLICE + Math.ceil((64 * 8 * 1e9) / 10e9))]);
    expect(net.late.value).toBe(0);
    // Alone, with the frame's delivery as an event at the same time (a WFI wakes at its machine's next event).
    const alone = new Machine({ ramMiB: 16 });
    alone.loadElf(elf("timer"));
    alone.sim.scheduleAt(
      arrived[0],
      alone.sim.on("frame", () => {}),
    );
    runMachine(alone, Number.POSITIVE_INFINITY);
    expect(Buffer.from(timer.machine.console()).equals(Buffer.from(alone.console()))).toBe(true);
    expect([timer.stop, timer.machine.hart.retired, timer.machine.nowNs()]).toEqual(["exit", alone.hart.retired, alone.nowNs()]);
    // Idle between ticks, it held a CPU for a few slices only.
    expect(a.schedStats()[0].slices).toBeLessThan(40);
  });
});

describe("a guest waiting in WFI for another VM (no timer, nothing in its own simulation)", () => {
  const wokenBy = (sendAtNs: number | null) => {
    const a = new Host({ name: "A", timeSliceNs: SLICE });
    const b = new Host({ name: "B", timeSliceNs: SLICE });
    // uartirq: WFI until a line arrives on the UART's receive interrupt.
    const guest = a.add(guestVm("uartirq", "uartirq")) as EmulatedVm;
    const kind = guest.sim.on("line", () => guest.machine.uart.inject(new TextEncoder().encode("hi\n")));
    const sim = new Simulation();
    let sent = false;
    b.add({
      name: "sender",
      sim,
      get done() {
        return sendAtNs === null || sent;
      },
      wantsCpu: (end) => sendAtNs !== null && end > sendAtNs,
      runOn: (end) => {
        // As a switch delivers a frame: an event in the receiver's simulation, at least a slice ahead.
        guest.sim.scheduleAt(sim.now + SLICE, kind);
        sent = true;
        sim.run({ until: end });
        return 0;
      },
      idleTo: (end) => sim.run({ until: end }),
    });
    return { result: runHosts([a, b], 50_000_000), guest, a };
  };

  it("is parked, not halted, until another VM's input wakes it", () => {
    const { result, guest, a } = wokenBy(2_000_000);
    expect(result).toBe("done");
    expect(guest.stop).toBe("exit");
    expect(new TextDecoder().decode(guest.machine.console())).toMatch(/got "hi" \(2 bytes\)/);
    // Parked, it asked for no CPU: a few slices to boot and to handle the line.
    expect(a.schedStats()[0].slices).toBeLessThan(20);
  });

  it("is halted once nothing on any host can wake it, and the run ends", () => {
    const { result, guest, a } = wokenBy(null);
    expect(result).toBe("done");
    expect(guest.stop).toBe("halt");
    expect(a.nowNs).toBeLessThan(1_000_000);
  });
});

describe("Machine.run with a time limit", () => {
  it("cuts an idle WFI at the limit and resumes it exactly, also from a saved state", () => {
    const alone = runAlone("timer");
    const m = new Machine({ ramMiB: 16 });
    m.loadElf(elf("timer"));
    expect(m.run(Number.POSITIVE_INFINITY, 50_000)).toBe("budget");
    expect([m.waiting, m.nowNs()]).toEqual([true, 50_000]);
    expect(m.wakeNs()).toBeGreaterThan(900_000);
    const state = JSON.parse(JSON.stringify({ machine: m.save(), sim: m.sim.save() }));
    expect(state.machine.waiting).toBe(true);
    const copy = new Machine({ ramMiB: 16 });
    copy.sim.restore(state.sim);
    copy.restore(state.machine, m.ram.u8);
    expect(copy.waiting).toBe(true);
    for (const x of [m, copy]) {
      runMachine(x, Number.POSITIVE_INFINITY);
      expect(Buffer.from(x.console()).equals(Buffer.from(alone.console()))).toBe(true);
      expect([x.hart.retired, x.nowNs(), x.waiting]).toEqual([alone.hart.retired, alone.nowNs(), false]);
    }
  });
});
