/**
 * vmlab's error type and core-vm's catalogue of codes.
 *
 * Host-side failures throw `VmlabError` with a stable code `VMLAB_<AREA>_<WHAT>`
 * and a message that says what to do. Guest faults are never thrown: they are
 * traps delivered to the guest.
 */
export class VmlabError extends Error {
  override readonly name = "VmlabError";
  readonly code: string;
  /** Extra machine-readable facts (file, line, key, ...). */
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: string, message: string, details: Record<string, unknown> = {}, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
    this.details = details;
  }
}

/** A failed schema parse's issues as one line ("path: message; …"), for a `VmlabError` about bad saved state or input. */
export function describeIssues(error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] }): string {
  return error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
}

/**
 * Refuses an option not in `known` with `fail(name, value, expected)`: a misspelt option would otherwise be
 * dropped and its default used without a word. A name every object inherits (`toString`) is unknown too.
 * The one such check of every package: each passes its own `fail`, which keeps its error code and text.
 */
export function checkOptionNames(
  options: object,
  known: readonly string[],
  fail: (option: string, value: unknown, expected: string) => VmlabError,
): void {
  for (const k of Object.keys(options))
    if (!known.includes(k))
      throw fail(k, (options as Record<string, unknown>)[k], `one of the options ${known.join(", ")} (is it misspelt?)`);
}

/** Whether `e` is a `VmlabError`, also one from another copy of core-vm (same name, a string `code`). */
export function isVmlabError(e: unknown): e is VmlabError {
  return e instanceof VmlabError || (e instanceof Error && e.name === "VmlabError" && typeof (e as VmlabError).code === "string");
}

/** What to do about a snapshot that could not be written, by its error code (`why` starts with it). */
function unwritableAdvice(why: string): string {
  if (/^(ENOSPC|EDQUOT)\b/.test(why)) return "the file system is full (or over quota): free some space or save elsewhere";
  if (/^EISDIR\b/.test(why)) return "give the path of a file";
  if (/^(EROFS|EACCES|EPERM)\b/.test(why)) return "that directory cannot be written: save elsewhere";
  return "check that the directory exists and is writable";
}

/** core-vm's catalogue: every code this package throws, with its message. */
export const CoreErrors = {
  simTimeInPast: (at: number, now: number) =>
    new VmlabError(
      "VMLAB_SIM_TIME_IN_PAST",
      Number.isNaN(at)
        ? `cannot schedule an event at t=NaN ns; give a time in ns >= the clock (${now} ns)`
        : `cannot schedule an event at t=${at} ns: the clock is already at ${now} ns; schedule with a delay >= 0`,
      { at, now },
    ),
  simBadDelay: (delay: number, now = 0) =>
    new VmlabError(
      "VMLAB_SIM_BAD_DELAY",
      `event delay must be a finite number of nanoseconds >= 0 that keeps the event within 2^53 ns (≈104 days, where whole ns stay exact), got ${delay} at t=${now} ns; round or clamp it before scheduling`,
      { delay, now },
    ),
  simBadRunOption: (option: string, value: number) =>
    new VmlabError(
      "VMLAB_SIM_BAD_RUN_OPTION",
      `run option ${option} must be ${option === "until" ? "a virtual time in ns" : "a whole number of events >= 0 (or Infinity)"}, got ${value}; check the value it was computed from`,
      { option, value },
    ),
  simUnknownRunOption: (option: string) =>
    new VmlabError("VMLAB_SIM_BAD_RUN_OPTION", `unknown run option "${option}"; the options are until, maxEvents`, { option }),
  simOverRelease: (capacity: number) =>
    new VmlabError(
      "VMLAB_SIM_OVER_RELEASE",
      `Resource.release() with no unit held (capacity ${capacity}): a process released a unit it never took, or released one twice`,
      { capacity },
    ),
  simNoHandler: (kind: string) =>
    new VmlabError(
      "VMLAB_SIM_NO_HANDLER",
      `no handler registered for event kind "${kind}"; call sim.on("${kind}", handler) before running`,
      { kind },
    ),
  simBadKind: (kind: unknown, issue: string) =>
    new VmlabError("VMLAB_SIM_BAD_KIND", `event kind ${typeof kind === "string" ? `"${kind}"` : String(kind)} ${issue}`, {
      kind: String(kind),
    }),
  simBadOption: (option: string, value: unknown, expected: string) =>
    new VmlabError(
      "VMLAB_SIM_BAD_OPTION",
      `simulation option ${option}=${typeof value === "string" ? JSON.stringify(value) : String(value)} is invalid: expected ${expected}`,
      { option, value },
    ),
  simDuplicateHandler: (kind: string) =>
    new VmlabError(
      "VMLAB_SIM_DUPLICATE_HANDLER",
      `a handler for event kind "${kind}" is already registered; use one handler per kind and dispatch on the payload`,
      { kind },
    ),
  simNotSavable: (issue: string) => new VmlabError("VMLAB_SIM_NOT_SAVABLE", `cannot save the simulation now: ${issue}`, { issue }),
  /** `facts`: extra details for a caller that words a known cause itself (a resized disk image, say). */
  simBadState: (what: string, issue: string, facts: Record<string, unknown> = {}) =>
    new VmlabError(
      "VMLAB_SIM_BAD_STATE",
      `saved ${what} state is invalid (${issue}); the snapshot is corrupt or from an incompatible vmlab version`,
      { ...facts, what, issue },
    ),
  simRestoreBusy: (running: number) =>
    new VmlabError(
      "VMLAB_SIM_BAD_STATE",
      `cannot restore into this simulation: ${running === 1 ? "1 process is" : `${running} processes are`} unfinished in it, and a restore would drop their queued resumptions; restore into a fresh simulation, or once every process has finished`,
      { running },
    ),
  simProcessError: (name: string, cause: unknown) =>
    new VmlabError(
      "VMLAB_SIM_PROCESS_FAILED",
      `process "${name}" threw: ${cause instanceof Error ? cause.message : String(cause)}`,
      { name },
      { cause },
    ),
  simBadYield: (name: string, value: unknown) =>
    new VmlabError(
      "VMLAB_SIM_BAD_YIELD",
      `process "${name}" yielded ${typeof value}; yield a number (timeout in ns), sim.timeout(), an event, a resource request or a store get`,
      { name },
    ),
  simForeignWait: (name: string, what: string) =>
    new VmlabError(
      "VMLAB_SIM_BAD_YIELD",
      `process "${name}" waited on a ${what} of another Simulation; a process can wait only on what was made with its own simulation (a Host's VMs each have their own: pass work between them as events or through their devices)`,
      { name, what },
    ),
  simSelfWait: (name: string) =>
    new VmlabError(
      "VMLAB_SIM_BAD_YIELD",
      `process "${name}" waited for itself to finish, which it never can; wait for another process, or return instead`,
      { name },
    ),
  simBadProcess: (name: string, value: unknown) =>
    new VmlabError(
      "VMLAB_SIM_BAD_PROCESS",
      `process "${name}" was started from ${typeof value}, not a generator; pass a generator function (function* () {...}) or a generator object`,
      { name },
    ),
  rngBadParameter: (dist: string, issue: string) =>
    new VmlabError("VMLAB_RNG_BAD_PARAMETER", `${dist} distribution: ${issue}`, { dist, issue }),
  rngBadSeed: (what: string, value: unknown) =>
    new VmlabError(
      "VMLAB_RNG_BAD_SEED",
      `${what} must be ${what === "stream name" ? "a string" : "a safe integer (|seed| < 2^53)"}, got ${typeof value === "string" ? JSON.stringify(value) : String(value)}; check the config field it came from`,
      { what, value },
    ),
  metricsBadValue: (metric: string, value: unknown, must = "finite and >= 0") =>
    new VmlabError("VMLAB_METRICS_BAD_VALUE", `metric "${metric}" cannot record ${String(value)}: values must be ${must}`, {
      metric,
      value,
    }),
  metricsBadQuantile: (metric: string, q: number, percentile: boolean) =>
    new VmlabError(
      "VMLAB_METRICS_BAD_QUANTILE",
      percentile
        ? `histogram "${metric}": percentile ${q} is not in [0, 100]`
        : `histogram "${metric}": quantile ${q} is not in [0, 1]${q > 1 && q <= 100 ? `; for the ${q}th percentile call percentile(${q}) or quantile(${q / 100})` : ""}`,
      { metric, value: q },
    ),
  elfTruncated: (what: string, need: number, have: number) =>
    new VmlabError(
      "VMLAB_ELF_TRUNCATED",
      `ELF file is truncated: ${what} needs ${need} bytes but the file has ${have}; rebuild or re-copy the file`,
      { what, need, have },
    ),
  elfBadMagic: () =>
    new VmlabError("VMLAB_ELF_BAD_MAGIC", "not an ELF file (no \\x7fELF magic); pass a bare-metal RISC-V ELF executable", {}),
  elfBadClass: (cls: number) =>
    new VmlabError(
      "VMLAB_ELF_BAD_CLASS",
      `ELF class ${cls === 2 ? "64-bit" : cls} is not supported: vmlab runs 32-bit RISC-V; build with -march=rv32ima_zicsr_zifencei -mabi=ilp32`,
      { cls },
    ),
  elfBadEndian: (data: number) =>
    new VmlabError("VMLAB_ELF_BAD_ENDIAN", `ELF data encoding ${data} is not little-endian; RISC-V ELFs are little-endian`, { data }),
  elfBadMachine: (machine: number) =>
    new VmlabError(
      "VMLAB_ELF_BAD_MACHINE",
      `ELF machine ${machine} is not RISC-V (243); build the program with a RISC-V toolchain (riscv64-unknown-elf-gcc -march=rv32ima_zicsr_zifencei -mabi=ilp32)`,
      { machine },
    ),
  elfBadType: (type: number) =>
    new VmlabError(
      "VMLAB_ELF_BAD_TYPE",
      `ELF type ${type} is not an executable (ET_EXEC = 2); link the program, don't pass an object file`,
      {
        type,
      },
    ),
  elfBadSegment: (index: number, issue: string) =>
    new VmlabError("VMLAB_ELF_BAD_SEGMENT", `ELF program header ${index} is malformed: ${issue}`, { index, issue }),
  elfNoSegments: () =>
    new VmlabError(
      "VMLAB_ELF_BAD_SEGMENTS",
      "ELF file has no loadable (PT_LOAD) segment; link it with a linker script for RAM at 0x80000000",
      {},
    ),
  elfSegmentOutsideRam: (index: number, start: number, end: number, ramStart: number, ramEnd: number) =>
    new VmlabError(
      "VMLAB_ELF_SEGMENT_OUTSIDE_RAM",
      `ELF segment ${index} [0x${start.toString(16)}, 0x${end.toString(16)}) lies outside RAM [0x${ramStart.toString(16)}, 0x${ramEnd.toString(16)}); link it at 0x80000000 or give the machine more RAM`,
      { index, start, end, ramStart, ramEnd },
    ),
  machineBadRam: (bytes: number) =>
    new VmlabError(
      "VMLAB_MACHINE_BAD_RAM",
      `RAM size ${bytes} bytes is invalid: use a whole number of 4 KiB pages between 4 KiB and 1792 MiB (e.g. --ram 128)`,
      { bytes },
    ),
  machineBadOption: (option: string, value: unknown, expected: string) =>
    new VmlabError("VMLAB_MACHINE_BAD_OPTION", `machine option ${option}=${String(value)} is invalid: expected ${expected}`, {
      option,
      value,
    }),
  /** `path`: the image file, when the size is a file's (with several disks, the one to fix). */
  blockBadSize: (bytes: number, path?: string) =>
    new VmlabError(
      "VMLAB_BLOCK_BAD_SIZE",
      `${path === undefined ? "disk size" : `disk image ${path}: size`} ${bytes} bytes is invalid: use a whole number of 512-byte sectors > 0 (e.g. 64 MiB = 67108864)`,
      path === undefined ? { bytes } : { bytes, path },
    ),
  blockBadOption: (option: string, value: unknown, expected: string) =>
    new VmlabError("VMLAB_BLOCK_BAD_OPTION", `block backend option ${option}=${String(value)} is invalid: expected ${expected}`, {
      option,
      value,
    }),
  blockFileSizeMismatch: (path: string, actual: number, expected: number) =>
    new VmlabError(
      "VMLAB_BLOCK_BAD_FILE_SIZE",
      `disk image ${path} is ${actual} bytes but the disk is ${expected}; pass the image's size, or create a new image with create: true at a new path`,
      { path, actual, expected },
    ),
  blockUnknownModel: (name: string, known: readonly string[]) =>
    new VmlabError(
      "VMLAB_BLOCK_UNKNOWN_MODEL",
      `unknown disk model "${name}"; ${known.length > 0 ? `available: ${known.join(", ")}` : "no package offers disk models"}`,
      { name, known: [...known] },
    ),
  /** A disk model refused the image it was to time (too large for the modeled drive, ...): names both. */
  blockModelRefused: (path: string, model: string, why: string) =>
    new VmlabError("VMLAB_BLOCK_MODEL_REFUSED", `disk image ${path} cannot go on the "${model}" disk model: ${why}`, { path, model, why }),
  blockFileNotFound: (path: string) =>
    new VmlabError("VMLAB_BLOCK_FILE_NOT_FOUND", `disk image ${path} does not exist; create it with create: true or check the path`, {
      path,
    }),
  blockFileUnreadable: (path: string, cause: unknown) =>
    new VmlabError(
      "VMLAB_BLOCK_FILE_UNREADABLE",
      `cannot open or read disk image ${path}: ${cause instanceof Error ? cause.message : String(cause)}; check the path and its permissions`,
      { path },
      { cause },
    ),
  blockFileUnwritable: (path: string, cause: unknown) =>
    new VmlabError(
      "VMLAB_BLOCK_FILE_UNWRITABLE",
      `cannot create or write disk image ${path}: ${cause instanceof Error ? cause.message : String(cause)}; check the folder exists and is writable, and that the disk has space`,
      { path },
      { cause },
    ),
  virtioBadSlot: (slot: number) =>
    new VmlabError(
      "VMLAB_VIRTIO_BAD_SLOT",
      `virtio-mmio slot ${slot} does not exist: the virt board has slots 0..7 (0x10001000 + 0x1000*slot)`,
      {
        slot,
      },
    ),
  virtioSlotInUse: (slot: number) =>
    new VmlabError("VMLAB_VIRTIO_SLOT_IN_USE", `virtio-mmio slot ${slot} already holds a device; attach each device to a free slot 0..7`, {
      slot,
    }),
  virtioBadOption: (option: string, value: unknown, expected: string) =>
    new VmlabError("VMLAB_VIRTIO_BAD_OPTION", `virtio device option ${option}=${String(value)} is invalid: expected ${expected}`, {
      option,
      value,
    }),
  virtioBlkNotQuiescent: (device: string, pending: number) =>
    new VmlabError(
      "VMLAB_VIRTIO_NOT_QUIESCENT",
      `cannot save or restore ${device} virtio-blk: ${pending} requests are still in its asynchronous block backend (no event in the queue stands for them); run the simulation until the disk is idle (the guest between IOs), then save`,
      { device, pending },
    ),
  netBadOption: (option: string, value: unknown, expected: string) =>
    new VmlabError("VMLAB_NET_BAD_OPTION", `virtual switch option ${option}=${String(value)} is invalid: expected ${expected}`, {
      option,
      value,
    }),
  netDuplicateSwitch: (name: string) =>
    new VmlabError(
      "VMLAB_NET_DUPLICATE_SWITCH",
      `virtual switch "${name}": another switch of that name already has ports in this simulation; give each switch connected to one simulation its own name, e.g. new VirtualSwitch("sw1") (the name is part of the event kinds a snapshot stores)`,
      { name },
    ),
  snapshotTruncated: (file: string, need: number, have: number) =>
    new VmlabError(
      "VMLAB_SNAPSHOT_TRUNCATED_FILE",
      `snapshot ${file} is truncated: it needs ${need} bytes but has ${have}; the copy or the save was cut short — take the snapshot again`,
      { file, need, have },
    ),
  snapshotBadMagic: (file: string) =>
    new VmlabError(
      "VMLAB_SNAPSHOT_BAD_MAGIC",
      `${file} is not a vmlab snapshot (no VMLABSNP magic); pass a file written by \`vmlab boot --save\``,
      { file },
    ),
  snapshotCorrupt: (file: string, section: string, expected: number, actual: number) =>
    new VmlabError(
      "VMLAB_SNAPSHOT_CORRUPT_SECTION",
      `snapshot ${file}: section "${section}" fails its checksum (stored xxh32 ${expected.toString(16)}, computed ${actual.toString(16)}); the file is damaged — take the snapshot again`,
      { file, section, expected, actual },
    ),
  snapshotMalformed: (file: string, section: string, issue: string) =>
    new VmlabError("VMLAB_SNAPSHOT_MALFORMED_SECTION", `snapshot ${file}: section "${section}" is malformed (${issue})`, {
      file,
      section,
      issue,
    }),
  snapshotBadFormatVersion: (file: string, version: number, supported: number) =>
    new VmlabError(
      "VMLAB_SNAPSHOT_BAD_FORMAT_VERSION",
      `snapshot ${file} has format version ${version}; this vmlab reads version ${supported} — resume it with the vmlab version that wrote it`,
      { file, version, supported },
    ),
  snapshotBadComponentVersion: (file: string, component: string, version: number, supported: number) =>
    new VmlabError(
      "VMLAB_SNAPSHOT_BAD_COMPONENT_VERSION",
      `snapshot ${file}: component "${component}" is at version ${version}; this vmlab reads version ${supported} — resume it with the vmlab version that wrote it`,
      { file, component, version, supported },
    ),
  snapshotInvalidState: (file: string, component: string, issue: string) =>
    new VmlabError(
      "VMLAB_SNAPSHOT_INVALID_STATE",
      `snapshot ${file}: the saved ${component} state fails its schema (${issue}); the snapshot is corrupt or from an incompatible vmlab version`,
      { file, component, issue },
    ),
  snapshotDiskResized: (file: string, device: string, savedBytes: number, imageBytes: number) =>
    new VmlabError(
      "VMLAB_SNAPSHOT_BAD_DISK_SIZE",
      `snapshot ${file}: the disk of ${device} was ${savedBytes} bytes when the snapshot was taken, its image now has ${imageBytes}; resume with the disk image as it was then (a snapshot does not hold the disk's contents)`,
      { file, device, savedBytes, imageBytes },
    ),
  snapshotUnreadable: (file: string, why: string) =>
    new VmlabError("VMLAB_SNAPSHOT_UNREADABLE_FILE", `cannot read snapshot ${file} (${why}); check the path and its permissions`, {
      file,
      why,
    }),
  snapshotUnwritable: (file: string, why: string) =>
    new VmlabError(
      "VMLAB_SNAPSHOT_UNWRITABLE_FILE",
      `cannot write snapshot ${file} (${why}); ${unwritableAdvice(why)} — nothing was written`,
      {
        file,
        why,
      },
    ),
  snapshotNotDurable: (file: string, why: string) =>
    new VmlabError(
      "VMLAB_SNAPSHOT_NOT_DURABLE",
      `snapshot ${file} was written, but its directory could not be synced to disk (${why}); the file may not survive a host crash`,
      { file, why },
    ),
  hostBadOption: (option: string, value: unknown, expected: string) =>
    new VmlabError("VMLAB_HOST_BAD_OPTION", `host option ${option}=${String(value)} is invalid: expected ${expected}`, {
      option,
      value,
    }),
  snapshotBadOption: (option: string, value: unknown, expected: string) =>
    new VmlabError("VMLAB_SNAPSHOT_BAD_OPTION", `snapshot option ${option}=${String(value)} is invalid: expected ${expected}`, {
      option,
      value,
    }),
} as const;
