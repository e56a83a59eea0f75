import { closeSync, existsSync, fstatSync, fsyncSync, ftruncateSync, openSync, readSync, unlinkSync, writeSync } from "node:fs";
import { z } from "zod";
import { CoreErrors, checkOptionNames } from "../errors.js";
import { type BlockBackend, type BlockOp, SECTOR_SIZE } from "./backend.js";

/** Options of a `FileBackend`: the image file, its size and the fixed latency of each request. */
export interface FileBackendOptions {
  /** The raw disk image (QEMU `format=raw`). */
  path: string;
  /**
   * Disk size in bytes (a multiple of 512). With `create`, the size of the
   * new image; for an existing image, it must match (omit it to take the
   * file's size).
   */
  sizeBytes?: number;
  /** Create the image (sparse: `ftruncate`, no bytes written) if it does not exist. */
  create?: boolean;
  /** Service time per request in virtual ns (default 0); the host IO itself happens at the completion event. */
  latencyNs?: number;
}

/** A `FileBackend`'s saved state: only the disk's size (the bytes stay in the image file). */
export const FileBackendStateSchema = z.object({ version: z.literal(1), sizeBytes: z.number().int().positive() });

/**
 * A disk backed by a raw image file on the host. Requests move bytes with
 * synchronous reads and writes at their completion event, so a run in
 * virtual time stays deterministic; `flush` is an fsync. Host failures
 * throw `VmlabError`s with the path; a size mismatch is caught before the
 * file is touched, and an image this backend created is removed again if
 * sizing it fails.
 */
export class FileBackend implements BlockBackend {
  readonly path: string;
  readonly sizeBytes: number;
  readonly latencyNs: number;
  private fd: number | null;

  constructor(options: FileBackendOptions) {
    checkOptionNames(options, ["path", "sizeBytes", "create", "latencyNs"], CoreErrors.blockBadOption);
    const { path } = options;
    const lat = options.latencyNs ?? 0;
    if (!Number.isInteger(lat) || lat < 0) throw CoreErrors.blockBadOption("latencyNs", lat, "an integer number of ns >= 0");
    const want = options.sizeBytes;
    if (want !== undefined && (!Number.isInteger(want) || want <= 0 || want % SECTOR_SIZE !== 0)) throw CoreErrors.blockBadSize(want, path);
    this.path = path;
    this.latencyNs = lat;
    if (!existsSync(path)) {
      if (options.create !== true) throw CoreErrors.blockFileNotFound(path);
      if (want === undefined) throw CoreErrors.blockBadOption("sizeBytes", want, "the size of the image to create");
      let fd: number;
      try {
        fd = openSync(path, "wx+");
      } catch (e) {
        throw CoreErrors.blockFileUnwritable(path, e);
      }
      try {
        ftruncateSync(fd, want);
      } catch (e) {
        closeSync(fd);
        unlinkSync(path);
        throw CoreErrors.blockFileUnwritable(path, e);
      }
      this.fd = fd;
      this.sizeBytes = want;
      return;
    }
    let fd: number;
    try {
      fd = openSync(path, "r+");
    } catch (e) {
      throw CoreErrors.blockFileUnreadable(path, e);
    }
    const size = fstatSync(fd).size;
    const expected = want ?? size;
    if (size !== expected || size === 0 || size % SECTOR_SIZE !== 0) {
      closeSync(fd);
      if (size !== expected) throw CoreErrors.blockFileSizeMismatch(path, size, expected);
      throw CoreErrors.blockBadSize(size, path);
    }
    this.fd = fd;
    this.sizeBytes = size;
  }

  private handle(): number {
    if (this.fd === null) throw CoreErrors.blockFileUnreadable(this.path, new Error("the backend was closed"));
    return this.fd;
  }

  submit(_op: BlockOp, _offset: number, _length: number, nowNs: number): number {
    return nowNs + this.latencyNs;
  }

  read(offset: number, dst: Uint8Array): void {
    const fd = this.handle();
    let done = 0;
    try {
      while (done < dst.length) {
        const n = readSync(fd, dst, done, dst.length - done, offset + done);
        if (n === 0) break;
        done += n;
      }
    } catch (e) {
      throw CoreErrors.blockFileUnreadable(this.path, e);
    }
    // The image was size-checked: a short read means it shrank under us; what is missing reads as zeros.
    dst.fill(0, done);
  }

  write(offset: number, src: Uint8Array): void {
    const fd = this.handle();
    try {
      let done = 0;
      while (done < src.length) done += writeSync(fd, src, done, src.length - done, offset + done);
    } catch (e) {
      throw CoreErrors.blockFileUnwritable(this.path, e);
    }
  }

  flush(): void {
    try {
      fsyncSync(this.handle());
    } catch (e) {
      throw CoreErrors.blockFileUnwritable(this.path, e);
    }
  }

  /** Closes the image (idempotent). */
  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  save(): z.infer<typeof FileBackendStateSchema> {
    return { version: 1, sizeBytes: this.sizeBytes };
  }

  restore(state: unknown): void {
    const p = FileBackendStateSchema.safeParse(state);
    if (!p.success) throw CoreErrors.simBadState("file block backend", p.error.issues.map((i) => i.message).join("; "));
    if (p.data.sizeBytes !== this.sizeBytes)
      throw CoreErrors.simBadState("file block backend", `state is for ${p.data.sizeBytes} bytes, ${this.path} has ${this.sizeBytes}`);
  }
}
