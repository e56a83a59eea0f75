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
import { buildRig, RAM_MIB, type Rig } from "./devices.js";
import { buildPair, runPair, switchComponent } from "./pair.js";

/** Restores both machines of a netping cut (the switch rides with the first) and runs the pair to the end. */
function resumePair(files: string[]): void {
  const pair = buildPair(RAM_MIB);
  files.forEach((file, i) => {
    readSnapshotFile(file, () => ({ machine: pair.machines[i], components: i === 0 ? [switchComponent(pair.sw)] : [] }));
  });
  const stop = runPair(pair);
  pair.machines.forEach((machine, i) => {
    process.stdout.write(
      `${JSON.stringify({
        file: files[i],
        stop,
        retired: machine.hart.retired,
        exitCode: machine.exitCode,
        console: Buffer.from(machine.console()).toString("base64"),
        disk: null,
      })}\n`,
    );
  });
}

for (const arg of process.argv.slice(2)) {
  if (arg.startsWith("netping-pair:")) {
    resumePair(arg.slice("netping-pair:".length).split(","));
    continue;
  }
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
