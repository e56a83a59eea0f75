import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Machine } from "../board/machine.js";
import { isVmlabError } from "../errors.js";
import { decodeEnvelope, encodeEnvelope } from "./envelope.js";
import { encodeSnapshot, restoreSnapshot, restoreSnapshotInto, type SnapshotSubject } from "./snapshot.js";

/**
 * Hand-forged snapshots: a field changed and every checksum recomputed, so only the
 * restore's own checks stand between the forgery and a running machine.
 */

const guest = (name: string) => new Uint8Array(readFileSync(new URL(`../../../../guest/bin/${name}.elf`, import.meta.url)));
const join1 = (chunks: Uint8Array[]) => new Uint8Array(Buffer.concat(chunks));
type Json = Record<string, unknown>;

/** Re-signs `file` with `section`'s JSON body replaced by `change(body)`. */
function forge(file: Uint8Array, section: string, change: (v: Json) => unknown): Uint8Array {
  const env = decodeEnvelope(file, "t");
  const sections = [...env.sections].map(([name, body]) => ({
    name,
    chunks: [name === section ? new TextEncoder().encode(JSON.stringify(change(JSON.parse(new TextDecoder().decode(body))))) : body],
  }));
  return join1(encodeEnvelope(env.components, sections));
}

/** The echo guest stopped at 700 instructions (as `vmlab boot --snapshot-at 700`), 1 ns each. */
function echoAt(n: number, nsPerInstruction = 1): SnapshotSubject {
  const machine = new Machine({ ramMiB: 16, nsPerInstruction });
  machine.loadElf(guest("echo"));
  machine.injectConsoleInput(new TextEncoder().encode("hi\n"));
  for (;;) {
    const r = machine.run(n - machine.hart.retired);
    if (r === "event") machine.sim.run({ until: machine.sim.now });
    else break;
  }
  return { machine };
}

function refusal(f: () => unknown): { code: string; component?: unknown } | null {
  try {
    f();
  } catch (e) {
    return isVmlabError(e) ? { code: e.code, component: e.details.component } : { code: `not a VmlabError: ${String(e)}` };
  }
  return null;
}

describe("a forged snapshot (checksums recomputed)", () => {
  it("whose machine clock is behind the time its retired instructions took is refused, changing nothing", () => {
    // Every retired instruction advances the machine's clock by nsPerInstruction and nothing moves it back,
    // so timeNs >= retired * nsPerInstruction in any state a machine saves. A file saying 700 instructions
    // ran in 10 ns passed restore, and the resumed run went on from a clock that never was.
    for (const ns of [1, 3]) {
      const s = echoAt(700, ns);
      const good = join1(encodeSnapshot(s));
      expect(s.machine.save().timeNs).toBeGreaterThanOrEqual(700 * ns);
      expect(refusal(() => restoreSnapshot(good))).toBeNull();
      for (const timeNs of [10, 700 * ns - 1]) {
        const bad = forge(good, "machine", (v) => ({ ...v, timeNs }));
        expect(refusal(() => restoreSnapshot(bad))).toEqual({ code: "VMLAB_SNAPSHOT_INVALID_STATE", component: "machine" });
        const target = echoAt(300, ns);
        const before = { machine: target.machine.save(), sim: target.machine.sim.save() };
        expect(refusal(() => restoreSnapshotInto(target, bad))?.code).toBe("VMLAB_SNAPSHOT_INVALID_STATE");
        expect({ machine: target.machine.save(), sim: target.machine.sim.save() }).toEqual(before);
      }
      // Exactly the time the instructions took (no waits) is a state a machine can be in.
      expect(refusal(() => restoreSnapshot(forge(good, "machine", (v) => ({ ...v, timeNs: 700 * ns }))))).toBeNull();
    }
  });

  it("a machine behind its simulation's clock is a state a host leaves a descheduled VM in: accepted, and it resumes from the simulation's time", () => {
    const s = echoAt(700);
    s.machine.sim.run({ until: 5000 });
    expect(s.machine.nowNs()).toBeLessThan(s.machine.sim.now);
    const restored = restoreSnapshot(join1(encodeSnapshot(s)));
    expect(restored.machine.sim.now).toBe(5000);
    restored.machine.run(1);
    expect(restored.machine.nowNs()).toBe(5001);
  });

  it("fuzz: any numeric field of the machine or simulation state changed is refused with a snapshot error and changes nothing, or restores to a consistent clock", () => {
    const s = echoAt(700);
    s.machine.sim.schedule(
      50,
      s.machine.sim.on("test.tick", () => {}),
    );
    const good = join1(encodeSnapshot(s));
    const env = decodeEnvelope(good, "t");
    const leaves = (section: string) => {
      const out: string[][] = [];
      const walk = (v: unknown, path: string[]) => {
        if (typeof v === "number") out.push(path);
        else if (v !== null && typeof v === "object") for (const [k, c] of Object.entries(v)) walk(c, [...path, k]);
      };
      walk(JSON.parse(new TextDecoder().decode(env.sections.get(section))), []);
      return out.map((p) => [section, ...p]);
    };
    const paths = [...leaves("machine"), ...leaves("simulation")];
    const target = echoAt(300);
    target.machine.sim.on("test.tick", () => {});
    fc.assert(
      fc.property(
        fc.constantFrom(...paths),
        fc.oneof(fc.integer({ min: -2, max: 2000 }), fc.constantFrom(-1, 0, 2 ** 31, 2 ** 32, 2 ** 53, 0.5)),
        ([section, ...path], value) => {
          const bad = forge(good, section, (v) => {
            const copy = structuredClone(v);
            let o = copy as Record<string, unknown>;
            for (const k of path.slice(0, -1)) o = o[k] as Record<string, unknown>;
            o[path[path.length - 1]] = value;
            return copy;
          });
          const before = { machine: target.machine.save(), sim: target.machine.sim.save() };
          const r = refusal(() => restoreSnapshotInto(target, bad));
          if (r !== null) {
            expect(r.code).toMatch(/^VMLAB_SNAPSHOT_/);
            expect({ machine: target.machine.save(), sim: target.machine.sim.save() }).toEqual(before);
          } else {
            const m = target.machine;
            expect(m.nowNs()).toBeGreaterThanOrEqual(m.hart.retired * m.nsPerInstruction);
            restoreSnapshotInto(target, good);
          }
        },
      ),
      { numRuns: 300, seed: 6 },
    );
  });
});
