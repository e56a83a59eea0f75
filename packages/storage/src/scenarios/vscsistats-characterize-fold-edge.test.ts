import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { vscsistatsCharacterize } from "./vscsistats-characterize.js";
import { VscsiCharacterizeConfig } from "./vscsistats-characterize-config.js";
import { vmDiskSectors } from "./vscsistats-characterize-run.js";
import { msrTrace, run, T0, traceNote, writeIn } from "./vscsistats-characterize-user-trace.test-support.js";

const dir = mkdtempSync(join(tmpdir(), "vmlab-fold-edge-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("vscsistats-characterize's count of IOs folded into the VM's disk", () => {
  it("an IO ending at the disk's last sector is within the disk (not folded); one sector further is folded", async () => {
    const sectors = vmDiskSectors(VscsiCharacterizeConfig.parse({ ...vscsistatsCharacterize.quick, durationMs: 50 }));
    const ioAt = (endSector: number) => `${T0 + 1_000_000n},src1,2,Read,${(endSector - 8) * 512},4096,100`;
    const edge = await run({ traceFile: writeIn(dir, "edge.csv", msrTrace(20, [ioAt(sectors)])) });
    expect(edge.metrics["trace.replay.foldedIos"]).toBe(0);
    expect(traceNote(edge)).not.toContain("folded");
    const past = await run({ traceFile: writeIn(dir, "past.csv", msrTrace(20, [ioAt(sectors + 1)])) });
    expect(past.metrics["trace.replay.foldedIos"]).toBe(1);
  });
});
