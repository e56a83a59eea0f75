import type { Command } from "commander";
import type { CliIo } from "../io.js";

/**
 * Every `vmlab` subcommand lives in its own file here and exports
 * `register(program, io)`; add it to this list.
 */
export type RegisterCommand = (program: Command, io: CliIo) => void;

export const commands: RegisterCommand[] = [];
