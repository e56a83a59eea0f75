import { describe, expect, it } from "vitest";
import { DriveInterface } from "./drive-interface.js";

describe("DriveInterface", () => {
  // 512 B at 256 MB/s: 2 µs a sector.
  const mbps = 256;

  it("carries a sector in 512 B / busMBps, and books transfers one after another in the first idle gap", () => {
    const link = new DriveInterface(mbps);
    expect(link.sectorNs).toBe(2000);
    expect(link.transfer(0, 10_000, 8)).toBe(26_000); // [10, 26) µs
    expect(link.transfer(0, 0, 4)).toBe(8000); // ready earlier: the idle gap before it, not behind it
    expect(link.transfer(0, 5000, 4)).toBe(34_000); // no 8 µs gap before 26 µs: after it
    expect(link.transfer(0, 0, 0.5)).toBe(9000); // part of a sector (an SSD page's share)
    expect(link.lastEnd).toBe(34_000);
  });

  it("books a media read's data as late as it can be, ending with the head's transfer", () => {
    const link = new DriveInterface(mbps);
    // The head reads 4 sectors over [100, 140) µs; their data crosses in the last 8 µs.
    expect(link.mediaRead(0, 100_000, 140_000, 4)).toBe(140_000);
    // So an 8-sector hit ready at 110 µs crosses before it, in [110, 126) µs, without waiting for it.
    expect(link.transfer(0, 110_000, 8)).toBe(126_000);
    // A read whose data takes longer than its media transfer crosses from the media start on.
    const slow = new DriveInterface(mbps);
    expect(slow.mediaRead(0, 100_000, 104_000, 4)).toBe(108_000);
    // A busy interface delays it past the media end.
    const busy = new DriveInterface(mbps);
    busy.transfer(0, 130_000, 10); // [130, 150) µs
    expect(busy.mediaRead(0, 100_000, 140_000, 4)).toBe(158_000);
  });

  /** A write of `sectors` queued at 0 whose data crosses `link` from 0 on, then written over `mediaStart`..`mediaEnd`. */
  const writeEnd = (link: DriveInterface, mediaStart: number, mediaEnd: number, sectors: number, rev = 4_000_000) =>
    link.mediaWrite(0, link.transfer(0, 0, sectors), mediaStart, mediaEnd, sectors, rev);
  const busyUntil = (ns: number) => {
    const link = new DriveInterface(mbps);
    link.transfer(0, 0, ns / link.sectorNs);
    return link;
  };

  it("a media write ends with the head's transfer when its data is in the buffer as the head writes each sector", () => {
    // Idle: 4 sectors cross [0, 8) µs, the head writes them over [100, 140) µs.
    expect(writeEnd(new DriveInterface(mbps), 100_000, 140_000, 4)).toBe(140_000);
    // Busy until 10 µs: the data crosses [10, 18) µs, the first sector in by 12 µs, before the head starts at 20 µs.
    expect(writeEnd(busyUntil(10_000), 20_000, 60_000, 4)).toBe(60_000);
    // At the edge: the first sector is in at 12 µs, the head there at 12 µs: in time (1 ns earlier: missed, below).
    expect(writeEnd(busyUntil(10_000), 12_000, 52_000, 4)).toBe(52_000);
  });

  it("a media write whose data other transfers hold back past the head's start misses its sector: whole revolutions later", () => {
    const rev = 4_000_000;
    // Busy until 50 µs: the first sector is in at 52 µs, the head was there at 20 µs: it writes one revolution later.
    expect(writeEnd(busyUntil(50_000), 20_000, 60_000, 4)).toBe(60_000 + rev);
    // The first sector's own crossing counts: busy until 10 µs, in at 12 µs, the head there at 11 µs.
    expect(writeEnd(busyUntil(10_000), 11_000, 27_000, 4)).toBe(27_000 + rev);
    // Busy for 2.5 revolutions: three.
    expect(writeEnd(busyUntil(2.5 * rev), 20_000, 60_000, 4)).toBe(60_000 + 3 * rev);
  });

  it("on an interface slower than the media, the last sector bounds the start: its data must be in as the head reaches it", () => {
    const rev = 4_000_000;
    // 2 µs a sector on the interface, 1 µs on the media; busy until 10 µs: the data crosses [10, 18) µs, the last
    // sector in at 18 µs. A head starting at 15 µs writes it over [18, 19) µs: in time.
    expect(writeEnd(busyUntil(10_000), 15_000, 19_000, 4)).toBe(19_000);
    // Starting at 12 µs it would reach the last sector at 15 µs, before its data: one revolution later.
    expect(writeEnd(busyUntil(10_000), 12_000, 16_000, 4)).toBe(16_000 + rev);
  });

  it("data late only as an idle interface carries it (the head at the sector as processing ends) holds the end back, no revolution", () => {
    const rev = 4_000_000;
    // The head starts at once: the 4 sectors cross [0, 8) µs, the head writes them over [0, 4) µs.
    expect(writeEnd(new DriveInterface(mbps), 0, 4000, 4)).toBe(8000);
    // Held back by other traffic on top (busy until 10 µs): later than the idle interface would have it, a revolution.
    expect(writeEnd(busyUntil(10_000), 0, 4000, 4)).toBe(4000 + rev);
  });

  it("reset forgets every booking and keeps the interface busy until the time given", () => {
    const link = new DriveInterface(mbps);
    link.transfer(0, 0, 100);
    link.reset(5000);
    expect(link.lastEnd).toBe(5000);
    expect(link.transfer(0, 0, 1)).toBe(7000);
    link.reset(0);
    expect(link.lastEnd).toBe(0);
    expect(link.transfer(0, 0, 1)).toBe(2000);
  });
});
