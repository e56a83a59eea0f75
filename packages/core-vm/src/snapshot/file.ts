import { closeSync, fsyncSync, openSync, readFileSync, renameSync, unlinkSync, writevSync } from "node:fs";
import { CoreErrors } from "../errors.js";
import type { MemoryImageOptions } from "./memory-image.js";
import { encodeSnapshot, restoreSnapshot, type SnapshotSubject, type SubjectFactory } from "./snapshot.js";

export interface WriteSnapshotOptions extends MemoryImageOptions {
  /** fsync the file before the rename, so it survives a host crash (default false: atomic for readers, not durable). */
  durable?: boolean;
}

function why(e: unknown): string {
  return e instanceof Error && "code" in e ? String(e.code) : e instanceof Error ? e.message : String(e);
}

/** Writes chunks to `path` atomically: a temporary file beside it, then a rename. On failure nothing is left. */
export function writeFileAtomic(path: string, chunks: readonly Uint8Array[], durable = false): number {
  const tmp = `${path}.tmp-${process.pid}`;
  let fd = -1;
  let bytes = 0;
  try {
    fd = openSync(tmp, "w", 0o644);
    // writev may write less than asked: loop until every chunk is out.
    let pending = chunks.filter((c) => c.length > 0);
    while (pending.length > 0) {
      let n = writevSync(fd, pending);
      bytes += n;
      const rest: Uint8Array[] = [];
      for (const c of pending) {
        if (n >= c.length) n -= c.length;
        else {
          rest.push(n === 0 ? c : c.subarray(n));
          n = 0;
        }
      }
      pending = rest;
    }
    if (durable) fsyncSync(fd);
    closeSync(fd);
    fd = -1;
    renameSync(tmp, path);
    return bytes;
  } catch (e) {
    if (fd >= 0) closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {
      // Nothing to clean up.
    }
    throw CoreErrors.snapshotUnwritable(path, why(e));
  }
}

/** Saves a snapshot of `subject` to `path` (atomically); returns the file's size in bytes. */
export function writeSnapshotFile(path: string, subject: SnapshotSubject, options: WriteSnapshotOptions = {}): number {
  return writeFileAtomic(path, encodeSnapshot(subject, options), options.durable ?? false);
}

/** Reads and restores a snapshot file into a freshly built subject (see `restoreSnapshot`). */
export function readSnapshotFile(path: string, factory?: SubjectFactory): SnapshotSubject {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw CoreErrors.snapshotUnreadable(path, why(e));
  }
  return restoreSnapshot(bytes, path, factory);
}
