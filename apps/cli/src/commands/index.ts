import type { Command } from "commander";
import type { CliIo } from "../io.js";
import { register as bench } from "./bench.js";
import { register as boot } from "./boot.js";
import { register as describe } from "./describe.js";
import { register as list } from "./list.js";
import { register as report } from "./report.js";
import { register as resume } from "./resume.js";
import { register as run } from "./run.js";
import { register as vscsistats } from "./vscsistats.js";

/**
 * Every `vmlab` subcommand lives in its own file here and exports
 * `register(program, io)`; add it to this list.
 */
export type RegisterCommand = (program: Command, io: CliIo) => void;

export const commands: RegisterCommand[] = [list, describe, run, report, bench, boot, resume, vscsistats];
