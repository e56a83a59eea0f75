import { describe, expect, it } from "vitest";
import { isVmlabError } from "../errors.js";
import { decodeEnvelope, encodeEnvelope } from "./envelope.js";
import { decodeMemoryMap, encodeMemoryImage } from "./memory-image.js";

/**
 * Checks on untrusted snapshot bytes that envelope.test.ts and snapshot.test.ts
 * happened not to pin: each test failed against a one-line change to
 * envelope.ts or memory-image.ts that every other test let through.
 */
function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (!isVmlabError(e)) throw e;
    return e.code;
  }
  return "none";
}

const concat = (chunks: Uint8Array[]) => new Uint8Array(Buffer.concat(chunks));

describe("snapshot decoding", () => {
  it("refuses a table of contents that names one section twice (the second would silently replace the first)", () => {
    const body = (b: number) => ({ name: "machine", chunks: [new Uint8Array([b, b])] });
    const file = concat(encodeEnvelope({}, [body(1), body(2)]));
    expect(codeOf(() => decodeEnvelope(file, "x.snap"))).toBe("VMLAB_SNAPSHOT_MALFORMED_SECTION");
  });

  it("refuses a page map that marks pages past the end of RAM (a RAM of a page count not a multiple of 8)", () => {
    const ram = new Uint8Array(3 * 4096);
    ram[0] = 1;
    const { map } = encodeMemoryImage(ram);
    expect(decodeMemoryMap(map, ram.length, "x.snap").pages).toEqual(new Int32Array([0]));
    const forged = map.slice();
    forged[16] |= 1 << 3; // page 3 of a 3-page RAM
    expect(codeOf(() => decodeMemoryMap(forged, ram.length, "x.snap"))).toBe("VMLAB_SNAPSHOT_MALFORMED_SECTION");
  });
});
