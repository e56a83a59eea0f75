import { z } from "zod";
import { attachDevices, type DeviceSpec, DeviceSpecSchema } from "../board/devices.js";
import { Machine, type MachineState, MachineStateSchema } from "../board/machine.js";
import { CoreErrors, isVmlabError } from "../errors.js";
import { PAGE_SIZE } from "../memory/ram.js";
import type { DiskModel } from "../plugin-api.js";
import { RngStreams, RngStreamsStateSchema } from "../sim/rng.js";
import { type SimulationState, SimulationStateSchema } from "../sim/simulation.js";
import type { SnapshotComponent } from "./component.js";
import { type DeferredSection, decodeEnvelope, encodeEnvelope, type Section } from "./envelope.js";
import {
  applyMemoryImage,
  decodeMemoryImage,
  decodeMemoryMap,
  encodeMemoryImage,
  type MemoryImage,
  type MemoryImageOptions,
  type MemoryMap,
} from "./memory-image.js";
import { xxhash32, xxhash32Chunks } from "./xxhash32.js";

/** How to rebuild the machine a snapshot came from (its devices then register their event kinds). */
export const MachineConfigSchema = z.object({
  ramMiB: z.number().int().min(1).max(1792),
  nsPerInstruction: z.number().int().min(1),
  /** The virtio devices to rebuild (`board/devices.ts`); absent for a bare machine. */
  devices: z.array(DeviceSpecSchema).optional(),
});
/** How to rebuild the machine a snapshot came from (`MachineConfigSchema`). */
export type MachineConfig = z.infer<typeof MachineConfigSchema>;

/** What a snapshot holds: a machine, further components (devices, models) and optionally PRNG streams. */
export interface SnapshotSubject {
  machine: Machine;
  /** Saved as one section each; a restore must build components with the same names. */
  components?: readonly SnapshotComponent[];
  rng?: RngStreams;
  /** The machine's virtio devices as specs, recorded so the default factory can rebuild them. */
  devices?: readonly DeviceSpec[];
}

/**
 * Builds a fresh subject for a restore from the saved machine config: the
 * same devices, with their event kinds registered, in reset state. The
 * default builds a bare `virt` machine.
 */
export type SubjectFactory = (config: MachineConfig) => SnapshotSubject;

/** A factory that rebuilds the saved devices, disks on a timing model looked up in `diskModels`. */
export function deviceSubjectFactory(diskModels: readonly DiskModel[] = []): SubjectFactory {
  return (config) => {
    const machine = new Machine(config);
    const devices = config.devices === undefined ? undefined : attachDevices(machine, config.devices, diskModels);
    return { machine, devices };
  };
}

/** Rebuilds a snapshot's machine and its devices, knowing no disk timing model (`deviceSubjectFactory(diskModels)` for those). */
export const defaultSubjectFactory: SubjectFactory = deviceSubjectFactory();

/** Component versions written by this vmlab: the envelope records them, a restore refuses others. */
const CORE_VERSIONS = { config: 1, machine: 1, simulation: 1, virtio: 1, memory: 1, rng: 1 } as const;

/** The kernel's internal kind for process resumptions: never in a saved queue. */
const PROCESS_RESUME_KIND = "vmlab.process.resume";

const json = (name: string, value: unknown): Section => ({ name, chunks: [new TextEncoder().encode(JSON.stringify(value))] });

/**
 * Encodes a snapshot of `subject` as file chunks: config, machine, event
 * queue, PRNG streams, one section per component, and the memory image
 * (zero pages elided). The machine must be stopped between `run` calls, and
 * the chunks written before it runs again: raw memory chunks view RAM in place.
 */
export function encodeSnapshot(subject: SnapshotSubject, options: MemoryImageOptions = {}): Uint8Array[] {
  const m = subject.machine;
  const config: MachineConfig = { ramMiB: m.ram.size / (1024 * 1024), nsPerInstruction: m.nsPerInstruction };
  if (subject.devices !== undefined) config.devices = subject.devices.map((d) => DeviceSpecSchema.parse(d));
  const versions: Record<string, number> = { ...CORE_VERSIONS };
  // Every virtio slot's transport and device, in-flight requests included. Taken before the
  // event queue: a device that cannot be saved now (requests in an asynchronous backend,
  // whose model events are not plain data) says so in its own words.
  const virtio = m.virtio.save();
  const sections: Section[] = [json("config", config), json("machine", m.save()), json("simulation", m.sim.save()), json("virtio", virtio)];
  if (subject.rng !== undefined) sections.push(json("rng", subject.rng.save()));
  else delete versions.rng;
  for (const c of subject.components ?? []) {
    const name = `component:${c.name}`;
    if (name in versions) throw CoreErrors.snapshotBadOption("components", c.name, "unique component names");
    versions[name] = c.version;
    sections.push(json(name, c.save()));
  }
  const memory = encodeMemoryImage(m.ram.u8, options);
  sections.push({ name: "memory.map", chunks: [memory.map] }, { name: "memory.pages", chunks: memory.pages });
  return encodeEnvelope(versions, sections);
}

function parseJson(file: string, name: string, body: Uint8Array | undefined): unknown {
  if (body === undefined) throw CoreErrors.snapshotMalformed(file, name, "section missing");
  try {
    return JSON.parse(new TextDecoder().decode(body));
  } catch (e) {
    throw CoreErrors.snapshotMalformed(file, name, e instanceof Error ? e.message : String(e));
  }
}

function issues(e: z.ZodError): string {
  return e.issues
    .slice(0, 5)
    .map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`)
    .join("; ");
}

function checkVersion(file: string, saved: Record<string, number>, component: string, supported: number): void {
  const v = saved[component];
  if (v === undefined) throw CoreErrors.snapshotMalformed(file, "toc", `no version recorded for component "${component}"`);
  if (v !== supported) throw CoreErrors.snapshotBadComponentVersion(file, component, v, supported);
}

/** A snapshot whose envelope, core states and memory image have passed every check. */
interface Prepared {
  file: string;
  components: Record<string, number>;
  sections: Map<string, Uint8Array>;
  config: MachineConfig;
  machine: MachineState;
  simulation: SimulationState;
  virtio: unknown[];
  rng: unknown;
  /** The memory image, or null when its pages are still in the file (`lazy`). */
  image: MemoryImage | null;
  lazy: LazyPages | null;
}

/** Reads exactly `dst.length` bytes of the snapshot file at `fileOffset` into `dst`. */
export type SnapshotReader = (dst: Uint8Array, fileOffset: number) => void;

/** Raw pages left in the file, to be read straight into a fresh machine's RAM. */
interface LazyPages {
  map: MemoryMap;
  section: DeferredSection;
  read: SnapshotReader;
}

function prepare(bytes: Uint8Array, file: string, source?: { fileLength: number; read: SnapshotReader }): Prepared {
  const env = decodeEnvelope(bytes, file, source === undefined ? {} : { fileLength: source.fileLength, defer: "memory.pages" });
  for (const [name, v] of Object.entries(CORE_VERSIONS)) if (name !== "rng") checkVersion(file, env.components, name, v);
  const config = MachineConfigSchema.safeParse(parseJson(file, "config", env.sections.get("config")));
  if (!config.success) throw CoreErrors.snapshotInvalidState(file, "config", issues(config.error));
  const machineState = MachineStateSchema.safeParse(parseJson(file, "machine", env.sections.get("machine")));
  if (!machineState.success) throw CoreErrors.snapshotInvalidState(file, "machine", issues(machineState.error));
  const simState = SimulationStateSchema.safeParse(parseJson(file, "simulation", env.sections.get("simulation")));
  if (!simState.success) throw CoreErrors.snapshotInvalidState(file, "simulation", issues(simState.error));
  const virtio = parseJson(file, "virtio", env.sections.get("virtio"));
  if (!Array.isArray(virtio)) throw CoreErrors.snapshotInvalidState(file, "virtio", "expected an array of slot states");
  let rngState: unknown;
  if (env.sections.has("rng")) {
    checkVersion(file, env.components, "rng", CORE_VERSIONS.rng);
    const r = RngStreamsStateSchema.safeParse(parseJson(file, "rng", env.sections.get("rng")));
    if (!r.success) throw CoreErrors.snapshotInvalidState(file, "rng", issues(r.error));
    rngState = r.data;
  }
  const map = env.sections.get("memory.map");
  if (map === undefined) throw CoreErrors.snapshotMalformed(file, "memory", "section missing");
  let pages = env.sections.get("memory.pages");
  let image: MemoryImage | null = null;
  let lazy: LazyPages | null = null;
  const deferred = env.deferred;
  if (deferred !== undefined && source !== undefined) {
    const mm = decodeMemoryMap(map, machineState.data.ramBytes, file);
    if (mm.raw) {
      if (deferred.bytes !== mm.pages.length * PAGE_SIZE)
        throw CoreErrors.snapshotMalformed(
          file,
          "memory",
          `payload holds ${deferred.bytes} bytes, ${mm.pages.length} pages need ${mm.pages.length * PAGE_SIZE}`,
        );
      lazy = { map: mm, section: deferred, read: source.read };
    } else {
      const body = new Uint8Array(deferred.bytes);
      source.read(body, deferred.offset);
      const actual = xxhash32(body);
      if (actual !== deferred.xxh32) throw CoreErrors.snapshotCorrupt(file, deferred.name, deferred.xxh32, actual);
      pages = body;
    }
  }
  if (lazy === null) {
    if (pages === undefined) throw CoreErrors.snapshotMalformed(file, "memory", "section missing");
    image = decodeMemoryImage(map, pages, machineState.data.ramBytes, file);
  }
  return {
    file,
    components: env.components,
    sections: env.sections,
    config: config.data,
    machine: machineState.data,
    simulation: simState.data,
    virtio,
    rng: rngState,
    image,
    lazy,
  };
}

/**
 * Checks the prepared snapshot against the subject it goes into — RAM size,
 * component set and versions, each component's state, every pending event's
 * kind — and returns the parsed component states. Changes nothing.
 */
function check(p: Prepared, subject: SnapshotSubject): unknown[] {
  const { file } = p;
  const m = subject.machine;
  if (m.ram.size !== p.machine.ramBytes)
    throw CoreErrors.snapshotInvalidState(
      file,
      "machine",
      `the state is for ${p.machine.ramBytes} bytes of RAM, the machine has ${m.ram.size}`,
    );
  if (m.nsPerInstruction !== p.config.nsPerInstruction)
    throw CoreErrors.snapshotInvalidState(
      file,
      "config",
      `nsPerInstruction ${p.config.nsPerInstruction}, the machine has ${m.nsPerInstruction}`,
    );
  // Each retired instruction moves the machine's clock on by nsPerInstruction, a WFI or a rebase to the
  // simulation's clock only forward, and it starts at >= 0: no machine saves a clock behind the time its
  // instructions took. (Behind the simulation's clock is a real state — a host runs a descheduled VM's
  // simulation on without it — and `run` resumes from there; events before `now` the simulation refuses.)
  const minTimeNs = p.machine.hart.retired * p.config.nsPerInstruction;
  if (p.machine.timeNs < minTimeNs)
    throw CoreErrors.snapshotInvalidState(
      file,
      "machine",
      `timeNs ${p.machine.timeNs} is before the ${p.machine.hart.retired} retired instructions could run (${minTimeNs} ns at ${p.config.nsPerInstruction} ns each)`,
    );
  for (const e of p.simulation.events) {
    let known = e.kind !== PROCESS_RESUME_KIND;
    try {
      if (known) m.sim.kindId(e.kind);
    } catch {
      known = false;
    }
    if (!known)
      throw CoreErrors.snapshotInvalidState(file, "simulation", `pending event kind "${e.kind}" has no handler in the restored machine`);
  }
  const components = subject.components ?? [];
  const built = new Set(components.map((c) => `component:${c.name}`));
  for (const k of Object.keys(p.components))
    if (k.startsWith("component:") && !built.has(k))
      throw CoreErrors.snapshotInvalidState(file, k, "the restored machine has no such component");
  return components.map((c) => {
    const name = `component:${c.name}`;
    checkVersion(file, p.components, name, c.version);
    try {
      return c.parse(parseJson(file, name, p.sections.get(name)));
    } catch (e) {
      if (isVmlabError(e) && e.code.startsWith("VMLAB_SNAPSHOT_")) throw e;
      throw CoreErrors.snapshotInvalidState(file, name, e instanceof Error ? e.message : String(e));
    }
  });
}

/**
 * Applies a checked snapshot. The virtio slots go first: they validate their
 * own states and restore all or nothing, so if one is refused nothing has
 * changed yet; the steps after them cannot fail.
 */
function apply(p: Prepared, subject: SnapshotSubject, parsed: unknown[], ramIsZero: boolean): SnapshotSubject {
  const m = subject.machine;
  // Built (and validated) before anything changes; applied last.
  const savedRng = p.rng === undefined ? undefined : RngStreams.restore(p.rng);
  // Pages still in the file go straight into the (fresh) RAM and are checked there.
  if (p.lazy !== null) loadLazyPages(m.ram.u8, p.lazy, p.file);
  try {
    m.virtio.restore(p.virtio);
  } catch (e) {
    // A disk image resized since the save is the user's doing, not a corrupt snapshot: say which disk and both sizes.
    if (isVmlabError(e) && e.code === "VMLAB_SIM_BAD_STATE" && typeof e.details.backendSizeBytes === "number")
      throw CoreErrors.snapshotDiskResized(p.file, String(e.details.what), Number(e.details.savedSizeBytes), e.details.backendSizeBytes);
    // The device's own message already ends in "the snapshot is corrupt or …": pass on only what and why.
    const issue =
      isVmlabError(e) && e.code === "VMLAB_SIM_BAD_STATE"
        ? `${String(e.details.what)}: ${String(e.details.issue)}`
        : e instanceof Error
          ? e.message
          : String(e);
    throw CoreErrors.snapshotInvalidState(p.file, "virtio", issue);
  }
  m.sim.restore(p.simulation);
  m.restore(p.machine);
  if (p.image !== null) applyMemoryImage(m.ram.u8, p.image, ramIsZero);
  m.hart.cache.flushAll();
  (subject.components ?? []).forEach((c, i) => {
    c.restore(parsed[i]);
  });
  // The subject's own streams rewind in place, so the Rng objects its models hold follow.
  if (savedRng !== undefined && subject.rng !== undefined && subject.rng.seed === savedRng.seed) subject.rng.assign(savedRng);
  const rng = savedRng === undefined || subject.rng?.seed === savedRng.seed ? subject.rng : savedRng;
  return { ...subject, rng };
}

/**
 * Restores a snapshot into a freshly built subject and returns it. Checks the
 * envelope (length, magic, checksums, versions), parses and validates every
 * state and the memory image, and only then applies them: on any error it
 * throws a specific `VmlabError` and nothing — no existing machine, no file —
 * has been changed. In a fresh process most of the time goes into the first
 * touch of the new RAM's pages (docs/snapshots.md).
 */
export function restoreSnapshot(bytes: Uint8Array, file = "<snapshot>", factory: SubjectFactory = defaultSubjectFactory): SnapshotSubject {
  const p = prepare(bytes, file);
  const subject = factory(p.config);
  return apply(p, subject, check(p, subject), true);
}

/**
 * Reads raw pages from the file into a fresh, all-zero RAM, one read per run
 * of consecutive pages, and checks the section's XXH32 over them in place.
 * Throws `VMLAB_SNAPSHOT_CORRUPT_SECTION` if they do not match: the fresh
 * machine is then discarded.
 */
function loadLazyPages(ram: Uint8Array, lazy: LazyPages, file: string): void {
  const { pages } = lazy.map;
  const runs: Uint8Array[] = [];
  let fileOffset = lazy.section.offset;
  for (let i = 0; i < pages.length; ) {
    let j = i + 1;
    while (j < pages.length && pages[j] === pages[j - 1] + 1) j++;
    const run = ram.subarray(pages[i] * PAGE_SIZE, (pages[j - 1] + 1) * PAGE_SIZE);
    lazy.read(run, fileOffset);
    fileOffset += run.length;
    runs.push(run);
    i = j;
  }
  const actual = xxhash32Chunks(runs);
  if (actual !== lazy.section.xxh32) throw CoreErrors.snapshotCorrupt(file, lazy.section.name, lazy.section.xxh32, actual);
}

/**
 * Restores a snapshot whose file is read in two parts: `head` is the file up
 * to the memory pages (the last section), `read` fetches the rest, which
 * goes straight into the fresh machine's RAM — no intermediate buffer, half
 * the page faults. Same checks and errors as `restoreSnapshot`.
 */
export function restoreSnapshotFromParts(
  head: Uint8Array,
  fileLength: number,
  read: SnapshotReader,
  file: string,
  factory: SubjectFactory = defaultSubjectFactory,
): SnapshotSubject {
  const p = prepare(head, file, { fileLength, read });
  const subject = factory(p.config);
  return apply(p, subject, check(p, subject), true);
}

/**
 * Restores a snapshot into an existing subject (built like the one saved:
 * same RAM size, devices and components), e.g. to rewind a machine. All
 * checks run before the first change, so a bad snapshot leaves the subject
 * as it was. The subject's PRNG streams (same seed) are rewound in place, so
 * the `Rng` objects its models hold rewind too; returns the subject.
 */
export function restoreSnapshotInto(subject: SnapshotSubject, bytes: Uint8Array, file = "<snapshot>"): SnapshotSubject {
  const p = prepare(bytes, file);
  return apply(p, subject, check(p, subject), false);
}
