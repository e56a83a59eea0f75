import { VmlabError } from "@vmlab/core-vm";

/** The CLI's catalogue of error codes (VMLAB_CLI_*). */
export const CliErrors = {
  unknownScenario: (id: string, known: string[]) =>
    new VmlabError("VMLAB_CLI_UNKNOWN_SCENARIO", `unknown scenario "${id}"; run \`vmlab list\` to see them (${known.join(", ")})`, { id }),
  unknownBenchmark: (name: string, known: string[]) =>
    new VmlabError("VMLAB_CLI_UNKNOWN_BENCHMARK", `no benchmark matches "${name}"; known: ${known.join(", ")}`, { name }),
  badSet: (text: string) => new VmlabError("VMLAB_CLI_BAD_SET", `--set expects key=value, got "${text}"`, { text }),
  unknownKey: (key: string, scenario: string, known: string[]) =>
    new VmlabError(
      "VMLAB_CLI_UNKNOWN_KEY",
      `unknown config key "${key}" for ${scenario}; valid keys: ${known.join(", ")} (see \`vmlab describe ${scenario}\`)`,
      {
        key,
      },
    ),
  /** The same key in two `--set`s: one value would be dropped without a word. */
  duplicateKey: (key: string, first: string, second: string) =>
    new VmlabError("VMLAB_CLI_BAD_DUPLICATE_KEY", `config key "${key}" is given twice ("${first}", then "${second}"); give it once`, {
      key,
      first,
      second,
    }),
  badOption: (option: string, text: string, expected: string) =>
    new VmlabError("VMLAB_CLI_BAD_OPTION", `${option} expects ${expected}, got "${text}"`, { option, text, expected }),
  badSeed: (text: string) =>
    new VmlabError("VMLAB_CLI_BAD_SEED", `--seed expects a whole number from 0 to 4294967295 (2^32 − 1), in digits, got "${text}"`, {
      text,
    }),
  unwritableOut: (dir: string, why: string) =>
    new VmlabError("VMLAB_CLI_UNWRITABLE_OUT", `cannot write results to "${dir}": ${why}; choose another --out directory`, { dir, why }),
  /** `vmlab report` writes into the run's own directory: it has no --out to choose. */
  unwritableReport: (dir: string, why: string) =>
    new VmlabError(
      "VMLAB_CLI_UNWRITABLE_OUT",
      `cannot write the report into "${dir}": ${why}; make the directory writable, or copy the run elsewhere and report there`,
      { dir, why },
    ),
  /** stdout refused a write (a full disk under `vmlab … > file`): what was printed is cut short. Not the input's fault: exit 1. */
  stdoutWrite: (why: string) =>
    new VmlabError(
      "VMLAB_CLI_STDOUT_WRITE",
      `cannot write to stdout: ${why}; what was printed is incomplete (redirect it somewhere with room)`,
      { why },
    ),
  unreadableResults: (file: string, why: string) =>
    new VmlabError("VMLAB_CLI_UNREADABLE_RESULTS", `cannot read "${file}": ${why}; pass a directory written by \`vmlab run --out\``, {
      file,
    }),
  badResults: (file: string, why: string) =>
    new VmlabError("VMLAB_CLI_BAD_RESULTS", `"${file}" is not a vmlab results.json: ${why}`, { file }),
} as const;
