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
