import { thrownMessage } from "@vmlab/test-utils";
import { describe, expect, it } from "vitest";
import { parseEsxCsv } from "./parse-esx.js";

/**
 * parseEsxCsv reads a printout whole, with no option to skip a bad line, and is called by no command (a library
 * function, and the tests' way to read `vmlab vscsistats`'s printout back): its errors advised `--skip-bad`, a trace
 * reader's flag it has no counterpart of.
 */
describe("parseEsxCsv's errors", () => {
  const bad = {
    "data before the first Histogram: line": "min,512\n",
    "a row of three fields": "Histogram: x\nFrequency,Histogram Bucket Limit\n1,512,7\n",
    "a field not an integer": "Histogram: x\nmin,abc\n",
    "a fraction": "Histogram: x\ncount,12.5\n",
    "an integer followed by junk": "Histogram: x\nFrequency,Histogram Bucket Limit\n5,4096abc\n",
    "an unknown summary field": "Histogram: x\nmedian,5\n",
  };

  it.each(Object.entries(bad))("%s: names the line and advises only what the caller can do", (_what, text) => {
    const message = thrownMessage(() => parseEsxCsv(text, "p.csv"));
    expect(message).toMatch(/^p\.csv:\d: /);
    expect(message).not.toMatch(/skip-bad|skip bad|--/);
    expect(message).toMatch(/is it a vscsiStats CSV printout \(.*\)\? fix or delete the line$/);
  });

  it("a field that starts as an integer is still refused whole: a fraction, or digits followed by junk", () => {
    // Read as far as the digits go, a corrupted printout compared as a count of 12.5 or a bucket limit of NaN.
    expect(() => parseEsxCsv("Histogram: x\ncount,12.5\n", "p.csv")).toThrow(/^p\.csv:2: "12\.5" is not an integer/);
    expect(() => parseEsxCsv("Histogram: x\nFrequency,Histogram Bucket Limit\n5,4096abc\n", "p.csv")).toThrow(
      /^p\.csv:3: "4096abc" is not an integer/,
    );
  });

  it("keeps the code and details of a bad line", () => {
    expect(() => parseEsxCsv("Histogram: x\nmin,abc\n", "p.csv")).toThrow(
      expect.objectContaining({
        code: "VMLAB_TRACE_MALFORMED_LINE",
        details: expect.objectContaining({ file: "p.csv", line: 2, issue: '"abc" is not an integer' }),
      }),
    );
  });
});
