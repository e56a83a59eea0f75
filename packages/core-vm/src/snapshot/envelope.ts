import { z } from "zod";
import { CoreErrors, describeIssues } from "../errors.js";
import { xxhash32, xxhash32Chunks } from "./xxhash32.js";

/** File magic: the first 8 bytes of every snapshot. */
export const SNAPSHOT_MAGIC = "VMLABSNP";
/** The envelope's layout version; readers refuse any other. */
export const SNAPSHOT_FORMAT_VERSION = 1;
/** magic (8) · format version (4) · TOC length (4) · TOC xxh32 (4) · header xxh32 (4), little-endian. */
export const HEADER_BYTES = 24;

/**
 * A named section body, possibly in several chunks: hashed as one byte
 * string and written with one `writev`, never concatenated (the memory
 * section's chunks are runs of RAM pages, viewed in place).
 */
export interface Section {
  name: string;
  chunks: Uint8Array[];
}

const TocSchema = z.object({
  /** Versions of the components whose states the sections hold (checked before any state is parsed). */
  components: z.record(z.string(), z.number().int().nonnegative()),
  sections: z.array(
    z.object({
      name: z.string().min(1),
      bytes: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
      xxh32: z.number().int().nonnegative().max(0xffff_ffff),
    }),
  ),
});
export type SnapshotToc = z.infer<typeof TocSchema>;

/** The last section, left in the file for the caller to read and check (see `readSnapshotFile`). */
export interface DeferredSection {
  name: string;
  /** Where its body starts in the file. */
  offset: number;
  bytes: number;
  xxh32: number;
}

/** A decoded envelope: component versions and each section's bytes (views into the file buffer). */
export interface Envelope {
  components: Record<string, number>;
  sections: Map<string, Uint8Array>;
  deferred?: DeferredSection;
}

/** Options of decoding a snapshot file read only in part (its large last section left in the file). */
export interface DecodeOptions {
  /** The whole file's length when `file` is only its beginning, up to the deferred section. */
  fileLength?: number;
  /** Name of the last section, whose body `file` does not hold: it is returned as `deferred`, unchecked. */
  defer?: string;
}

/**
 * Lays out a snapshot: a fixed header, a JSON table of contents (component
 * versions; each section's name, length and XXH32), then the section bodies.
 * Returns the file as chunks, to be written without another copy (they
 * alias the sections' chunks: write them before those change).
 */
export function encodeEnvelope(components: Record<string, number>, sections: Section[]): Uint8Array[] {
  const toc: SnapshotToc = {
    components,
    sections: sections.map((s) => ({ name: s.name, bytes: s.chunks.reduce((n, c) => n + c.length, 0), xxh32: xxhash32Chunks(s.chunks) })),
  };
  const tocBytes = new TextEncoder().encode(JSON.stringify(toc));
  const header = new Uint8Array(HEADER_BYTES);
  const dv = new DataView(header.buffer);
  header.set(new TextEncoder().encode(SNAPSHOT_MAGIC), 0);
  dv.setUint32(8, SNAPSHOT_FORMAT_VERSION, true);
  dv.setUint32(12, tocBytes.length, true);
  dv.setUint32(16, xxhash32(tocBytes), true);
  dv.setUint32(20, xxhash32(header.subarray(0, 20)), true);
  return [header, tocBytes, ...sections.flatMap((s) => s.chunks)];
}

/**
 * Checks and splits a snapshot file, in this order: length of the header,
 * magic, header checksum, format version, length and checksum of the TOC,
 * total length, then each section's checksum. Every failure is a specific
 * `VmlabError`; nothing is parsed beyond the envelope.
 */
export function decodeEnvelope(file: Uint8Array, name: string, options: DecodeOptions = {}): Envelope {
  const total = options.fileLength ?? file.length;
  // The magic's bytes that are there are checked first: a 3-byte text file is no snapshot, not a truncated one.
  const magic = new TextDecoder("latin1").decode(file.subarray(0, 8));
  if (!SNAPSHOT_MAGIC.startsWith(magic)) throw CoreErrors.snapshotBadMagic(name);
  if (file.length < HEADER_BYTES) throw CoreErrors.snapshotTruncated(name, HEADER_BYTES, file.length);
  const dv = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const headerHash = xxhash32(file.subarray(0, 20));
  if (headerHash !== dv.getUint32(20, true)) throw CoreErrors.snapshotCorrupt(name, "header", dv.getUint32(20, true), headerHash);
  const version = dv.getUint32(8, true);
  if (version !== SNAPSHOT_FORMAT_VERSION) throw CoreErrors.snapshotBadFormatVersion(name, version, SNAPSHOT_FORMAT_VERSION);
  const tocLength = dv.getUint32(12, true);
  if (file.length < HEADER_BYTES + tocLength) throw CoreErrors.snapshotTruncated(name, HEADER_BYTES + tocLength, file.length);
  const tocBytes = file.subarray(HEADER_BYTES, HEADER_BYTES + tocLength);
  const tocHash = xxhash32(tocBytes);
  if (tocHash !== dv.getUint32(16, true)) throw CoreErrors.snapshotCorrupt(name, "toc", dv.getUint32(16, true), tocHash);
  let tocJson: unknown;
  try {
    tocJson = JSON.parse(new TextDecoder().decode(tocBytes));
  } catch (e) {
    throw CoreErrors.snapshotMalformed(name, "toc", e instanceof Error ? e.message : String(e));
  }
  const toc = TocSchema.safeParse(tocJson);
  if (!toc.success) throw CoreErrors.snapshotMalformed(name, "toc", describeIssues(toc.error));
  let end = HEADER_BYTES + tocLength;
  for (const s of toc.data.sections) end += s.bytes;
  if (total < end) throw CoreErrors.snapshotTruncated(name, end, total);
  if (total > end) throw CoreErrors.snapshotMalformed(name, "file", `${total - end} bytes after the last section`);
  const sections = new Map<string, Uint8Array>();
  let offset = HEADER_BYTES + tocLength;
  const last = toc.data.sections[toc.data.sections.length - 1];
  let deferred: DeferredSection | undefined;
  for (const s of toc.data.sections) {
    if (options.defer !== undefined && s === last && s.name === options.defer && file.length === offset) {
      deferred = { name: s.name, offset, bytes: s.bytes, xxh32: s.xxh32 };
      break;
    }
    if (offset + s.bytes > file.length)
      throw CoreErrors.snapshotMalformed(name, s.name, "the body was not read (internal: wrong prefix length)");
    const body = file.subarray(offset, offset + s.bytes);
    const actual = xxhash32(body);
    if (actual !== s.xxh32) throw CoreErrors.snapshotCorrupt(name, s.name, s.xxh32, actual);
    if (sections.has(s.name)) throw CoreErrors.snapshotMalformed(name, "toc", `section "${s.name}" appears twice`);
    sections.set(s.name, body);
    offset += s.bytes;
  }
  return { components: toc.data.components, sections, deferred };
}

/**
 * Where the body of the last section starts, read from an untrusted header
 * and TOC (`head` holds at least the header); null if the TOC is not all in
 * `head`, not JSON, or the last section is not `name`. Only a hint for
 * reading the file in two parts: `decodeEnvelope` checks everything.
 */
export function lastSectionOffset(head: Uint8Array, name: string): { tocEnd: number; offset: number } | null {
  if (head.length < HEADER_BYTES) return null;
  const tocLength = new DataView(head.buffer, head.byteOffset, head.byteLength).getUint32(12, true);
  const tocEnd = HEADER_BYTES + tocLength;
  if (head.length < tocEnd) return { tocEnd, offset: -1 };
  let toc: unknown;
  try {
    toc = JSON.parse(new TextDecoder().decode(head.subarray(HEADER_BYTES, tocEnd)));
  } catch {
    return null;
  }
  const parsed = TocSchema.safeParse(toc);
  if (!parsed.success || parsed.data.sections.length === 0) return null;
  const list = parsed.data.sections;
  if (list[list.length - 1].name !== name) return null;
  let offset = tocEnd;
  for (let i = 0; i < list.length - 1; i++) offset += list[i].bytes;
  return { tocEnd, offset };
}
