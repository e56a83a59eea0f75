/**
 * Child process of the snapshot fidelity test: restores each snapshot named
 * on the command line (`<program>:<file>`) in this fresh process, into a
 * machine with the program's devices (and the disk image saved beside the
 * snapshot), runs it to the end, and prints one JSON line per file: final
 * instruction count, exit code, stop reason, console bytes after the
 * snapshot point (base64) and the disk image's SHA-256.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { readSnapshotFile, runMachine } from "../../src/index.js";
import { buildRig, type Rig } from "./devices.js";

for (const arg of process.argv.slice(2)) {
  const colon = arg.indexOf(":");
  const program = arg.slice(0, colon);
  const file = arg.slice(colon + 1);
  const diskFile = `${file}.disk`;
  let rig: Rig | null = null;
  const { machine } = readSnapshotFile(file, () => {
    rig = buildRig(program, existsSync(diskFile) ? new Uint8Array(readFileSync(diskFile)) : undefined);
    return rig.subject;
  });
  const stop = runMachine(machine, Number.POSITIVE_INFINITY);
  const disk = (rig as Rig | null)?.disk ?? null;
  process.stdout.write(
    `${JSON.stringify({
      file,
      stop,
      retired: machine.hart.retired,
      exitCode: machine.exitCode,
      console: Buffer.from(machine.console()).toString("base64"),
      disk: disk === null ? null : createHash("sha256").update(disk.bytes).digest("hex"),
    })}\n`,
  );
}
