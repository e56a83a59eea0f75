import type { DmaMemory } from "./dma.js";
import type { DescriptorChain } from "./virtqueue.js";

/**
 * Frames the driver's chain `raw` into `c`, a request slot's chain: entry 0 the
 * header's first descriptor, then the data segments, then the status byte
 * alone — whatever the driver's arrangement of descriptors (§2.6.4). The
 * header is the chain's first 16 bytes, the status its last byte; a
 * descriptor holding both header and write data, or read data and the
 * status, is split. Returns the header's bytes found (16 unless the
 * readable part is shorter), or -1 if the last byte is not device-writable. A
 * header split over several descriptors is gathered into `header`.
 */
export function frameChain(c: DescriptorChain, raw: DescriptorChain, header: Uint8Array, mem: DmaMemory): number {
  const n = raw.count;
  const last = n - 1;
  if (n < 1 || raw.writable[last] === 0 || raw.len[last] < 1) return -1;
  c.head = raw.head;
  c.addr[0] = raw.addr[0];
  c.len[0] = 16;
  c.writable[0] = 0;
  c.count = 1;
  let got = 0;
  let i = 0;
  let skip = 0;
  // Header bytes: from the leading device-readable descriptors.
  if (raw.writable[0] === 0 && raw.len[0] >= 16) skip = 16;
  else {
    const u8 = mem.u8;
    const base = mem.base;
    for (; i < n && got < 16 && raw.writable[i] === 0; i++) {
      const take = Math.min(16 - got, raw.len[i]);
      header.set(u8.subarray(raw.addr[i] - base, raw.addr[i] - base + take), got);
      got += take;
      if (take < raw.len[i]) {
        skip = take;
        break;
      }
    }
    if (got < 16) return got;
  }
  // Data: everything after the header and before the status byte.
  for (; i < n; i++) {
    const len = raw.len[i] - skip - (i === last ? 1 : 0);
    if (len > 0) {
      c.addr[c.count] = raw.addr[i] + skip;
      c.len[c.count] = len;
      c.writable[c.count] = raw.writable[i];
      c.count++;
    }
    skip = 0;
  }
  c.addr[c.count] = raw.addr[last] + raw.len[last] - 1;
  c.len[c.count] = 1;
  c.writable[c.count] = 1;
  c.count++;
  return 16;
}
