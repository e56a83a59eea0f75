import { describe, expect, it } from "vitest";
import { MsrReader } from "./msr.js";
import { newTraceRecord } from "./record.js";
import { textSource } from "./source.js";

function readAll(text: string): void {
  const reader = new MsrReader(textSource(text), { name: "t.csv" });
  const rec = newTraceRecord();
  while (reader.next(rec));
}

describe("a line longer than the reader's buffer", () => {
  it("is refused naming its own line number: the first line is line 1, after one good line it is line 2", () => {
    const long = "1".repeat(1 << 18);
    expect(() => readAll(`${long}\n`)).toThrow(/^t\.csv:1: line longer than 262144 bytes/);
    expect(() => readAll(`0,h,0,Read,0,512,5\n${long}\n`)).toThrow(/^t\.csv:2: line longer than 262144 bytes/);
  });
});
