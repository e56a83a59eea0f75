import { closeSync, fstatSync, fsyncSync, openSync, readSync, renameSync, unlinkSync, writevSync } from "node:fs";
import { dirname } from "node:path";
import { CoreErrors, isVmlabError } from "../errors.js";
import { lastSectionOffset } from "./envelope.js";
import type { MemoryImageOptions } from "./memory-image.js";
import { encodeSnapshot, restoreSnapshot, restoreSnapshotFromParts, type SnapshotSubject, type SubjectFactory } from "./snapshot.js";

/** Bytes read first: the header, the TOC and the small sections of a typical snapshot. */
const HEAD_GUESS = 64 * 1024;

/** Options of writing a snapshot file: the memory image's compression and whether the write is made durable. */
export interface WriteSnapshotOptions extends MemoryImageOptions {
  /**
   * fsync the file before the rename and its directory after it, so the new file under its name survives a
   * host crash (default false: atomic for readers, not durable).
   */
  durable?: boolean;
}

function why(e: unknown): string {
  return e instanceof Error && "code" in e ? String(e.code) : e instanceof Error ? e.message : String(e);
}

/**
 * Writes chunks to `path` atomically: a temporary file beside it, then a rename. On failure nothing is left
 * (with `durable`, a failure to sync the directory after the rename leaves the new file in place and says so).
 */
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
  } catch (e) {
    if (fd >= 0) closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {
      // Nothing to clean up.
    }
    throw CoreErrors.snapshotUnwritable(path, why(e));
  }
  // The rename lives in the directory: until the directory is on disk, a crash may bring back the old file.
  if (durable) {
    try {
      fsyncDirectory(dirname(path));
    } catch (e) {
      throw CoreErrors.snapshotNotDurable(path, why(e));
    }
  }
  return bytes;
}

function fsyncDirectory(dir: string): void {
  const fd = openSync(dir, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Saves a snapshot of `subject` to `path` (atomically); returns the file's size in bytes. */
export function writeSnapshotFile(path: string, subject: SnapshotSubject, options: WriteSnapshotOptions = {}): number {
  return writeFileAtomic(path, encodeSnapshot(subject, options), options.durable ?? false);
}

/** Reads exactly `dst.length` bytes at `position`; a short read means the file is shorter than its TOC says. */
function readExactly(fd: number, dst: Uint8Array, position: number, path: string, fileLength: number): void {
  let done = 0;
  while (done < dst.length) {
    const n = readSync(fd, dst, done, dst.length - done, position + done);
    if (n === 0) throw CoreErrors.snapshotTruncated(path, position + dst.length, Math.min(fileLength, position + done));
    done += n;
  }
}

/**
 * Reads and restores a snapshot file into a freshly built subject (see
 * `restoreSnapshot`). The file is read in two parts when it can be: up to
 * the memory pages, then the pages straight into the new machine's RAM.
 */
export function readSnapshotFile(path: string, factory?: SubjectFactory): SnapshotSubject {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (e) {
    throw CoreErrors.snapshotUnreadable(path, why(e));
  }
  try {
    let size: number;
    let head: Uint8Array;
    try {
      size = fstatSync(fd).size;
      head = new Uint8Array(Math.min(size, HEAD_GUESS));
      readExactly(fd, head, 0, path, size);
    } catch (e) {
      if (isVmlabError(e)) throw e;
      throw CoreErrors.snapshotUnreadable(path, why(e));
    }
    let hint = lastSectionOffset(head, "memory.pages");
    if (hint !== null && hint.offset < 0 && hint.tocEnd <= size) {
      const bigger = new Uint8Array(hint.tocEnd);
      readExactly(fd, bigger, 0, path, size);
      head = bigger;
      hint = lastSectionOffset(head, "memory.pages");
    }
    if (hint === null || hint.offset < 0 || hint.offset > size) {
      // Not the usual layout: read it whole and let the decoder say what is wrong.
      const all = new Uint8Array(size);
      readExactly(fd, all, 0, path, size);
      return restoreSnapshot(all, path, factory);
    }
    const prefix = new Uint8Array(hint.offset);
    prefix.set(head.subarray(0, Math.min(head.length, hint.offset)));
    if (head.length < hint.offset) readExactly(fd, prefix.subarray(head.length), head.length, path, size);
    const fileFd = fd;
    return restoreSnapshotFromParts(
      prefix.subarray(0, Math.min(prefix.length, size)),
      size,
      (dst, at) => readExactly(fileFd, dst, at, path, size),
      path,
      factory,
    );
  } finally {
    closeSync(fd);
  }
}
