import { diskModels } from "@vmlab/storage";
import { describe, expect, it } from "vitest";
import { runCli } from "./helpers.js";

describe("usage and help exit codes", () => {
  it("no command is bad usage: help on stderr, exit 2", async () => {
    const r = await runCli();
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Usage: vmlab/);
    expect(r.stdout).toBe("");
  });

  it("asking for help succeeds: --help, help, help <command>, <command> --help", async () => {
    for (const argv of [["--help"], ["help"], ["help", "run"], ["run", "--help"]]) {
      const r = await runCli(...argv);
      expect(r.code, argv.join(" ")).toBe(0);
      expect(r.stdout, argv.join(" ")).toMatch(/Usage: vmlab/);
    }
    expect((await runCli("run", "--help")).stdout).toMatch(/Exit codes: 0 ok, 1 the run failed, 2 bad usage/);
  });

  it("run --help says what --out does to an existing directory, the --seed range and how a list is set", async () => {
    const help = (await runCli("run", "--help")).stdout.replace(/\s+/g, " ");
    expect(help).toMatch(
      /--out <dir> output directory \(default: out\/<id>\); an earlier run's results there are replaced, files vmlab did not write are left alone/,
    );
    expect(help).toMatch(/--seed <n> .*a whole number from 0 to 4294967295 \(2\^32 − 1\), in digits/);
    expect(help).toMatch(/a list is comma-separated, e\.g\. servers=1,4/);
  });

  it("boot --help names every disk model @vmlab/storage offers to --disk-model", async () => {
    const help = (await runCli("boot", "--help")).stdout.replace(/\s+/g, " ");
    for (const { name } of diskModels) expect(help, name).toMatch(new RegExp(`[ (]${name}[ ,)]`));
  });

  it("an unknown command is bad usage", async () => {
    expect((await runCli("no-such-command")).code).toBe(2);
  });

  it("help of an unknown command is the same one line as the command itself, not the whole help", async () => {
    const direct = await runCli("no-such-command");
    const help = await runCli("help", "no-such-command");
    expect(help.stderr).toBe("vmlab: unknown command 'no-such-command' (run `vmlab --help` for usage) [VMLAB_CLI_USAGE]\n");
    expect(help.stderr).toBe(direct.stderr);
    expect(help.code).toBe(2);
    expect(help.stdout).toBe("");
  });

  // Commander's own shape was two lines, "error: …" and a hint, with no code: unlike every other refusal's one line.
  it("a usage error is one line in the shape of every refusal, naming the command whose --help to read, exit 2", async () => {
    const cases: [string[], string][] = [
      [["vscsistats"], "vmlab: missing required argument 'trace' (run `vmlab vscsistats --help` for usage) [VMLAB_CLI_USAGE]\n"],
      [["run", "queue-validation", "--nope"], "vmlab: unknown option '--nope' (run `vmlab run --help` for usage) [VMLAB_CLI_USAGE]\n"],
      [
        ["vscsistats", "a", "b"],
        "vmlab: too many arguments for 'vscsistats'. Expected 1 argument but got 2 (run `vmlab vscsistats --help` for usage) [VMLAB_CLI_USAGE]\n",
      ],
      [["--verbose"], "vmlab: unknown option '--verbose' (run `vmlab --help` for usage) [VMLAB_CLI_USAGE]\n"],
    ];
    for (const [argv, line] of cases) {
      const r = await runCli(...argv);
      expect(r.code, argv.join(" ")).toBe(2);
      expect(r.stderr, argv.join(" ")).toBe(line);
      expect(r.stdout, argv.join(" ")).toBe("");
    }
    // Commander's suggestion, on a line of its own, is joined into the one line.
    const near = await runCli("lsit");
    expect(near.stderr).toBe("vmlab: unknown command 'lsit' (Did you mean list?) (run `vmlab --help` for usage) [VMLAB_CLI_USAGE]\n");
  });
});
