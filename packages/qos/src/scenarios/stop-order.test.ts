import { describe, expect, it } from "vitest";
import { pardaDemandChange } from "./parda-demand-change.js";
import { runQuick } from "./run-quick.test-support.js";

const run = (stopAtS: number[]) => runQuick(pardaDemandChange, { durationS: 30, hosts: 3, stopAtS });

describe("parda-demand-change's stopAtS", () => {
  it("is taken in time order, whatever the list's order: the earliest stop is the last host's VM", async () => {
    // `vmlab describe` said "one per host from the last", which read as the list's order; the run sorts the times.
    const given = await run([20, 10]);
    const sorted = await run([10, 20]);
    expect(given.tables).toEqual(sorted.tables);
    expect(given.metrics).toEqual(sorted.metrics);
    const parda = given.tables.find((t) => t.name === "time-series")!.rows.filter((r) => String(r.run).startsWith("PARDA"));
    const iopsAt = (host: string, t: number) => parda.find((r) => r.host === host && r.t_s === t)?.iops;
    expect(iopsAt("host 3", 14)).toBe(0);
    expect(iopsAt("host 2", 14)).toBeGreaterThan(0);
    expect(iopsAt("host 2", 24)).toBe(0);
  });
});
