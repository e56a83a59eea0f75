export { CliExit, type CliIo, EXIT_FAILED, EXIT_OK, EXIT_USAGE } from "./io.js";
export { buildProgram, main } from "./main.js";
