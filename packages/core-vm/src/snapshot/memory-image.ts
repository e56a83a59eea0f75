import { deflateRawSync, inflateRawSync } from "node:zlib";
import { CoreErrors } from "../errors.js";
import { PAGE_SHIFT, PAGE_SIZE } from "../memory/ram.js";

/**
 * How the memory image's non-zero pages are stored: `raw` (copied as they
 * are) or `deflate` (zlib raw deflate at `level`). Zero pages are elided in
 * both. Raw is the default because it meets the 50 ms save/restore target for
 * a 128 MiB guest with 16 MiB touched and deflate does not (measured in
 * docs/snapshots.md); deflate trades that time for a smaller file.
 */
export type MemoryCompression = "raw" | "deflate";

/** How a snapshot's RAM image is stored: raw or deflated, and the zlib level. */
export interface MemoryImageOptions {
  compression?: MemoryCompression;
  /** zlib level for `deflate`, 1 (fastest, default) to 9. */
  level?: number;
}

/** pageSize (4) · pageCount (4) · present pages (4) · encoding (4: 0 raw, 1 deflate), little-endian. */
const MEMORY_HEADER_BYTES = 16;
const ENCODING_RAW = 0;
const ENCODING_DEFLATE = 1;
/** Pages per block of the zero scan (64 KiB). */
const PAGES_PER_BLOCK = 16;
const ZERO_BLOCK = Buffer.alloc(PAGES_PER_BLOCK * PAGE_SIZE);

/** A decoded, validated memory image: which pages are non-zero and their bytes, in ascending page order. */
export interface MemoryImage {
  pageCount: number;
  /** Ascending page indices of the non-zero pages. */
  pages: Int32Array;
  /** The pages' bytes, `pages.length * 4096` long. */
  data: Uint8Array;
}

/** The memory image as two sections: `map` (header and bitmap of non-zero pages) and `pages` (their bytes). */
export interface EncodedMemoryImage {
  map: Uint8Array;
  /** Raw: runs of consecutive pages viewed in place in RAM (write them before the guest runs again); deflate: one buffer. */
  pages: Uint8Array[];
}

/**
 * Encodes RAM as the snapshot's memory sections: a header and a bitmap of
 * non-zero pages, then those pages (raw or deflated). Zero pages are found
 * with `Buffer.compare` against a zero page (native memcmp), first over
 * 64 KiB blocks so that an untouched region costs one call per block.
 */
export function encodeMemoryImage(ram: Uint8Array, options: MemoryImageOptions = {}): EncodedMemoryImage {
  const compression = options.compression ?? "raw";
  const level = options.level ?? 1;
  if (compression !== "raw" && compression !== "deflate")
    throw CoreErrors.snapshotBadOption("compression", compression, '"raw" or "deflate"');
  if (!Number.isInteger(level) || level < 1 || level > 9) throw CoreErrors.snapshotBadOption("level", level, "an integer from 1 to 9");
  const pageCount = ram.length >>> PAGE_SHIFT;
  const bitmapBytes = (pageCount + 7) >>> 3;
  const map = new Uint8Array(MEMORY_HEADER_BYTES + bitmapBytes);
  const bitmap = map.subarray(MEMORY_HEADER_BYTES);
  const view = Buffer.from(ram.buffer, ram.byteOffset, ram.byteLength);
  let present = 0;
  for (let block = 0; block < pageCount; block += PAGES_PER_BLOCK) {
    const end = Math.min(pageCount, block + PAGES_PER_BLOCK);
    const o = block << PAGE_SHIFT;
    if (end - block === PAGES_PER_BLOCK && view.compare(ZERO_BLOCK, 0, ZERO_BLOCK.length, o, o + ZERO_BLOCK.length) === 0) continue;
    for (let p = block; p < end; p++) {
      const q = p << PAGE_SHIFT;
      if (view.compare(ZERO_BLOCK, 0, PAGE_SIZE, q, q + PAGE_SIZE) !== 0) {
        bitmap[p >>> 3] |= 1 << (p & 7);
        present++;
      }
    }
  }
  const runs: Uint8Array[] = [];
  for (let p = 0; p < pageCount; ) {
    if ((bitmap[p >>> 3] & (1 << (p & 7))) === 0) {
      p++;
      continue;
    }
    let q = p + 1;
    while (q < pageCount && (bitmap[q >>> 3] & (1 << (q & 7))) !== 0) q++;
    runs.push(ram.subarray(p << PAGE_SHIFT, q << PAGE_SHIFT));
    p = q;
  }
  const dv = new DataView(map.buffer);
  dv.setUint32(0, PAGE_SIZE, true);
  dv.setUint32(4, pageCount, true);
  dv.setUint32(8, present, true);
  dv.setUint32(12, compression === "raw" ? ENCODING_RAW : ENCODING_DEFLATE, true);
  if (compression === "raw") return { map, pages: runs };
  return { map, pages: [new Uint8Array(deflateRawSync(Buffer.concat(runs), { level }))] };
}

/**
 * Decodes and validates the memory sections (`memory.map`, `memory.pages`)
 * for a RAM of `ramBytes` without touching any RAM. Throws `VMLAB_SNAPSHOT_MALFORMED_SECTION` if the header,
 * the bitmap and the payload disagree.
 */
export function decodeMemoryImage(section: Uint8Array, payload: Uint8Array, ramBytes: number, file: string): MemoryImage {
  const map = decodeMemoryMap(section, ramBytes, file);
  const bad = (issue: string) => CoreErrors.snapshotMalformed(file, "memory", issue);
  const want = map.pages.length * PAGE_SIZE;
  let data: Uint8Array;
  if (map.raw) data = payload;
  else {
    try {
      data = new Uint8Array(inflateRawSync(payload, { maxOutputLength: Math.max(want, 1) }));
    } catch (e) {
      throw bad(`deflate stream: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  if (data.length !== want) throw bad(`payload holds ${data.length} bytes, ${map.pages.length} pages need ${want}`);
  return { pageCount: map.pageCount, pages: map.pages, data };
}

/** A validated page map: which pages are non-zero, and whether their bytes are stored raw. */
export interface MemoryMap {
  pageCount: number;
  pages: Int32Array;
  raw: boolean;
}

/** Decodes and validates the `memory.map` section alone (see `decodeMemoryImage`). */
export function decodeMemoryMap(section: Uint8Array, ramBytes: number, file: string): MemoryMap {
  const bad = (issue: string) => CoreErrors.snapshotMalformed(file, "memory", issue);
  if (section.length < MEMORY_HEADER_BYTES) throw bad(`${section.length} bytes is shorter than its header`);
  const dv = new DataView(section.buffer, section.byteOffset, section.byteLength);
  const pageSize = dv.getUint32(0, true);
  const pageCount = dv.getUint32(4, true);
  const present = dv.getUint32(8, true);
  const encoding = dv.getUint32(12, true);
  if (pageSize !== PAGE_SIZE) throw bad(`page size ${pageSize}, expected ${PAGE_SIZE}`);
  if (pageCount * PAGE_SIZE !== ramBytes) throw bad(`${pageCount} pages of 4 KiB do not make the machine's ${ramBytes} bytes of RAM`);
  if (present > pageCount) throw bad(`${present} non-zero pages out of ${pageCount}`);
  if (encoding !== ENCODING_RAW && encoding !== ENCODING_DEFLATE) throw bad(`unknown encoding ${encoding}`);
  const bitmapBytes = (pageCount + 7) >>> 3;
  if (section.length !== MEMORY_HEADER_BYTES + bitmapBytes)
    throw bad(`the page map has ${section.length} bytes, ${pageCount} pages need ${MEMORY_HEADER_BYTES + bitmapBytes}`);
  const bitmap = section.subarray(MEMORY_HEADER_BYTES, MEMORY_HEADER_BYTES + bitmapBytes);
  const pages = new Int32Array(present);
  let n = 0;
  for (let p = 0; p < pageCount; p++) {
    if ((bitmap[p >>> 3] & (1 << (p & 7))) === 0) continue;
    if (n === present) throw bad(`bitmap marks more than ${present} pages`);
    pages[n++] = p;
  }
  if (n !== present) throw bad(`bitmap marks ${n} pages, header says ${present}`);
  if ((pageCount & 7) !== 0 && bitmap[bitmapBytes - 1] >>> (pageCount & 7) !== 0) throw bad("bitmap marks pages past the end of RAM");
  return { pageCount, pages, raw: encoding === ENCODING_RAW };
}

/**
 * Writes a decoded image into RAM. `ramIsZero` skips clearing the absent
 * pages (a freshly allocated RAM). Consecutive pages are copied with one `set`.
 */
export function applyMemoryImage(ram: Uint8Array, image: MemoryImage, ramIsZero: boolean): void {
  if (!ramIsZero) ram.fill(0);
  const { pages, data } = image;
  for (let i = 0; i < pages.length; ) {
    let j = i + 1;
    while (j < pages.length && pages[j] === pages[j - 1] + 1) j++;
    ram.set(data.subarray(i << PAGE_SHIFT, j << PAGE_SHIFT), pages[i] << PAGE_SHIFT);
    i = j;
  }
}
