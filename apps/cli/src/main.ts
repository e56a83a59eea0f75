import { isVmlabError } from "@vmlab/core-vm";
import { Command, CommanderError } from "commander";
import { commands } from "./commands/index.js";
import { CliExit, type CliIo, EXIT_FAILED, EXIT_OK, EXIT_USAGE, processIo } from "./io.js";
import { VERSION } from "./version.js";

/** Builds the `vmlab` command tree, writing through `io`. */
export function buildProgram(io: CliIo): Command {
  const program = new Command("vmlab")
    .description("vmlab: reproduce VMware research systems on a deterministic virtual-hardware core")
    .version(VERSION)
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) })
    .showHelpAfterError("(run `vmlab --help` or `vmlab <command> --help` for usage)");
  for (const register of commands) register(program, io);
  for (const sub of program.commands) sub.exitOverride().configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) });
  return program;
}

/** Runs the CLI; returns the exit code instead of exiting (testable in-process). */
export async function main(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync([...argv], { from: "user" });
    return EXIT_OK;
  } catch (e) {
    return exitCodeFor(e, io);
  }
}

function exitCodeFor(e: unknown, io: CliIo): number {
  if (e instanceof CliExit) {
    if (e.message) io.stderr(`${e.message}\n`);
    return e.exitCode;
  }
  if (e instanceof CommanderError) {
    // Help and version are successful exits; everything else is bad usage. Commander also uses
    // "commander.help" (exitCode 1) when no command is given: that help is an error, on stderr.
    if (e.code === "commander.helpDisplayed" || e.code === "commander.version" || e.code === "commander.help")
      return e.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    return EXIT_USAGE;
  }
  if (isVmlabError(e)) {
    io.stderr(`vmlab: ${e.message} [${e.code}]\n`);
    return isInputError(e.code) ? EXIT_USAGE : EXIT_FAILED;
  }
  io.stderr(`vmlab: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  return EXIT_FAILED;
}

/**
 * Codes that mean the user's input was bad (exit 2) rather than the run failing (exit 1). CHANGED: an input file
 * changed while the run read it (VMLAB_TRACE_CHANGED); the input, not the run, has to be fixed (a copy left alone).
 */
function isInputError(code: string): boolean {
  return /_(BAD|UNKNOWN|INVALID|MALFORMED|CORRUPT|TRUNCATED|NOT_FOUND|UNWRITABLE|UNREADABLE|CHANGED)(_|$)/.test(code);
}
