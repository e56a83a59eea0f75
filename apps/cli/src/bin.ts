import { CliErrors } from "./errors.js";
import { stdoutFailureReported } from "./io.js";
import { main } from "./main.js";

// A reader that stops early (`vmlab list | head -1`) closes the pipe: end quietly, as Unix tools do, rather than
// die on the EPIPE with a stack trace. Files a command writes are complete before it prints. Any other failure to
// write stdout (a full disk under `> file`) is one line and exit 1, as every other failure (it died with a stack
// trace); a command's write reports it and stops the command (io.ts), and this says it only for a write that did not.
process.stdout.on("error", (e: NodeJS.ErrnoException) => {
  if (e.code === "EPIPE") process.exit(typeof process.exitCode === "number" ? process.exitCode : 0);
  if (!stdoutFailureReported(e)) {
    const err = CliErrors.stdoutWrite(e.message);
    process.stderr.write(`vmlab: ${err.message} [${err.code}]\n`);
  }
  process.exit(1);
});

process.exitCode = await main(process.argv.slice(2));
