import { isVmlabError } from "@vmlab/core-vm";
import { Command, CommanderError } from "commander";
import { loadBenchmarkHelp } from "./commands/bench.js";
import { commands } from "./commands/index.js";
import { CliExit, type CliIo, EXIT_FAILED, EXIT_OK, EXIT_USAGE, processIo } from "./io.js";
import { VERSION } from "./version.js";

/** Builds the `vmlab` command tree, writing through `io`. */
export function buildProgram(io: CliIo): Command {
  const program = new Command("vmlab")
    .description("vmlab: reproduce VMware research systems on a deterministic virtual-hardware core")
    .version(VERSION);
  for (const register of commands) register(program, io);
  writeThrough(program, io, "vmlab");
  return program;
}

/**
 * `command` and every command under it write through `io`, and throw instead of exiting. A usage error (a missing or
 * extra argument, an unknown option or command, a choice not allowed) is one line in the shape of every other
 * refusal — `vmlab: <what> (run \`vmlab <command> --help\` for usage) [VMLAB_CLI_USAGE]` — not commander's
 * "error: …" and a second line.
 */
function writeThrough(command: Command, io: CliIo, path: string): void {
  command.exitOverride().configureOutput({
    writeOut: (s) => io.stdout(s),
    writeErr: (s) => io.stderr(s),
    outputError: (s) => {
      // Commander's "error: " dropped, its lines ("… \n(Did you mean …?)") joined, a closing full stop dropped.
      const what = s
        .replace(/^error: /, "")
        .trim()
        .replace(/\s*\n\s*/g, " ")
        .replace(/\.$/, "");
      io.stderr(`vmlab: ${what} (run \`${path} --help\` for usage) [VMLAB_CLI_USAGE]\n`);
    },
  });
  for (const sub of command.commands) writeThrough(sub, io, `${path} ${sub.name()}`);
}

/** Runs the CLI; returns the exit code instead of exiting (testable in-process). */
export async function main(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  const program = buildProgram(io);
  try {
    // `bench --help` lists the benchmarks, which the plugins define: loaded before commander prints help (synchronously).
    if (argv.includes("bench")) await loadBenchmarkHelp();
    refuseHelpOfUnknown(program, argv);
    await program.parseAsync([...argv], { from: "user" });
    return EXIT_OK;
  } catch (e) {
    return exitCodeFor(e, io);
  }
}

/**
 * `vmlab help <name>` of no command is the unknown command's one line, as `vmlab <name>` is: commander printed the
 * whole help on stderr for it.
 */
function refuseHelpOfUnknown(program: Command, argv: readonly string[]): void {
  if (argv[0] !== "help" || argv.length < 2) return;
  const name = argv[1];
  // "help" is commander's own command, not among the registered ones.
  if (name === "help" || program.commands.some((c) => c.name() === name || c.aliases().includes(name))) return;
  program.error(`error: unknown command '${name}'`, { code: "commander.unknownCommand", exitCode: EXIT_USAGE });
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
