import { describe, expect, it } from "vitest";
import { isVmlabError } from "../errors.js";
import { Rng } from "../sim/rng.js";
import { decodeEnvelope, encodeEnvelope, HEADER_BYTES, type Section } from "./envelope.js";
import { xxhash32, xxhash32Chunks } from "./xxhash32.js";

const enc = (s: string) => new TextEncoder().encode(s);
const join = (chunks: Uint8Array[]) => new Uint8Array(Buffer.concat(chunks));

function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    return isVmlabError(e) ? e.code : `not a VmlabError: ${String(e)}`;
  }
  return "no error";
}

function sample(): { file: Uint8Array; sections: Section[] } {
  const rng = new Rng(7, "envelope");
  const big = new Uint8Array(10_000);
  for (let i = 0; i < big.length; i++) big[i] = rng.int(256);
  const sections: Section[] = [
    { name: "a", chunks: [enc('{"x":1}')] },
    { name: "empty", chunks: [] },
    { name: "big", chunks: [big.subarray(0, 3000), big.subarray(3000)] },
  ];
  return { file: join(encodeEnvelope({ a: 1, big: 3 }, sections)), sections };
}

describe("XXH32", () => {
  it("matches the reference vectors", () => {
    expect(xxhash32(enc(""))).toBe(0x02cc5d05);
    expect(xxhash32(enc("a"))).toBe(0x550d7456);
    expect(xxhash32(enc("abc"))).toBe(0x32d153ff);
    expect(xxhash32(enc("Nobody inspects the spammish repetition"))).toBe(0xe2293b2f);
  });

  it("matches xxHash's own sanity vectors, seeded and not (cli/xsum_sanity_check.c)", () => {
    // xsum_sanity_check.c's buffer: byteGen = PRIME32, each byte its top 8 bits, then byteGen *= PRIME64 (mod 2^64).
    const prime32 = 2654435761n;
    const buf = new Uint8Array(222);
    let byteGen = prime32;
    for (let i = 0; i < buf.length; i++) {
      buf[i] = Number(byteGen >> 56n);
      byteGen = BigInt.asUintN(64, byteGen * 11400714785074694797n);
    }
    const seed = Number(prime32);
    const vectors: [number, number, number][] = [
      [0, 0, 0x02cc5d05],
      [0, seed, 0x36b78ae7],
      [1, 0, 0xcf65b03e],
      [1, seed, 0xb4545aa4],
      [14, 0, 0x1208e7e2],
      [14, seed, 0x6af1d1fe],
      [222, 0, 0x5bd11dbd],
      [222, seed, 0x58803c5f],
    ];
    for (const [length, s, want] of vectors) expect(xxhash32(buf.subarray(0, length), s), `${length} bytes, seed ${s}`).toBe(want);
  });

  it("hashes a megabyte as xxhsum does, whole, unaligned and in uneven chunks", () => {
    // Expected value from `xxhsum -H0` (xxHash 0.8) over the same 1,048,579 bytes.
    const length = 1048579;
    const backing = new Uint8Array(length + 1);
    const bytes = backing.subarray(1); // odd byteOffset: the byte-at-a-time path
    for (let i = 0; i < length; i++) bytes[i] = Math.imul(i, 2654435761) >>> 24;
    const aligned = new Uint8Array(bytes);
    const want = 0x4b9bc99a;
    expect(xxhash32(aligned)).toBe(want);
    expect(xxhash32(bytes)).toBe(want);
    const cuts = [0, 4096, 4099, 4100, 70000, 70003, 524288, length];
    const chunks = cuts.slice(1).map((end, k) => aligned.subarray(cuts[k], end));
    expect(xxhash32Chunks(chunks)).toBe(want);
  });

  it("gives the same value for aligned and unaligned views of the same bytes", () => {
    const buf = new Uint8Array(1001);
    for (let i = 0; i < buf.length; i++) buf[i] = (i * 131) & 255;
    const copy = new Uint8Array(1000);
    copy.set(buf.subarray(1));
    expect(xxhash32(buf.subarray(1))).toBe(xxhash32(copy));
  });
});

describe("snapshot envelope", () => {
  it("round-trips sections and component versions", () => {
    const { file, sections } = sample();
    const env = decodeEnvelope(file, "t");
    expect(env.components).toEqual({ a: 1, big: 3 });
    expect([...env.sections.keys()]).toEqual(["a", "empty", "big"]);
    for (const s of sections) expect(env.sections.get(s.name)).toEqual(join(s.chunks.length ? s.chunks : [new Uint8Array(0)]));
  });

  it("a file shorter than the header whose bytes are not the magic's is no snapshot, not a truncated one", () => {
    // "hi\n" read as a snapshot cut short, with advice to take it again.
    expect(codeOf(() => decodeEnvelope(new TextEncoder().encode("hi\n"), "t"))).toBe("VMLAB_SNAPSHOT_BAD_MAGIC");
    expect(codeOf(() => decodeEnvelope(new TextEncoder().encode("VMLAB"), "t"))).toBe("VMLAB_SNAPSHOT_TRUNCATED_FILE");
  });

  it("reports a truncated file at every cut point", () => {
    const { file } = sample();
    for (let cut = 0; cut < file.length; cut += cut < 64 ? 1 : 97) {
      expect(codeOf(() => decodeEnvelope(file.subarray(0, cut), "t"))).toBe("VMLAB_SNAPSHOT_TRUNCATED_FILE");
    }
  });

  it("reports a flipped bit in any section (header, table of contents, each body) with its name", () => {
    const { file } = sample();
    const tocLength = new DataView(file.buffer).getUint32(12, true);
    const rng = new Rng(11, "flips");
    const where = (offset: number): string => {
      if (offset < HEADER_BYTES) return "header";
      if (offset < HEADER_BYTES + tocLength) return "toc";
      const o = offset - HEADER_BYTES - tocLength;
      return o < 7 ? "a" : "big";
    };
    // Every bit of the header after the magic, and random bits elsewhere.
    const offsets = [...Array.from({ length: HEADER_BYTES - 8 }, (_, i) => 8 + i)];
    for (let k = 0; k < 200; k++) offsets.push(HEADER_BYTES + rng.int(file.length - HEADER_BYTES));
    for (const offset of offsets) {
      const bit = rng.int(8);
      const bad = file.slice();
      bad[offset] ^= 1 << bit;
      try {
        decodeEnvelope(bad, "t");
        expect.unreachable(`flip at ${offset} not detected`);
      } catch (e) {
        expect(isVmlabError(e) && e.code).toBe("VMLAB_SNAPSHOT_CORRUPT_SECTION");
        expect(isVmlabError(e) && e.details.section).toBe(where(offset));
      }
    }
  });

  it("rejects a file without the magic", () => {
    const { file } = sample();
    const bad = file.slice();
    bad[0] = 0x7f;
    expect(codeOf(() => decodeEnvelope(bad, "t"))).toBe("VMLAB_SNAPSHOT_BAD_MAGIC");
    expect(codeOf(() => decodeEnvelope(enc("\x7fELF and then some bytes that are long enough"), "t"))).toBe("VMLAB_SNAPSHOT_BAD_MAGIC");
  });

  it("rejects another format version (with a valid header checksum) specifically", () => {
    const { file } = sample();
    const bad = file.slice();
    const dv = new DataView(bad.buffer);
    dv.setUint32(8, 2, true);
    dv.setUint32(20, xxhash32(bad.subarray(0, 20)), true);
    expect(codeOf(() => decodeEnvelope(bad, "t"))).toBe("VMLAB_SNAPSHOT_BAD_FORMAT_VERSION");
  });

  it("rejects trailing bytes", () => {
    const { file } = sample();
    expect(codeOf(() => decodeEnvelope(join([file, new Uint8Array(3)]), "t"))).toBe("VMLAB_SNAPSHOT_MALFORMED_SECTION");
  });
});
