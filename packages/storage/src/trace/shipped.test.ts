import { readFileSync, statSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { VscsiStats } from "../vscsistats/collector.js";
import { toJson } from "../vscsistats/format.js";
import { characterizeTrace } from "./characterize.js";
import { MsrReader } from "./msr.js";
import { writeMsrTrace } from "./msr-writer.js";
import { SHIPPED_TRACE_NAME, shippedTraceBytes, shippedTraceGenerator, shippedTracePath } from "./shipped.js";
import { bytesSource, textSource } from "./source.js";
import { VscsiReader } from "./vscsi.js";
import { writeVscsiTrace } from "./vscsi-writer.js";

describe("the shipped trace", () => {
  it("regenerates byte for byte from its seed and parameters (npm run generate:trace -w @vmlab/storage)", () => {
    const path = shippedTracePath();
    expect(path.endsWith(`data/traces/${SHIPPED_TRACE_NAME}`)).toBe(true);
    expect(statSync(path).size).toBe(50_000 * 40); // modest: 2 MB
    expect(Buffer.from(shippedTraceBytes()).equals(readFileSync(path))).toBe(true);
  });

  it("the same IOs written as MSR CSV, vscsi v2 and vscsi v1 give the same histograms (v1: none for latency and OIO)", () => {
    const ios = 5000;
    const characterize = (reader: VscsiReader | MsrReader) => {
      const stats = new VscsiStats();
      const summary = characterizeTrace(reader, stats);
      return { summary, json: toJson(stats) };
    };
    const msr = characterize(new MsrReader(textSource(writeMsrTrace(shippedTraceGenerator({ ios }))), { name: "t.csv" }));
    const v2 = characterize(new VscsiReader(bytesSource(writeVscsiTrace(shippedTraceGenerator({ ios }), 2)), { name: "t2.vscsi" }));
    const v1 = characterize(new VscsiReader(bytesSource(writeVscsiTrace(shippedTraceGenerator({ ios }), 1)), { name: "t1.vscsi" }));
    expect(msr.summary).toMatchObject({ ios, timedIos: ios });
    expect(v2.json).toEqual(msr.json);
    expect(v1.summary).toMatchObject({ ios, timedIos: 0 });
    for (const [i, h] of v1.json.histograms.entries()) {
      if (h.metric === "latency" || h.metric === "outstandingIOs") expect(h.count).toBe(0);
      else expect(h, h.title).toEqual(v2.json.histograms[i]);
    }
    // Not trivially equal: the trace has latency and queueing in it.
    expect(msr.json.histograms.find((h) => h.metric === "outstandingIOs")?.max).toBeGreaterThan(4);
  });
});
