import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { Machine } from "../board/machine.js";
import { CoreErrors, isVmlabError } from "../errors.js";
import { RngStreams } from "../sim/rng.js";
import type { SnapshotComponent } from "./component.js";
import { decodeEnvelope, encodeEnvelope } from "./envelope.js";
import { readSnapshotFile, writeSnapshotFile } from "./file.js";
import { encodeSnapshot, restoreSnapshot, restoreSnapshotInto, type SnapshotSubject } from "./snapshot.js";

const guest = (name: string) => new Uint8Array(readFileSync(new URL(`../../../../guest/bin/${name}.elf`, import.meta.url)));
const join1 = (chunks: Uint8Array[]) => new Uint8Array(Buffer.concat(chunks));
const dir = mkdtempSync(join(tmpdir(), "vmlab-snap-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function runToEnd(m: Machine): void {
  for (;;) {
    const r = m.run(1e9);
    if (r === "event") m.sim.run({ until: m.sim.now });
    else if (r !== "budget") return;
  }
}

/** Byte equality via memcmp (vitest's deep equality walks a 16 MiB array element by element). */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);
}

function flip(bytes: Uint8Array, at: number): Uint8Array {
  const out = Uint8Array.from(bytes);
  out[at] ^= 0x10;
  return out;
}

function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    return isVmlabError(e) ? e.code : `not a VmlabError: ${String(e)}`;
  }
  return "no error";
}

/**
 * A small event-driven device for the tests: counts ticks it schedules on
 * the simulation, so a snapshot must carry both its state and its pending
 * event for the restored run to match.
 */
class Ticker implements SnapshotComponent<{ version: 1; ticks: number }> {
  readonly name = "ticker";
  readonly version = 1;
  ticks = 0;
  private readonly kind: number;
  constructor(private readonly m: Machine) {
    this.kind = m.sim.on("ticker.tick", () => {
      this.ticks++;
      if (this.ticks < 50) m.sim.schedule(1000, this.kind);
    });
  }
  start(): void {
    this.m.sim.schedule(1000, this.kind);
  }
  save() {
    return { version: 1 as const, ticks: this.ticks };
  }
  parse(state: unknown) {
    const p = z.object({ version: z.literal(1), ticks: z.number().int().nonnegative() }).safeParse(state);
    if (!p.success) throw CoreErrors.simBadState("ticker", p.error.message);
    return p.data;
  }
  restore(state: { version: 1; ticks: number }): void {
    this.ticks = state.ticks;
  }
}

function tickerSubject(ramMiB = 16): SnapshotSubject & { ticker: Ticker } {
  const machine = new Machine({ ramMiB });
  const ticker = new Ticker(machine);
  return { machine, ticker, components: [ticker], rng: new RngStreams(5) };
}

describe("snapshot save/restore", () => {
  it("restores machine, event queue, PRNG streams, components and memory; the run continues exactly", () => {
    const s = tickerSubject();
    s.machine.loadElf(guest("timer"));
    s.ticker.start();
    s.rng?.get("disk").nextU32();
    for (let i = 0; i < 3; i++) {
      const r = s.machine.run(5000);
      if (r === "event") s.machine.sim.run({ until: s.machine.sim.now });
    }
    const file = join1(encodeSnapshot(s));
    const prefix = s.machine.console();
    const restored = restoreSnapshot(file, "t", () => tickerSubject()) as SnapshotSubject;
    const ticker = restored.components?.[0] as Ticker;
    expect(restored.machine.save()).toEqual(s.machine.save());
    expect(restored.machine.sim.save()).toEqual(s.machine.sim.save());
    expect(restored.rng?.save()).toEqual(s.rng?.save());
    expect(restored.rng?.get("disk").nextU32()).toBe(s.rng?.get("disk").nextU32());
    expect(ticker.ticks).toBe(s.ticker.ticks);
    expect(sameBytes(restored.machine.ram.u8, s.machine.ram.u8)).toBe(true);
    runToEnd(s.machine);
    runToEnd(restored.machine);
    expect(ticker.ticks).toBe(s.ticker.ticks);
    expect(restored.machine.hart.retired).toBe(s.machine.hart.retired);
    expect(restored.machine.exitCode).toBe(s.machine.exitCode);
    expect(Buffer.concat([prefix, restored.machine.console()])).toEqual(Buffer.from(s.machine.console()));
  });

  it("elides zero pages, and deflate round-trips to the same RAM", () => {
    const m = new Machine({ ramMiB: 16 });
    m.loadElf(guest("memtest"));
    m.run(200_000);
    const raw = join1(encodeSnapshot({ machine: m }));
    const deflated = join1(encodeSnapshot({ machine: m }, { compression: "deflate", level: 6 }));
    expect(raw.length).toBeLessThan(m.ram.size / 8);
    expect(deflated.length).toBeLessThan(raw.length);
    for (const f of [raw, deflated]) expect(sameBytes(restoreSnapshot(f).machine.ram.u8, m.ram.u8)).toBe(true);
  });

  it("rejects a state that fails its schema with VMLAB_SNAPSHOT_INVALID_STATE, naming the component", () => {
    const s = tickerSubject();
    s.machine.loadElf(guest("hello"));
    s.ticker.start();
    s.machine.run(300);
    const env = decodeEnvelope(join1(encodeSnapshot(s)), "t");
    const edit = (section: string, change: (v: Record<string, unknown>) => unknown) => {
      const sections = [...env.sections].map(([name, body]) => ({
        name,
        chunks: [name === section ? new TextEncoder().encode(JSON.stringify(change(JSON.parse(new TextDecoder().decode(body))))) : body],
      }));
      return join1(encodeEnvelope(env.components, sections));
    };
    const cases: [string, Uint8Array][] = [
      ["machine", edit("machine", (v) => ({ ...v, hart: { ...(v.hart as object), pc: 2 } }))],
      ["simulation", edit("simulation", (v) => ({ ...v, now: -5 }))],
      ["rng", edit("rng", (v) => ({ ...v, seed: "x" }))],
      ["config", edit("config", (v) => ({ ...v, ramMiB: 0 }))],
      ["component:ticker", edit("component:ticker", (v) => ({ ...v, ticks: -1 }))],
      // Valid by schema, but an event kind that the rebuilt machine never registered: caught while applying.
      [
        "simulation",
        edit("simulation", (v) => ({ ...v, events: (v.events as { kind: string }[]).map((e) => ({ ...e, kind: "nobody.home" })) })),
      ],
    ];
    for (const [component, file] of cases) {
      let built: SnapshotSubject | null = null;
      try {
        restoreSnapshot(file, "t", () => {
          built = tickerSubject();
          return built;
        });
        expect.unreachable(`${component}: accepted`);
      } catch (e) {
        expect(isVmlabError(e) && e.code).toBe("VMLAB_SNAPSHOT_INVALID_STATE");
        expect(isVmlabError(e) && e.details.component).toBe(component);
      }
      // Schema checks of the core states come before anything is built.
      if (["config", "rng"].includes(component)) expect(built).toBeNull();
    }
    // A memory image whose header and payload disagree (checksums valid).
    const memory = env.sections.get("memory.pages") as Uint8Array;
    const short = join1(
      encodeEnvelope(
        env.components,
        [...env.sections].map(([name, body]) => ({
          name,
          chunks: [name === "memory.pages" ? memory.subarray(0, memory.length - 4096) : body],
        })),
      ),
    );
    expect(codeOf(() => restoreSnapshot(short))).toBe("VMLAB_SNAPSHOT_MALFORMED_SECTION");
  });

  it("restoreSnapshotInto rewinds a running machine, and a bad snapshot leaves it exactly as it was", () => {
    const s = tickerSubject();
    s.machine.loadElf(guest("memtest"));
    s.ticker.start();
    s.machine.run(50_000);
    s.machine.sim.run({ until: s.machine.sim.now });
    const good = join1(encodeSnapshot(s));
    const saved = { machine: s.machine.save(), sim: s.machine.sim.save(), ticks: s.ticker.ticks, ram: s.machine.ram.u8.slice() };
    s.machine.run(300_000);
    s.machine.sim.run({ until: s.machine.sim.now });
    const later = { machine: s.machine.save(), sim: s.machine.sim.save(), ticks: s.ticker.ticks, ram: s.machine.ram.u8.slice() };
    expect(later.machine).not.toEqual(saved.machine);
    const env = decodeEnvelope(good, "t");
    // Passes every schema; only the component check (late) fails.
    const bad = join1(
      encodeEnvelope(
        env.components,
        [...env.sections].map(([name, body]) => ({
          name,
          chunks: [name === "component:ticker" ? new TextEncoder().encode('{"version":1,"ticks":-3}') : body],
        })),
      ),
    );
    expect(codeOf(() => restoreSnapshotInto(s, bad))).toBe("VMLAB_SNAPSHOT_INVALID_STATE");
    expect(s.machine.save()).toEqual(later.machine);
    expect(s.machine.sim.save()).toEqual(later.sim);
    expect(s.ticker.ticks).toBe(later.ticks);
    expect(sameBytes(s.machine.ram.u8, later.ram)).toBe(true);
    restoreSnapshotInto(s, good);
    expect(s.machine.save()).toEqual(saved.machine);
    expect(s.machine.sim.save()).toEqual(saved.sim);
    expect(s.ticker.ticks).toBe(saved.ticks);
    expect(sameBytes(s.machine.ram.u8, saved.ram)).toBe(true);
  });

  it("restoreSnapshotInto rewinds the subject's PRNG streams in place: a stream a model holds replays its numbers", () => {
    const s = tickerSubject();
    const rng = s.rng as RngStreams;
    const arrivals = rng.get("arrivals");
    arrivals.nextU32();
    const good = join1(encodeSnapshot(s));
    const first = [arrivals.nextU32(), arrivals.nextU32()];
    const later = rng.get("later"); // created after the save: starts over from the seed
    const laterFirst = later.nextU32();
    later.nextU32();
    const back = restoreSnapshotInto(s, good);
    expect([arrivals.nextU32(), arrivals.nextU32()]).toEqual(first);
    expect(later.nextU32()).toBe(laterFirst);
    expect(back.rng).toBe(rng);
  });

  it("refuses an unknown component version before parsing anything", () => {
    const m = new Machine({ ramMiB: 4 });
    const env = decodeEnvelope(join1(encodeSnapshot({ machine: m })), "t");
    const file = join1(
      encodeEnvelope(
        { ...env.components, machine: 2 },
        [...env.sections].map(([name, b]) => ({ name, chunks: [b] })),
      ),
    );
    let calls = 0;
    expect(
      codeOf(() =>
        restoreSnapshot(file, "t", (c) => {
          calls++;
          return { machine: new Machine(c) };
        }),
      ),
    ).toBe("VMLAB_SNAPSHOT_BAD_COMPONENT_VERSION");
    expect(calls).toBe(0);
  });

  it("readSnapshotFile (pages read straight into RAM) restores the same machine and reports damage like restoreSnapshot", () => {
    const m = new Machine({ ramMiB: 16 });
    m.loadElf(guest("memtest"));
    m.run(400_000);
    for (const compression of ["raw", "deflate"] as const) {
      const path = join(dir, `parts-${compression}.snap`);
      writeSnapshotFile(path, { machine: m }, { compression });
      const restored = readSnapshotFile(path).machine;
      expect(restored.save()).toEqual(m.save());
      expect(sameBytes(restored.ram.u8, m.ram.u8)).toBe(true);
      const good = readFileSync(path);
      const env = decodeEnvelope(good, path);
      const pagesAt = good.length - (env.sections.get("memory.pages") as Uint8Array).length;
      const cases: [string, Uint8Array, string][] = [
        ["bit in the pages", flip(good, good.length - 5), "VMLAB_SNAPSHOT_CORRUPT_SECTION"],
        ["bit in the first page", flip(good, pagesAt + 1), "VMLAB_SNAPSHOT_CORRUPT_SECTION"],
        ["bit in the page map", flip(good, pagesAt - 3), "VMLAB_SNAPSHOT_CORRUPT_SECTION"],
        ["cut in the pages", good.subarray(0, good.length - 4096), "VMLAB_SNAPSHOT_TRUNCATED_FILE"],
        ["cut before the pages", good.subarray(0, pagesAt - 10), "VMLAB_SNAPSHOT_TRUNCATED_FILE"],
        ["cut in the header", good.subarray(0, 10), "VMLAB_SNAPSHOT_TRUNCATED_FILE"],
        ["trailing bytes", Buffer.concat([good, Buffer.alloc(7)]), "VMLAB_SNAPSHOT_MALFORMED_SECTION"],
      ];
      for (const [what, bytes, code] of cases) {
        const bad = join(dir, "bad.snap");
        writeFileSync(bad, bytes);
        expect([compression, what, codeOf(() => readSnapshotFile(bad))]).toEqual([compression, what, code]);
      }
    }
  });

  it("says what to do about a snapshot it could not write, by the cause", () => {
    const advice = (why: string) => CoreErrors.snapshotUnwritable("x.snap", why).message;
    expect(advice("ENOSPC")).toBe(
      "cannot write snapshot x.snap (ENOSPC); the file system is full (or over quota): free some space or save elsewhere — nothing was written",
    );
    expect(advice("EDQUOT")).toContain("free some space or save elsewhere");
    expect(advice("EISDIR: it names a directory; give a file name")).toContain("give the path of a file — nothing was written");
    expect(advice("EROFS")).toContain("that directory cannot be written: save elsewhere");
    expect(advice("ENOENT: no directory /x")).toContain("check that the directory exists and is writable");
  });

  it("writes atomically: a failed write leaves nothing, a good one replaces the old file whole", () => {
    const own = mkdtempSync(join(dir, "atomic-"));
    const m = new Machine({ ramMiB: 4 });
    m.loadElf(guest("hello"));
    expect(codeOf(() => writeSnapshotFile(join(own, "no-such-dir", "x.snap"), { machine: m }))).toBe("VMLAB_SNAPSHOT_UNWRITABLE_FILE");
    const path = join(own, "a.snap");
    writeFileSync(path, "old");
    const size = writeSnapshotFile(path, { machine: m }, { durable: true });
    expect(readFileSync(path).length).toBe(size);
    expect(readdirSync(own)).toEqual(["a.snap"]);
    expect(readSnapshotFile(path).machine.save()).toEqual(m.save());
    expect(codeOf(() => readSnapshotFile(join(own, "missing.snap")))).toBe("VMLAB_SNAPSHOT_UNREADABLE_FILE");
  });
});
