import { Simulation } from "@vmlab/core-vm";
import { describe, expect, it } from "vitest";
import { RaidGroup, type RaidLevel } from "../array/raid.js";
import { Hdd } from "../devices/hdd.js";
import { CHEETAH_15K5 } from "../devices/hdd-spec.js";
import type { IoRequest } from "../io.js";
import { HostAdapter } from "./host-adapter.js";
import { HostCpu } from "./host-cpu.js";
import type { BlockTarget, IoSink } from "./target.js";
import { VirtualDisk } from "./virtual-disk.js";

interface Wb {
  started(w: { lba: number; sectors: number }, transferStart: number, transferNs: number): void;
  done(w: { lba: number; sectors: number }): void;
}

/**
 * Per disk, per sector: when each write's data joined the buffer (a write through: when it completed), and the
 * latest dispatch of a write-back holding the sector that has reached the media (it wrote what the buffer held then).
 */
class DiskShadow {
  readonly arrivals = new Map<number, { done: number; added: number }[]>();
  readonly mediaFrom = new Map<number, number>();
  private readonly starts = new Map<object, number>();
  constructor(
    readonly sim: Simulation,
    readonly disk: Hdd,
    readonly wcs: number,
  ) {
    const wb = (disk as unknown as { writeBuffer: Wb }).writeBuffer;
    const started = wb.started.bind(wb);
    const done = wb.done.bind(wb);
    wb.started = (w, transferStart, transferNs) => {
      this.starts.set(w, sim.now);
      started(w, transferStart, transferNs);
    };
    wb.done = (w) => {
      const s = this.starts.get(w) as number;
      for (let x = w.lba; x < w.lba + w.sectors; x++) this.mediaFrom.set(x, Math.max(this.mediaFrom.get(x) ?? -1, s));
      done(w);
    };
    // When a buffered write's data joined the buffer (`Hdd.buffer`): a write-back dispatched from then on holds it.
    const added = new Map<object, number>();
    const d = disk as unknown as { buffer(wb: unknown, io: { parent: object }, ready: number): void };
    const buffer = d.buffer.bind(disk);
    d.buffer = (b, io, ready) => {
      added.set(io.parent, sim.now);
      buffer(b, io, ready);
    };
    const submit = disk.submit.bind(disk);
    disk.submit = (req: IoRequest, sink: IoSink) => {
      if (req.isRead) return submit(req, sink);
      const { lba, sectors } = req;
      submit(req, {
        complete: (r) => {
          for (let x = lba; x < lba + sectors; x++) {
            const a = this.arrivals.get(x) ?? [];
            a.push({ done: sim.now, added: sectors > this.wcs ? sim.now : (added.get(r) as number) });
            this.arrivals.set(x, a);
            if (sectors > this.wcs) this.mediaFrom.set(x, Math.max(this.mediaFrom.get(x) ?? -1, sim.now));
          }
          sink.complete(r);
        },
      });
    };
  }
  /** Sectors whose last version written by a write completed by `t` is not on the media. */
  unstable(t: number): number[] {
    const bad: number[] = [];
    for (const [x, a] of this.arrivals) {
      let last = -1;
      for (const v of a) if (v.done <= t) last = v.added;
      if (last < 0) continue;
      if ((this.mediaFrom.get(x) ?? -1) < last) bad.push(x);
    }
    return bad;
  }
}

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

type Stack = "hdd" | "adapter" | "vdisks" | "raid" | "vdisk-adapter-raid";

function build(sim: Simulation, stack: Stack, rnd: () => number) {
  const wcs = 64 + Math.floor(rnd() * 256);
  const mk = (i: number) => new Hdd(sim, CHEETAH_15K5, `d${i}`, { writeCache: true, writeCacheSectors: wcs });
  const levels: RaidLevel[] = [0, 1, 5, 10];
  const level = levels[Math.floor(rnd() * 4)];
  const nDisks = stack === "raid" || stack === "vdisk-adapter-raid" ? (level === 10 ? 4 : level === 5 ? 3 + Math.floor(rnd() * 2) : 2) : 1;
  const disks = Array.from({ length: nDisks }, (_, i) => mk(i));
  const shadows = disks.map((d) => new DiskShadow(sim, d, wcs));
  const adapter = (t: BlockTarget) =>
    new HostAdapter(sim, t, {
      issueQueueDepth: 1 + Math.floor(rnd() * 4),
      cpu: new HostCpu(1),
      issueCostNs: Math.floor(rnd() * 20_000),
      interruptCostNs: Math.floor(rnd() * 20_000),
    });
  let tops: BlockTarget[];
  if (stack === "hdd") tops = [disks[0]];
  else if (stack === "adapter") tops = [adapter(disks[0])];
  else if (stack === "vdisks") {
    const a = adapter(disks[0]);
    const half = Math.floor(a.capacitySectors / 2);
    tops = [0, 1].map(
      (i) => new VirtualDisk(sim, a, { queueDepth: 1 + Math.floor(rnd() * 3), offsetSectors: i * half, capacitySectors: half }),
    );
  } else {
    const raid = new RaidGroup(sim, disks, { level, chunkSectors: 8 << Math.floor(rnd() * 4) });
    tops = stack === "raid" ? [raid] : [new VirtualDisk(sim, adapter(raid), { queueDepth: 1 + Math.floor(rnd() * 3) })];
  }
  return { disks, shadows, tops, desc: `${stack} level ${level} wcs ${wcs}` };
}

describe("flushes under random interleavings", () => {
  for (const stack of ["hdd", "adapter", "vdisks", "raid", "vdisk-adapter-raid"] as Stack[]) {
    it(`${stack}: every flush completes after the writes completed before it are on the media`, () => {
      for (let seed = 1; seed <= 40; seed++) {
        const rnd = lcg(seed * 7919 + stack.length);
        const sim = new Simulation();
        const { shadows, tops, desc } = build(sim, stack, rnd);
        let id = 0;
        const flushes: { issued: number; lastWriteDone: number; done: number; top: number }[] = [];
        const lastWriteDone = tops.map(() => -1);
        const pending = new Set<number>();
        const failures: string[] = [];
        let t = 0;
        for (let k = 0; k < 120; k++) {
          t += Math.floor(rnd() ** 3 * 3_000_000);
          sim.run({ until: t });
          const ti = Math.floor(rnd() * tops.length);
          const top = tops[ti];
          const r = rnd();
          const myId = id++;
          pending.add(myId);
          if (r < 0.25) {
            const f = { issued: sim.now, lastWriteDone: lastWriteDone[ti], done: -1, top: ti };
            flushes.push(f);
            const req: IoRequest = { id: myId, vm: 0, lba: 0, sectors: 0, isRead: false, issueTime: sim.now };
            (top.flush as NonNullable<BlockTarget["flush"]>).call(top, req, {
              complete: () => {
                pending.delete(myId);
                f.done = sim.now;
                for (const [i, s] of shadows.entries()) {
                  const bad = s.unstable(f.lastWriteDone);
                  if (bad.length > 0)
                    failures.push(`${desc} seed ${seed}: flush ${myId} at ${sim.now}: disk ${i} sectors ${bad.slice(0, 4)} not on media`);
                }
              },
            });
          } else {
            const sectors = 1 + Math.floor(rnd() * (rnd() < 0.2 ? 600 : 64));
            const region = Math.min(top.capacitySectors, 4096 + (rnd() < 0.3 ? 2_000_000 : 0));
            const lba = Math.floor(rnd() * (region - sectors));
            const isRead = r > 0.85;
            const req: IoRequest = { id: myId, vm: 0, lba, sectors, isRead, issueTime: sim.now };
            top.submit(req, {
              complete: () => {
                pending.delete(myId);
                if (!isRead) lastWriteDone[ti] = Math.max(lastWriteDone[ti], sim.now);
              },
            });
          }
        }
        sim.run();
        expect(failures).toEqual([]);
        expect([...pending]).toEqual([]);
      }
    });
  }
});
