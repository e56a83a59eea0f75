import { createHash } from "node:crypto";
import type { ByteSource } from "./source.js";

/** A file's size in bytes and the SHA-256 of its contents (hex): what identifies a user's trace in a run's results. */
export interface FileDigest {
  bytes: number;
  sha256: string;
}

/**
 * One pass over a file that hashes what it reads, so the digest is of the bytes the pass read, not of a reading before
 * or after (a file changed or grown in between gave a sha256 of other bytes than the IOs read). `wrap` the file's
 * source before anything reads it; a reader may stop early (a cut, `maxIos`): `finish` reads the rest, to the end of
 * the file, into the hash, then closes the file. The reader's `close` leaves the file open for it; `close` (on an
 * error) closes it unread. Constant memory: one chunk at a time.
 */
export class HashedPass {
  private readonly hash = createHash("sha256");
  private source: ByteSource | null = null;
  private bytes = 0;

  /** `onRead`: told the bytes of each read `finish` makes (the reader's own reads are counted where it reads). */
  constructor(private readonly onRead: (bytes: number) => void = () => {}) {}

  /** `source`, every byte read from it hashed; its `close` waits for `finish` or `close`. */
  wrap(source: ByteSource): ByteSource {
    this.source = source;
    return {
      read: (buf, offset, length) => {
        const n = source.read(buf, offset, length);
        if (n > 0) {
          this.hash.update(buf.subarray(offset, offset + n));
          this.bytes += n;
        }
        return n;
      },
      close: () => {},
    };
  }

  /** Reads the file on to its end into the hash, closes it: the size and SHA-256 of all this pass read. */
  finish(): FileDigest {
    const source = this.source;
    if (source !== null) {
      const buf = new Uint8Array(1 << 20);
      try {
        for (let n = source.read(buf, 0, buf.length); n > 0; n = source.read(buf, 0, buf.length)) {
          this.hash.update(buf.subarray(0, n));
          this.bytes += n;
          this.onRead(n);
        }
      } finally {
        this.close();
      }
    }
    return { bytes: this.bytes, sha256: this.hash.digest("hex") };
  }

  /** Closes the file without reading the rest (a pass that failed). */
  close(): void {
    this.source?.close();
    this.source = null;
  }
}
