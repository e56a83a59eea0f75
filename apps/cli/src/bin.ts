import { main } from "./main.js";

// A reader that stops early (`vmlab list | head -1`) closes the pipe: end quietly, as Unix tools do, rather than
// die on the EPIPE with a stack trace. Files a command writes are complete before it prints.
process.stdout.on("error", (e: NodeJS.ErrnoException) => {
  if (e.code !== "EPIPE") throw e;
  process.exit(typeof process.exitCode === "number" ? process.exitCode : 0);
});

process.exitCode = await main(process.argv.slice(2));
