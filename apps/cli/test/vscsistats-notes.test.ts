import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { newTraceRecord, type TraceRecord, writeVscsiTrace } from "@vmlab/storage";
import { describe, expect, it } from "vitest";
import { runCli } from "./helpers.js";
import { scratchDir } from "./scratch.js";

const tmp = () => scratchDir("vmlab-vscsistats-notes-");

/** A .vscsi v2 file of 4 KiB reads issued at `issueUs` (in this order), each taking 100 µs. */
function vscsiFile(issueUs: number[]): string {
  let i = 0;
  const bytes = writeVscsiTrace(
    {
      next(rec: TraceRecord) {
        if (i >= issueUs.length) return false;
        Object.assign(rec, newTraceRecord(), {
          issueNs: issueUs[i] * 1000,
          lba: i * 8,
          bytes: 4096,
          sectors: 8,
          isRead: true,
          responseNs: 100_000,
          line: i + 1,
        });
        i++;
        return true;
      },
    },
    2,
  );
  const file = join(tmp(), "ooo.vscsi");
  writeFileSync(file, bytes);
  return file;
}

describe("vmlab vscsistats says on stderr what the histograms leave out (docs/vscsistats.md)", () => {
  it("a fio iolog: its IOs have no response time (not in latency or outstanding IOs) and no issue times (no interarrival samples)", async () => {
    const file = join(tmp(), "t.iolog");
    writeFileSync(file, "fio version 2 iolog\n/dev/sdb add\n/dev/sdb read 0 4096\n/dev/sdb read 4096 4096\n/dev/sdb write 81920 4096\n");
    const r = await runCli("vscsistats", file, "--json");
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as { histograms: { metric: string; count: number }[] };
    expect(j).toMatchObject({ trace: "t.iolog", traceFormat: "fio", ios: 3, timedIos: 0 });
    expect(j.histograms.filter((h) => h.metric === "interarrival").map((h) => h.count)).toEqual([0, 0, 0]);
    expect(r.stderr).toBe(
      "vmlab vscsistats: 3 IOs (fio); 3 without a response time (not in latency/outstanding IOs); no issue times (IOs back to back): no interarrival histogram\n",
    );
  });

  it("a binary trace names the first IO out of order by its record, not a line", async () => {
    const file = vscsiFile([0, 20, 10, 30]);
    const r = await runCli("vscsistats", file, "--json", "--reorder-window", "0");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ traceFormat: "vscsi", ios: 4 });
    expect(r.stderr).toBe("vmlab vscsistats: 4 IOs (vscsi); 1 IOs earlier than their predecessor (interarrival 0; first: record 3)\n");
  });

  it("one bad line skipped is named (--skip-bad)", async () => {
    const file = join(tmp(), "one-bad.csv");
    writeFileSync(file, "1,h,0,Read,0,512,5\nnot a line\n3,h,0,Read,0,512,5\n");
    const r = await runCli("vscsistats", file, "--format", "msr", "--skip-bad");
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/; 1 bad lines skipped; first: .*one-bad\.csv:2: /);
  });
});
