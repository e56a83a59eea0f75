import { createHash } from "node:crypto";
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { StorageErrors } from "../errors.js";
import type { ByteSource } from "./source.js";

/**
 * A file read in fixed-size chunks with synchronous reads: constant memory
 * whatever the file's size. The only place in trace/ that touches the file
 * system (house rule 2: IO at the edges).
 */
export function fileSource(path: string): ByteSource {
  let fd: number;
  try {
    // "-" is standard input (a pipe from blkparse, zcat, ...); it stays open.
    fd = path === "-" ? 0 : openSync(path, "r");
  } catch (e) {
    throw openError(path, e);
  }
  // Opening a directory succeeds; only its first read fails (EISDIR), which reads as a permissions problem.
  if (path !== "-" && fstatSync(fd).isDirectory()) {
    closeSync(fd);
    throw StorageErrors.traceIsDirectory(path);
  }
  let open = path !== "-";
  return {
    read(buf, offset, length) {
      try {
        return readSync(fd, buf, offset, length, null);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "EOF") return 0;
        throw StorageErrors.traceUnreadable(path, e instanceof Error ? e.message : String(e));
      }
    },
    close() {
      if (open) closeSync(fd);
      open = false;
    },
  };
}

function openError(path: string, e: unknown) {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return StorageErrors.traceNotFound(path);
  return StorageErrors.traceUnreadable(path, e instanceof Error ? e.message : String(e));
}

/**
 * A file's size in bytes and the SHA-256 of its contents (hex), read in fixed-size chunks (constant memory): what
 * identifies a user's trace in a run's results, whatever its path.
 */
export function fileDigest(path: string): { bytes: number; sha256: string } {
  const source = fileSource(path);
  const hash = createHash("sha256");
  const buf = new Uint8Array(1 << 20);
  let bytes = 0;
  try {
    for (let n = source.read(buf, 0, buf.length); n > 0; n = source.read(buf, 0, buf.length)) {
      hash.update(buf.subarray(0, n));
      bytes += n;
    }
  } finally {
    source.close();
  }
  return { bytes, sha256: hash.digest("hex") };
}
