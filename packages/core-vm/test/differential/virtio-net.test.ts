/**
 * Differential test of `netping` (issue 5, "Must show"): two VMs exchange 32
 * packets through virtio-net, on vmlab over a `VirtualSwitch` (two machines
 * in lockstep) and on two QEMU processes joined by QEMU socket networking
 * on loopback (`-netdev socket,listen=` / `connect=` + `virtio-net-device`).
 * Compared: each VM's console with "timing:" lines masked (the payload
 * checks, not the timings), and the exit codes.
 */
import { createServer } from "node:net";
import { Machine, runLockstep, VirtioNet, VirtualSwitch } from "@vmlab/core-vm";
import { firstDifference, guestElfPath, qemuUnavailable, readGolden, readGuestElf, runQemu } from "@vmlab/test-utils";
import { describe, expect, it } from "vitest";
import { maskTiming, QEMU_FIRST_SLOT } from "../virtio-helpers.js";

const PINGER = "52:54:00:00:00:01";
const PONGER = "52:54:00:00:00:02";

interface Pair {
  ping: Machine;
  pong: Machine;
  sw: VirtualSwitch;
}

function runPair(latencyNs = 10_000): Pair {
  const sw = new VirtualSwitch();
  const elf = readGuestElf("netping");
  const make = (mac: string) => {
    const m = new Machine();
    const nic = new VirtioNet({ mac });
    m.attachVirtio(QEMU_FIRST_SLOT, nic);
    nic.plug(sw.connect(nic, m.sim, { latencyNs }));
    m.loadElf(elf);
    return m;
  };
  const pong = make(PONGER);
  const ping = make(PINGER);
  expect(runLockstep([ping, pong], { quantumNs: sw.minLatencyNs, untilNs: 1e9 })).toBe("exit");
  return { ping, pong, sw };
}

const text = (m: Machine) => Buffer.from(m.console()).toString("latin1");

/** A free TCP port on loopback for QEMU's socket netdev. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const a = s.address();
      s.close(() => resolve(typeof a === "object" && a !== null ? a.port : 0));
    });
  });
}

const noQemu = qemuUnavailable();
const hasQemu = noQemu === null;
if (!hasQemu) console.warn(`virtio-net differential test: ${noQemu} — comparing with guest/expected/netping-*.out only`);

describe("netping: two VMs on vmlab's switch vs two QEMUs on socket networking", () => {
  const vm = runPair();

  it("every ping is answered and every payload checks out, on both VMs", () => {
    expect(vm.ping.exitCode).toBe(0);
    expect(vm.pong.exitCode).toBe(0);
    expect(text(vm.ping)).toContain("sent 32 pings, 32 replies ok, 0 bad, 0 lost");
    expect(text(vm.pong)).toContain("echoed 32 pings, 0 bad frames");
    expect(vm.sw.late.value).toBe(0);
  });

  it("prints QEMU's recorded lines (guest/expected/netping-ping.out, netping-pong.out)", () => {
    for (const [role, m] of [
      ["ping", vm.ping],
      ["pong", vm.pong],
    ] as const) {
      const golden = readGolden(`netping-${role}`);
      const diff = firstDifference(Buffer.from(maskTiming(golden.console)), Buffer.from(maskTiming(m.console())));
      expect(diff, `${role}: ${diff}`).toBeNull();
      expect(m.exitCode).toBe(golden.exitCode);
    }
  });

  it("prints what two live QEMUs joined by a loopback socket print", async (ctx) => {
    if (!hasQemu) {
      await ctx.annotate(`${noQemu}: live comparison skipped (recorded output checked above)`, "warning");
      ctx.skip(`${noQemu}`);
    }
    const port = await freePort();
    const elf = guestElfPath("netping");
    const args = (netdev: string, mac: string) => [
      "-global",
      "virtio-mmio.force-legacy=false",
      "-netdev",
      `socket,id=n0,${netdev}=127.0.0.1:${port}`,
      "-device",
      `virtio-net-device,netdev=n0,mac=${mac}`,
    ];
    const pong = runQemu(elf, { timeoutMs: 30_000, args: args("listen", PONGER) });
    // The listener must be up before the other QEMU connects (it fails at start-up otherwise).
    await new Promise((r) => setTimeout(r, 500));
    const ping = await runQemu(elf, { timeoutMs: 30_000, args: args("connect", PINGER) });
    const pongRun = await pong;
    for (const [role, q, m] of [
      ["ping", ping, vm.ping],
      ["pong", pongRun, vm.pong],
    ] as const) {
      expect(q?.timedOut, `QEMU ${role} timed out`).toBe(false);
      const diff = firstDifference(Buffer.from(maskTiming(q!.console)), Buffer.from(maskTiming(m.console())));
      expect(diff, `${role}: ${diff}`).toBeNull();
      expect(m.exitCode).toBe(q!.exitCode);
    }
  });

  it("is deterministic: a second pair prints the same bytes (timings included) after the same instruction counts", () => {
    const again = runPair();
    expect(text(again.ping)).toBe(text(vm.ping));
    expect(text(again.pong)).toBe(text(vm.pong));
    expect(again.ping.hart.retired).toBe(vm.ping.hart.retired);
    expect(again.pong.hart.retired).toBe(vm.pong.hart.retired);
  });

  it("the round trip follows the links: 4x the latency adds 4 one-way crossings of 30 µs to each ping", () => {
    const perPing = (p: Pair) => Number(/per-ping=(\d+)/.exec(text(p.ping))?.[1]);
    const slow = runPair(40_000);
    expect(text(slow.ping)).toContain("32 replies ok");
    // A round trip crosses four links one way each (ping: up, down; pong: up, down): +4 x 30 µs = 1,200 ticks of 100 ns.
    const delta = perPing(slow) - perPing(vm);
    expect(delta).toBeGreaterThanOrEqual(1150);
    expect(delta).toBeLessThanOrEqual(1250);
  });
});
