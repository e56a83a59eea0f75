/**
 * Child process of the snapshot fidelity test: restores each snapshot file
 * named on the command line in this fresh process, runs it to the end, and
 * prints one JSON line per file (final instruction count, exit code, stop
 * reason, console bytes after the snapshot point in base64).
 */
import { readSnapshotFile, runMachine } from "../../src/index.js";

for (const file of process.argv.slice(2)) {
  const { machine } = readSnapshotFile(file);
  const stop = runMachine(machine, Number.POSITIVE_INFINITY);
  process.stdout.write(
    `${JSON.stringify({
      file,
      stop,
      retired: machine.hart.retired,
      exitCode: machine.exitCode,
      console: Buffer.from(machine.console()).toString("base64"),
    })}\n`,
  );
}
