import { checkOptionNames } from "@vmlab/core-vm";
import { StorageErrors } from "./errors.js";

/**
 * Refuses an option of `what` that is not among `known` (`VMLAB_STORAGE_BAD_CONFIG`, naming it and the options): a
 * misspelt one (`offsetSector`, `maxIO`, `writecache`) was dropped and its default used without a word. TypeScript
 * callers have the types; JavaScript and config files do not.
 */
export function refuseUnknownOptions(what: string, options: object, known: readonly string[]): void {
  checkOptionNames(options, known, (k) => StorageErrors.badConfig(what, `unknown option "${k}"; the options are ${known.join(", ")}`));
}
