import type { VmlabError } from "@vmlab/core-vm";
import { StorageErrors } from "../errors.js";
import { SECTOR_BYTES } from "../io.js";
import { inexactTimeProblem } from "./exact-time.js";
import { TraceReaderBase } from "./reader-base.js";
import type { TraceRecord } from "./record.js";

/**
 * CloudPhysics VMware vSCSI command traces (`.vscsi`), laid out as
 * libCacheSim's reader reads them (traceReader/customizedReader/vscsi.h).
 * Two little-endian record versions, told apart by the high byte of the
 * 16-bit `ver` field of the first two records:
 *
 *   v1 (32 B): u32 sn, u32 len, u32 nSG, u16 cmd, u16 ver, u64 lbn, u64 ts
 *   v2 (40 B): u16 cmd, u16 ver, u32 sn, u32 len, u32 nSG, u64 lbn, u64 ts, u64 rt
 *
 * `ts` is in µs (libCacheSim divides by 10^6 for seconds), `len` in bytes,
 * `lbn` in 512-byte sectors, `cmd` the SCSI opcode in its low byte (the high
 * byte is not interpreted). `rt` (v2 only) is the
 * response time, taken to be in µs like `ts` — an assumption: libCacheSim
 * does not read it. Commands other than READ/WRITE(6/10/12/16) carry no data
 * for vscsiStats and are ignored (counted in `ignored`).
 */
export const VSCSI_V1_RECORD_BYTES = 32;
export const VSCSI_V2_RECORD_BYTES = 40;
const BATCH_RECORDS = 8192;
/** The high 32 bits of the largest u64 a double holds exactly (2^53 − 1): a high word up to 2^21 − 1. */
const MAX_SAFE_HIGH = 0x1fffff;
/** The most µs whose ns are exact in a double (2^53 ns, about 104 days). */
const MAX_EXACT_US = Number.MAX_SAFE_INTEGER / 1000;

/** SCSI opcodes: READ(6/10/12/16) and WRITE(6/10/12/16). */
const READ_OPCODES = new Set([0x08, 0x28, 0xa8, 0x88]);
const WRITE_OPCODES = new Set([0x0a, 0x2a, 0xaa, 0x8a]);
const OPCODE_KIND = new Uint8Array(256);
for (const op of READ_OPCODES) OPCODE_KIND[op] = 1;
for (const op of WRITE_OPCODES) OPCODE_KIND[op] = 2;

export class VscsiReader extends TraceReaderBase {
  readonly format = "vscsi" as const;
  /** 1 or 2 once the first bytes were read. */
  version = 0;
  private recordBytes = 0;
  private readonly buf = new Uint8Array(BATCH_RECORDS * VSCSI_V2_RECORD_BYTES);
  private readonly view = new DataView(this.buf.buffer);
  private start = 0;
  private end = 0;
  private eof = false;
  private recordNo = 0;
  private baseTsUs = -1;

  next(rec: TraceRecord): boolean {
    if (this.version === 0) this.detectVersion();
    const size = this.recordBytes;
    for (;;) {
      if (this.end - this.start < size) {
        this.refill();
        const left = this.end - this.start;
        if (left < size) {
          if (left === 0) return this.closeAtEnd();
          if (!this.countedAsSkipped())
            this.skipOrThrow(StorageErrors.traceTruncatedRecord(this.name, this.recordNo + 1, left, size, this.advice));
          this.start = this.end;
          return this.closeAtEnd();
        }
      }
      const at = this.start;
      this.start += size;
      this.recordNo++;
      const v = this.view;
      const v2 = this.version === 2;
      const cmd = v2 ? v.getUint16(at, true) : v.getUint16(at + 12, true);
      const ver = v2 ? v.getUint16(at + 2, true) : v.getUint16(at + 14, true);
      if (ver >> 8 !== this.version) {
        if (!this.countedAsSkipped())
          this.skipOrThrow(
            this.badRecord(
              `version ${ver >> 8}, where the file's first records have version ${this.version} (corrupt or misaligned record)`,
            ),
          );
        continue;
      }
      const len = v2 ? v.getUint32(at + 8, true) : v.getUint32(at + 4, true);
      const kind = OPCODE_KIND[cmd & 0xff];
      if (kind === 0 || len === 0) {
        this.ignored++;
        continue;
      }
      const lbnHigh = v.getUint32(at + 20, true);
      const tsHigh = v.getUint32(at + 28, true);
      const rtHigh = v2 ? v.getUint32(at + 36, true) : 0;
      // A u64 past 2^53 would be rounded by a double: no disk has 2^53 sectors nor a trace 285 years of µs — a corrupt record.
      if ((lbnHigh | tsHigh | rtHigh) >>> 21 !== 0) {
        const field = lbnHigh > MAX_SAFE_HIGH ? "lbn" : tsHigh > MAX_SAFE_HIGH ? "ts" : "rt";
        if (!this.countedAsSkipped()) this.skipOrThrow(this.badRecord(`${field} is over 2^53 (corrupt or misaligned record)`));
        continue;
      }
      const lbn = v.getUint32(at + 16, true) + lbnHigh * 2 ** 32;
      const tsUs = v.getUint32(at + 24, true) + tsHigh * 2 ** 32;
      const rtUs = v2 ? v.getUint32(at + 32, true) + rtHigh * 2 ** 32 : -1;
      // Times are doubles in ns: ts and rt below 2^53 µs could still be 2^53 ns or more, which a double rounds.
      const fromFirstUs = this.baseTsUs < 0 ? 0 : tsUs - this.baseTsUs;
      if (Math.abs(fromFirstUs) > MAX_EXACT_US || rtUs > MAX_EXACT_US) {
        if (!this.countedAsSkipped())
          this.skipOrThrow(this.badRecord(rtUs > MAX_EXACT_US ? inexactTimeProblem("rt") : inexactTimeProblem("ts", { fromFirst: true })));
        continue;
      }
      if (this.baseTsUs < 0) this.baseTsUs = tsUs;
      rec.issueNs = fromFirstUs * 1000;
      rec.lba = lbn;
      rec.bytes = len;
      rec.sectors = Math.ceil(len / SECTOR_BYTES);
      rec.isRead = kind === 1;
      rec.responseNs = v2 ? rtUs * 1000 : -1;
      rec.line = this.recordNo;
      return true;
    }
  }

  /** The file's first records had a vscsi version (else it is refused): records and none an IO are SCSI commands without data. */
  noIoNote(): string {
    const n = this.recordNo;
    return n === 1 ? "its one record is not a read or write with data" : `none of its ${n} records is a read or write with data`;
  }

  /**
   * The current record's error. Before any IO (the first one sets the time base, `baseTsUs`: nothing to count per
   * record), the file is more likely another format's than a trace with a bad record: the advice asks that first.
   */
  private badRecord(issue: string): VmlabError {
    return StorageErrors.traceMalformedRecord(this.name, this.recordNo, issue, this.advice, this.baseTsUs < 0 ? this.format : undefined);
  }

  /** The end of the trace: closes the source. */
  private closeAtEnd(): false {
    this.close();
    return false;
  }

  /** As libCacheSim: v2 if the first two records' `ver` high bytes are 2, else v1 if they are 1. */
  private detectVersion(): void {
    while (!this.eof && this.end < 2 * VSCSI_V2_RECORD_BYTES) this.readMore();
    const n = this.end;
    const v = this.view;
    const fits = (size: number) => Math.min(2, Math.floor(n / size));
    const test = (size: number, verAt: number, want: number) => {
      const k = fits(size);
      if (k === 0) return false;
      for (let r = 0; r < k; r++) if (v.getUint16(r * size + verAt, true) >> 8 !== want) return false;
      return true;
    };
    if (test(VSCSI_V2_RECORD_BYTES, 2, 2)) this.version = 2;
    else if (test(VSCSI_V1_RECORD_BYTES, 14, 1)) this.version = 1;
    else if (n === 0) throw StorageErrors.traceEmpty(this.name);
    else
      throw StorageErrors.traceBadHeader(
        this.name,
        n < VSCSI_V1_RECORD_BYTES
          ? `only ${n} bytes: too short for a vscsi record`
          : "not a vscsi trace: the first records' version fields are neither 1 (32-byte records) nor 2 (40-byte records)",
        this.advice,
      );
    this.recordBytes = this.version === 2 ? VSCSI_V2_RECORD_BYTES : VSCSI_V1_RECORD_BYTES;
  }

  private refill(): void {
    const rest = this.end - this.start;
    if (this.start > 0) {
      this.buf.copyWithin(0, this.start, this.end);
      this.start = 0;
      this.end = rest;
    }
    while (!this.eof && this.end < this.buf.length - VSCSI_V2_RECORD_BYTES) this.readMore();
  }

  private readMore(): void {
    const n = this.source.read(this.buf, this.end, this.buf.length - this.end);
    if (n === 0) this.eof = true;
    else this.end += n;
  }
}
