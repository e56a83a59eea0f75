import { Simulation } from "@vmlab/core-vm";
import { describe, expect, it } from "vitest";
import { measureHdd } from "./hdd.checks.js";
import { Hdd } from "./hdd.js";
import { afterFirstRead } from "./hdd-first-read.test-support.js";
import { CHEETAH_15K5 } from "./hdd-spec.js";

describe("Hdd read-ahead stream: joining it, its window, stopping and restarting", () => {
  it("a read continuing the stream joins it if it fits the stream's reach (half the cache), exactly that long included", () => {
    const reach = CHEETAH_15K5.cacheBytes / 2 / 512; // 16,384 sectors
    const continuing = (sectors: number) => {
      const { sim, hdd, done, read } = afterFirstRead();
      // Once the head has read ahead to sector ~1,000 (sooner, the head would reach 1,032 on the next track sooner by
      // leaving the stream: a media read), a read starting where the window ends (1,032): the stream extends to its end.
      const s = hdd.cache.save();
      sim.run({ until: Math.ceil(s.raBaseTime + (1000 - s.raBaseLba) * s.raSectorNs) });
      read(1, 1032, sectors);
      sim.run();
      expect(done.has(1)).toBe(true);
      return { mediaOps: hdd.mediaOps, hits: hdd.cache.hits, misses: hdd.cache.misses };
    };
    expect(continuing(reach)).toEqual({ mediaOps: 1, hits: 1, misses: 1 }); // served from the stream
    expect(continuing(reach + 1)).toEqual({ mediaOps: 2, hits: 0, misses: 2 }); // longer than the reach: a media read
  });

  it("a read past the read-ahead window after the head stopped there has the head read it from the media, not served as if the head had read on", () => {
    const g = new Hdd(new Simulation()).geometry;
    const sectorNs = g.zoneSectorNs[0];
    const rev = g.revolutionNs;
    // The read-ahead plans 1,024 sectors (up to 1,032): the head has read them ~4.2 ms on and stops there.
    const past = (lba: number) => {
      const { sim, hdd, done, read } = afterFirstRead();
      const s = hdd.cache.save();
      const stopped = s.raBaseTime + (s.raLimit - s.raBaseLba) * s.raSectorNs;
      sim.run({ until: sim.now + 100_000_000 });
      const t1 = sim.now;
      read(1, lba, 2048); // 1 MiB from where the head stopped (or just past it): none of it was read
      sim.run();
      return { t1, stopped, latency: (done.get(1) as number) - t1, mediaOps: hdd.mediaOps, hits: hdd.cache.hits };
    };
    // Its 2,048 sectors take 8.4 ms on the media (it was joined to the stream and served as read long ago: 3.5 ms,
    // the command overhead and the interface alone).
    const atEnd = past(1032);
    expect(atEnd.latency).toBeGreaterThan(2048 * sectorNs);
    // From the window's end, the stream's head reads on from sector 1,032 once it comes round, through all 2,048.
    const resumed = atEnd.stopped + Math.ceil((atEnd.t1 - atEnd.stopped) / rev) * rev;
    expect(atEnd.t1 + atEnd.latency).toBeGreaterThanOrEqual(resumed + 2048 * sectorNs);
    expect([atEnd.mediaOps, atEnd.hits]).toEqual([1, 1]);
    // Starting past the window's end, it is a media read.
    const beyond = past(1033);
    expect(beyond.latency).toBeGreaterThan(2048 * sectorNs);
    expect(beyond.mediaOps).toBe(2);
    // Arriving while the head still reads ahead (near the window's end: sooner, leaving the stream for the next track
    // reaches 1,032 sooner), the same read joins the stream (a hit, one media read).
    const b = afterFirstRead();
    const bs = b.hdd.cache.save();
    b.sim.run({ until: Math.ceil(bs.raBaseTime + (1000 - bs.raBaseLba) * bs.raSectorNs) });
    b.read(1, 1032, 2048);
    b.sim.run();
    expect([b.hdd.mediaOps, b.hdd.cache.hits]).toEqual([1, 1]);
  });

  it("a hit after the head stopped at the window's end has it read on from there once the sector comes round, not as if it had read on through the idle time", () => {
    const { sim, hdd, done, read } = afterFirstRead();
    const rev = hdd.geometry.revolutionNs;
    // The head reads ahead to sector 1,032 (~4.2 ms) and stops there; 100 ms later a read of the window's last sectors hits.
    const s = hdd.cache.save();
    const stopped = s.raBaseTime + (s.raLimit - s.raBaseLba) * s.raSectorNs;
    sim.run({ until: sim.now + 100_000_000 });
    const t1 = sim.now;
    read(1, 1000, 32);
    sim.run();
    // The next 1,024 sectors come from the head reading on from sector 1,032 when it next passes under it (they were
    // served in 1.8 ms, overhead and interface alone, as if read during the idle 100 ms).
    const resumed = stopped + Math.ceil((t1 - stopped) / rev) * rev;
    read(2, 1032, 1024);
    sim.run();
    expect(done.get(2) as number).toBeGreaterThanOrEqual(resumed + 1024 * s.raSectorNs);
    expect([hdd.mediaOps, hdd.cache.hits]).toEqual([1, 2]); // still the one stream
    // A command that moves the head away keeps in the segment only what the head had read on, and does not wait.
    const far = (hitFirst: boolean) => {
      const b = afterFirstRead();
      b.sim.run({ until: b.sim.now + 100_000_000 });
      if (hitFirst) b.read(1, 1000, 32);
      b.sim.run({ until: t1 + 1_000_000 }); // 1 ms after the hit: the head has read on some 200 sectors
      const t3 = b.sim.now;
      b.read(3, 300_000_000, 8);
      b.sim.run();
      return { ...b, t3, latency: (b.done.get(3) as number) - t3 };
    };
    const b = far(true);
    const readOn = Math.max(0, Math.floor((b.t3 - resumed) / s.raSectorNs));
    expect(b.hdd.cache.save().segEnd).toContain(1032 + readOn);
    expect(b.hdd.cache.save().segEnd).not.toContain(2056);
    // The head was promised nothing past the window: it leaves at once, as from the stopped stream.
    expect(b.latency).toBe(far(false).latency);
    b.read(4, 1032, 1024);
    b.sim.run();
    expect(b.hdd.mediaOps).toBe(3);
  });

  it("a hit that restarts the read-ahead is served from the buffer at once, not when the restart sector comes round", () => {
    const { sim, hdd, done, read } = afterFirstRead();
    const s = hdd.cache.save();
    const stopped = s.raBaseTime + (s.raLimit - s.raBaseLba) * s.raSectorNs;
    // Just after the stopped head's sector has passed: the head reads on a revolution later (~4 ms).
    sim.run({ until: stopped + 25 * hdd.geometry.revolutionNs + 10_000 });
    const t = sim.now;
    read(1, 1000, 32); // sectors read before the head stopped, in the buffer
    sim.run();
    const restart = hdd.cache.save().raBaseTime;
    expect(restart).toBeGreaterThan(t + 3_000_000);
    // The command's overhead (50 µs) and 16 KiB over the interface: well under 1 ms.
    expect(done.get(1) as number).toBeLessThan(t + 1_000_000);
    expect([hdd.mediaOps, hdd.cache.hits]).toEqual([1, 1]);
  });

  it("a command that needs the head after a hit restarted the read-ahead, before the restart sector comes round, does not wait for it", () => {
    // The hit arrives just after the stopped head's sector has passed: the head would read on a revolution later.
    const at = (hitFirst: boolean) => {
      const b = afterFirstRead();
      const s = b.hdd.cache.save();
      const stopped = s.raBaseTime + (s.raLimit - s.raBaseLba) * s.raSectorNs;
      const rev = b.hdd.geometry.revolutionNs;
      b.sim.run({ until: stopped + 25 * rev + 10_000 });
      if (hitFirst) b.read(1, 1000, 32);
      b.sim.run({ until: stopped + 25 * rev + 500_000 }); // the hit served; the restart is still ~3.5 ms away
      const restart = b.hdd.cache.save().raBaseTime;
      const t = b.sim.now;
      b.read(2, 300_000_000, 8);
      b.sim.run();
      return { restart, t, latency: (b.done.get(2) as number) - t, hits: b.hdd.cache.hits };
    };
    const hit = at(true);
    expect(hit.hits).toBe(1);
    expect(hit.restart).toBeGreaterThan(hit.t + 3_000_000);
    // Promised nothing past where it stopped, the head leaves at once, as from the stopped stream (it waited for the
    // restart sector to come round, it took a revolution more here).
    expect(hit.latency).toBe(at(false).latency);
  });

  it("a read from the segment running past the window joins the stream like one from the restart point: never a seek and a rotation slower", () => {
    // The head reads ahead from sector 8 (still reading), or has stopped at 1,032 and a hit has it read on from
    // there when that sector next comes round (~70 µs on, 20 µs after the controller has processed the hit: too soon
    // for a media read, which then waits a revolution).
    const run = (restarted: boolean, lba: number) => {
      const { sim, hdd, done, read } = afterFirstRead();
      const s = hdd.cache.save();
      const stopped = s.raBaseTime + (s.raLimit - s.raBaseLba) * s.raSectorNs;
      if (restarted) {
        sim.run({ until: stopped + 25 * hdd.geometry.revolutionNs - 70_000 });
        read(9, 1000, 8); // in the buffer: restarts the stream at 1,032
      }
      const base = hdd.cache.save();
      const t = sim.now;
      read(1, lba, 1536); // runs past the window (1,032 or 2,056)
      sim.run();
      return { done: done.get(1) as number, t, base, mediaOps: hdd.mediaOps, sectorNs: s.raSectorNs };
    };
    for (const [restarted, at, before] of [
      [false, 8, 4], // starting in the media read's own sectors, before the read-ahead
      [true, 1032, 1028], // starting in the sectors read before the head stopped
    ] as const) {
      const a = run(restarted, at);
      const b = run(restarted, before);
      expect(a.base.raBaseLba).toBe(at);
      // The restart: once the hit is processed, when the sector comes round (not before: the firmware restarts the head).
      if (restarted) expect(a.base.raBaseTime - a.t).toBeGreaterThanOrEqual(CHEETAH_15K5.commandOverheadNs);
      if (restarted) expect(a.base.raBaseTime - a.t).toBeLessThan(CHEETAH_15K5.commandOverheadNs + 25_000);
      // It ends 4 sectors earlier: it is served no later (it was a media read, a revolution later).
      expect(b.done).toBeLessThanOrEqual(a.done);
      expect(b.mediaOps).toBe(1);
      // Physical times: the head reads each sector it delivers, from the stream's base on.
      expect(b.done).toBeGreaterThanOrEqual(b.base.raBaseTime + (before + 1536 - at) * b.sectorNs);
    }
  });

  it("a stopped stream restarts only once the controller has processed the read that restarts it: never sooner than a media read", () => {
    // A read at the end of the stopped window arriving x before that sector comes round: with x under the command
    // overhead the sector passes before the command is processed, and the head waits a revolution, as a media read does.
    const latency = (readAhead: number, x: number) => {
      const sim = new Simulation();
      const hdd = new Hdd(sim, { ...CHEETAH_15K5, readAheadSectors: readAhead });
      const done = new Map<number, number>();
      const sink = { complete: (r: { id: number }) => done.set(r.id, sim.now) };
      const read = (id: number, lba: number) => hdd.submit({ id, vm: 0, lba, sectors: 8, isRead: true, issueTime: sim.now }, sink);
      read(0, 0);
      sim.run();
      const s = hdd.cache.save();
      // Where and when the head stopped: the window's end (read-ahead on), or the end of the read (off).
      const [limit, stopped] =
        readAhead > 0 ? [s.raLimit, s.raBaseTime + (s.raLimit - s.raBaseLba) * s.raSectorNs] : [8, done.get(0) as number];
      const arrive = Math.round(stopped + 3 * hdd.geometry.revolutionNs - x);
      sim.run({ until: arrive });
      read(1, limit);
      sim.run();
      return { ns: (done.get(1) as number) - arrive, mediaOps: hdd.mediaOps };
    };
    const rev = new Hdd(new Simulation()).geometry.revolutionNs;
    for (const x of [10_000, 40_000, 49_000]) {
      const joined = latency(1024, x);
      const media = latency(0, x);
      expect(media.ns).toBeGreaterThan(rev - x);
      expect(joined.ns).toBeGreaterThanOrEqual(media.ns - 1_000);
    }
    // With x past the overhead the sector is still to come once processed: the stream restarts on this revolution.
    expect(latency(1024, 60_000).ns).toBeLessThan(100_000);
  });

  it("a read arriving while the head still reads ahead, processed after it stopped at the window's end, waits for the sector as one arriving after the stop", () => {
    // The head stops at the window's end whatever has arrived: only a processed command extends the stream (as only
    // one restarts it). Timed from the arrival, a read at the window's end arriving 1 µs before the stop was served in
    // 64 µs and one arriving 1 µs after it in 4 ms.
    const latency = (x: number) => {
      const { sim, hdd, done, read } = afterFirstRead();
      const s = hdd.cache.save();
      const arrive = Math.round(s.raBaseTime + (s.raLimit - s.raBaseLba) * s.raSectorNs - x);
      sim.run({ until: arrive });
      read(1, s.raLimit, 8);
      sim.run();
      return (done.get(1) as number) - arrive;
    };
    const rev = new Hdd(new Simulation()).geometry.revolutionNs;
    for (const x of [1_000, 10_000, 40_000, -1_000])
      expect(latency(x), `${x} ns before the stop`).toBeGreaterThan(rev - x - CHEETAH_15K5.commandOverheadNs);
    // Processed before the stop: the stream reads on through, no revolution lost.
    expect(latency(60_000)).toBeLessThan(100_000);
  });

  it("a buffer hit that slides a stopped window restarts the head only once processed, as a read joining it does", () => {
    // A hit wholly in the buffer (sectors 1,000-1,008 of the stopped window 8-1,032) arriving x before sector 1,032
    // comes round: with x under the command overhead the sector passes before the hit is processed, so the head reads
    // on from it a revolution later. (Only reads at the window's end checked this; a hit restarted it from its arrival.)
    const restart = (x: number) => {
      const { sim, hdd, read } = afterFirstRead();
      const s = hdd.cache.save();
      const stopped = s.raBaseTime + (s.raLimit - s.raBaseLba) * s.raSectorNs;
      const arrive = Math.round(stopped + 5 * hdd.geometry.revolutionNs - x);
      sim.run({ until: arrive });
      read(1, s.raLimit - 32, 8);
      const r = hdd.cache.save();
      expect(r.raBaseLba).toBe(s.raLimit);
      return r.raBaseTime - arrive;
    };
    const rev = new Hdd(new Simulation()).geometry.revolutionNs;
    for (const x of [10_000, 40_000, 49_000]) {
      expect(restart(x), `${x} ns before the sector`).toBeGreaterThanOrEqual(CHEETAH_15K5.commandOverheadNs);
      expect(restart(x)).toBeLessThan(rev + x + 1_000); // the next revolution, not a later one
    }
    expect(restart(70_000)).toBeLessThan(75_000);
  });

  it("after a hit restarted the stopped stream, reads in its unread part are served as the head reads them, ending at or past the window", () => {
    const run = (lba: number, sectors: number) => {
      const { sim, hdd, done, read } = afterFirstRead();
      sim.run({ until: sim.now + 100_000_000 });
      read(9, 1000, 32); // restarts the stream at 1,032, up to 2,056
      const base = hdd.cache.save();
      read(1, lba, sectors);
      sim.run();
      const busNs = ((sectors * 512) / (CHEETAH_15K5.busMBps * 1e6)) * 1e9;
      return { base, done: done.get(1) as number, mediaOps: hdd.mediaOps, hits: hdd.cache.hits, busNs };
    };
    for (const [lba, sectors] of [
      // (On the restart's track, 977 sectors from 977: one on the next track the head reaches sooner from the media.)
      [1900, 156], // ends exactly at the window's end
      [1500, 1024], // starts in what is not read yet, runs past the window
    ]) {
      const r = run(lba, sectors);
      expect([r.base.raBaseLba, r.base.raLimit]).toEqual([1032, 2056]);
      expect([r.mediaOps, r.hits]).toEqual([1, 2]);
      // Its last sector is read (from the restart at 1,032, at the zone's rate), then its data crosses the interface.
      const read = r.base.raBaseTime + (lba + sectors - 1032) * r.base.raSectorNs;
      expect(r.done).toBeGreaterThanOrEqual(read);
      expect(r.done).toBeLessThanOrEqual(read + r.busNs + 1);
    }
  });

  it("a write into a stopped read-ahead window drops the segment: reads of it and from it go to the media", () => {
    for (const writeCache of [false, true]) {
      const sim = new Simulation();
      const hdd = new Hdd(sim, CHEETAH_15K5, "hdd", { writeCache });
      const sub = (id: number, lba: number, sectors: number, isRead: boolean) =>
        hdd.submit({ id, vm: 0, lba, sectors, isRead, issueTime: sim.now }, { complete: () => {} });
      sub(0, 0, 8, true);
      sim.run({ until: sim.now + 100_000_000 }); // the head read ahead to 1,032 and stopped
      sub(1, 500, 8, false);
      sim.run();
      const media = hdd.mediaOps;
      sub(2, 496, 16, true); // the written sectors and some next to them
      sim.run();
      expect(hdd.mediaOps).toBe(media + 1);
      sub(3, 100, 1024, true); // from the dropped segment past its window (not from the new read's): no stream to join
      sim.run();
      expect(hdd.mediaOps).toBe(media + 2);
    }
  });

  it("a hit waiting for the read-ahead has its data cross the interface as the head reads it, as a media read's does", () => {
    const busNs = (512 / (CHEETAH_15K5.busMBps * 1e6)) * 1e9;
    // The head has read ahead to 1,032 and stopped; 100 ms on, a 1 MiB read from there (joins the stream: the head
    // reads on once 1,032 comes round) or from a sector on (a media read).
    const after = (lba: number) => {
      const { sim, hdd, done, read } = afterFirstRead();
      sim.run({ until: sim.now + 100_000_000 });
      const t = sim.now;
      read(1, lba, 2048);
      sim.run();
      return { t, done: done.get(1) as number, s: hdd.cache.save(), mediaOps: hdd.mediaOps };
    };
    const joined = after(1032);
    const media = after(1033);
    expect([joined.mediaOps, media.mediaOps]).toEqual([1, 2]);
    // Joining is no slower than the media read a sector on (it was 3.5 ms slower: the whole transfer after the reading).
    expect(joined.done - joined.t).toBeLessThanOrEqual(media.done - media.t);
    // It ends once the head has read its last sector and that sector has crossed the interface.
    // The stream restarted at 1,032 (its base) and has read on since.
    expect(joined.s.raBaseLba).toBe(1032);
    const readEnd = joined.s.raBaseTime + 2048 * joined.s.raSectorNs;
    expect(joined.done).toBeGreaterThanOrEqual(readEnd + busNs - 1);
    expect(joined.done).toBeLessThanOrEqual(readEnd + busNs + 1);
    // A hit whose data is all in the buffer still takes the whole transfer after the command's overhead.
    const { sim, done, read } = afterFirstRead();
    sim.run({ until: sim.now + 100_000_000 });
    const t = sim.now;
    read(2, 8, 1024);
    sim.run();
    expect((done.get(2) as number) - t).toBeCloseTo(CHEETAH_15K5.commandOverheadNs + 1024 * busNs, -1);
  });

  it("a queued read of sectors the read before it brought in is served from the buffer, not a revolution later from the media", () => {
    // Two reads queued together: the first is read from the media; the second reads its sectors again (or some of
    // them and the read-ahead's next ones), as it would from the buffer had it arrived a moment later.
    const run = (queued: boolean, lba: number, sectors: number) => {
      const sim = new Simulation();
      const hdd = new Hdd(sim);
      const done = new Map<number, number>();
      const sink = { complete: (r: { id: number }) => done.set(r.id, sim.now) };
      hdd.submit({ id: 0, vm: 0, lba: 1000, sectors: 8, isRead: true, issueTime: 0 }, sink);
      if (!queued) sim.run();
      hdd.submit({ id: 1, vm: 0, lba, sectors, isRead: true, issueTime: sim.now }, sink);
      sim.run();
      return { after: (done.get(1) as number) - (done.get(0) as number), mediaOps: hdd.mediaOps, hits: hdd.cache.hits };
    };
    for (const [lba, sectors] of [
      [1000, 8],
      [1004, 64],
    ]) {
      const queued = run(true, lba, sectors);
      expect(queued).toEqual({ ...run(false, lba, sectors), after: queued.after });
      expect([queued.mediaOps, queued.hits]).toEqual([1, 1]);
      expect(queued.after).toBeLessThan(CHEETAH_15K5.commandOverheadNs + 1_000_000); // a revolution is 4 ms
    }
  });

  it("a read the read-ahead has still to read is served from it only when that is no later than a media read", () => {
    // Right after a read of sectors 0–8 the head reads ahead from sector 8 (977 sectors a track in the outer zone).
    const latency = (lba: number, sectors: number, readAheadSectors = CHEETAH_15K5.readAheadSectors) => {
      const sim = new Simulation();
      const hdd = new Hdd(sim, { ...CHEETAH_15K5, readAheadSectors });
      let done = 0;
      hdd.submit({ id: 0, vm: 0, lba: 0, sectors: 8, isRead: true, issueTime: 0 }, { complete: () => {} });
      sim.run();
      const t = sim.now;
      hdd.submit({ id: 1, vm: 0, lba, sectors, isRead: true, issueTime: t }, { complete: () => (done = sim.now) });
      sim.run();
      return { ns: done - t, mediaOps: hdd.mediaOps };
    };
    // 1 MiB from just past the window (joined, the head read the 2,048 sectors before it first: 16.8 ms) takes what
    // it takes with no read-ahead at all, a media read (8.8 ms), as from 4 sectors further on.
    const joinable = latency(2056, 2048);
    expect(joinable).toEqual(latency(2056, 2048, 0));
    expect(joinable.ns).toBeLessThanOrEqual(latency(2060, 2048).ns);
    expect(joinable.ns).toBeLessThan(10_000_000);
    // 8 sectors in the window's unread part on the next track: the head switches to it (0.18 ms), rather than read
    // ~1,000 sectors to get there (4.2 ms).
    const inWindow = latency(1020, 8);
    expect(inWindow).toEqual(latency(1020, 8, 0));
    expect(inWindow.ns).toBeLessThan(1_000_000);
    // A read the head reaches as soon from the stream still joins it: one media read, the rest from the read-ahead.
    expect(latency(100, 64).mediaOps).toBe(1);
  });

  it("a read another cache segment holds whole is served from it at once, not left waiting for the read-ahead to read it again", () => {
    const sim = new Simulation();
    const hdd = new Hdd(sim);
    let done = 0;
    const read = (lba: number, sectors: number, after: number) => {
      sim.run({ until: sim.now + after });
      const t = sim.now;
      hdd.submit({ id: 0, vm: 0, lba, sectors, isRead: true, issueTime: t }, { complete: () => (done = sim.now) });
      sim.run();
      return done - t;
    };
    read(2653, 185, 0); // a media read; its read-ahead reads on from 2,838 for ~3 ms (to ~3,570)
    read(1026, 450, 3_028_268); // a media read elsewhere ends that stream (its segment keeps [2,653, ~3,570))
    const kept = hdd.cache.save();
    expect(kept.segStart[0]).toBe(2653);
    expect(kept.segEnd[0]).toBeGreaterThanOrEqual(3234);
    // [2,671, 3,234) is in that segment; it is also a read the new stream (from 1,476, up to 2,500) could join.
    const ns = read(2671, 563, 2_926_742);
    expect(hdd.mediaOps).toBe(2);
    const busNs = ((563 * 512) / (CHEETAH_15K5.busMBps * 1e6)) * 1e9;
    expect(ns).toBeLessThanOrEqual(CHEETAH_15K5.commandOverheadNs + busNs + 1);
  });

  it("read-ahead does not make random reads slower: a waiting hit does not hold the head from closer queued commands", () => {
    // Random 8 KiB reads at 16 OIO: with read-ahead 934 IOPS over 200,000 sectors against 1,904 without (1,379 against
    // 1,496 over 2,000,000) — queued reads waited for the head to read ahead to them while others were closer.
    for (const regionSectors of [200_000, 2_000_000]) {
      const iops = (readAheadSectors: number) =>
        measureHdd({ ioSizeBytes: 8192, readPercent: 100, randomPercent: 100, outstandingIos: 16, regionSectors }, 2e9, 1, {
          ...CHEETAH_15K5,
          readAheadSectors,
        }).iops;
      const off = iops(0);
      expect(iops(CHEETAH_15K5.readAheadSectors) / off, `${regionSectors} sectors`).toBeGreaterThan(0.97);
    }
  });
});
