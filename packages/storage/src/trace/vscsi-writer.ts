import { newTraceRecord, type TraceRecordSource } from "./record.js";
import { VSCSI_V1_RECORD_BYTES, VSCSI_V2_RECORD_BYTES } from "./vscsi.js";

/**
 * The `ts` of a written trace's first record, µs: a host-uptime-like clock
 * (7 days) above 2^32, so the 64-bit field's high word is exercised. Readers
 * rebase times to the first record, so any value gives the same trace.
 */
export const VSCSI_EPOCH_US = 7 * 86_400 * 1_000_000;

/** SCSI opcodes: READ/WRITE(10) while the LBA and length fit their 32/16-bit fields, else READ/WRITE(16). */
const READ_10 = 0x28;
const WRITE_10 = 0x2a;
const READ_16 = 0x88;
const WRITE_16 = 0x8a;
/** Guest pages per scatter-gather element: `nSG` counts 4 KiB pieces. */
const SG_BYTES = 4096;

/**
 * Writes records in the `.vscsi` layout that `VscsiReader` reads (see
 * `vscsi.ts`): v1 (32-byte records, no response time) or v2 (40-byte records
 * with the response time in µs). Times must be whole µs (`issueNs`,
 * `responseNs` multiples of 1000) to round-trip exactly; a record without a
 * response time (−1) is written with 0 in v2.
 */
export function writeVscsiTrace(source: TraceRecordSource, version: 1 | 2, epochUs = VSCSI_EPOCH_US): Uint8Array {
  const size = version === 1 ? VSCSI_V1_RECORD_BYTES : VSCSI_V2_RECORD_BYTES;
  let out = new Uint8Array(size * 4096);
  let view = new DataView(out.buffer);
  const rec = newTraceRecord();
  let n = 0;
  while (source.next(rec)) {
    if ((n + 1) * size > out.length) {
      const bigger = new Uint8Array(out.length * 2);
      bigger.set(out);
      out = bigger;
      view = new DataView(out.buffer);
    }
    const at = n * size;
    n++;
    const wide = rec.lba + rec.sectors > 2 ** 32 || rec.sectors > 0xffff;
    const cmd = rec.isRead ? (wide ? READ_16 : READ_10) : wide ? WRITE_16 : WRITE_10;
    const nSg = Math.max(1, Math.ceil(rec.bytes / SG_BYTES));
    const tsUs = epochUs + Math.floor(rec.issueNs / 1000);
    if (version === 1) {
      view.setUint32(at, n, true);
      view.setUint32(at + 4, rec.bytes, true);
      view.setUint32(at + 8, nSg, true);
      view.setUint16(at + 12, cmd, true);
      view.setUint16(at + 14, 0x0100, true);
    } else {
      view.setUint16(at, cmd, true);
      view.setUint16(at + 2, 0x0200, true);
      view.setUint32(at + 4, n, true);
      view.setUint32(at + 8, rec.bytes, true);
      view.setUint32(at + 12, nSg, true);
      setU64(view, at + 32, Math.max(0, Math.floor(rec.responseNs / 1000)));
    }
    setU64(view, at + 16, rec.lba);
    setU64(view, at + 24, tsUs);
  }
  return out.slice(0, n * size);
}

function setU64(view: DataView, at: number, x: number): void {
  view.setUint32(at, x % 2 ** 32, true);
  view.setUint32(at + 4, Math.floor(x / 2 ** 32), true);
}
