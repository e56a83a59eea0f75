/**
 * Where a reader's bytes come from: a file (see `file-source.ts`) or memory.
 * `read` fills `buf[offset, offset+length)` and returns how many bytes it
 * wrote, 0 at the end.
 */
export interface ByteSource {
  read(buf: Uint8Array, offset: number, length: number): number;
  close(): void;
}

/**
 * A source over bytes already in memory (tests, benchmarks, generated traces). With `chunkSizes`, each read hands
 * out at most the next of those sizes (cycled), so lines and records straddle chunk boundaries as a test chooses.
 */
export function bytesSource(bytes: Uint8Array, chunkSizes?: readonly number[]): ByteSource {
  let pos = 0;
  let k = 0;
  return {
    read(buf, offset, length) {
      const most = chunkSizes === undefined ? length : Math.min(length, chunkSizes[k++ % chunkSizes.length]);
      const n = Math.min(most, bytes.length - pos);
      buf.set(bytes.subarray(pos, pos + n), offset);
      pos += n;
      return n;
    },
    close() {},
  };
}

/** A source over a string, encoded as UTF-8. */
export function textSource(text: string): ByteSource {
  return bytesSource(new TextEncoder().encode(text));
}
