import type { Command } from "commander";
import type { CliIo } from "../io.js";
import { findScenario } from "../plugins.js";
import { register as bench, chooseBenchmarks } from "./bench.js";
import { type BootOpts, register as boot, checkBootOptions } from "./boot.js";
import { register as describe } from "./describe.js";
import { register as list } from "./list.js";
import { register as report } from "./report.js";
import { parseResumeMaxInsns, type ResumeOpts, register as resume } from "./resume.js";
import { checkRun, type RunOpts, register as run } from "./run.js";
import { parseReorderWindow, type VscsistatsOptions, register as vscsistats } from "./vscsistats.js";

/**
 * Every `vmlab` subcommand lives in its own file here and exports
 * `register(program, io)`; add it to this list.
 */
export type RegisterCommand = (program: Command, io: CliIo) => void;

export const commands: RegisterCommand[] = [list, describe, run, report, bench, boot, resume, vscsistats];

/**
 * What each subcommand refuses before it does any work (nothing read, run or written), given the parsed
 * command: the same functions its action calls first. The docs' examples are checked by running these in
 * place of the actions, after commander's own parsing (option names, values, choices, argument counts);
 * a subcommand missing here (list, report) has no refusal that needs no work.
 */
export const optionChecks: Record<string, (cmd: Command) => Promise<unknown> | unknown> = {
  describe: (cmd) => findScenario(cmd.processedArgs[0] as string),
  run: (cmd) => checkRun(cmd.processedArgs[0] as string, cmd.opts<RunOpts>()),
  bench: (cmd) => chooseBenchmarks(cmd.processedArgs[0] as string | undefined),
  boot: (cmd) => checkBootOptions(cmd.opts<BootOpts>(), (name) => cmd.getOptionValueSource(name) === "cli"),
  resume: (cmd) => parseResumeMaxInsns(cmd.opts<ResumeOpts>()),
  vscsistats: (cmd) => parseReorderWindow(cmd.opts<VscsistatsOptions>().reorderWindow),
};
