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
