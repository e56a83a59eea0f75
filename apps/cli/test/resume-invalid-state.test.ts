import { describe, expect, it, vi } from "vitest";
import { runCli } from "./helpers.js";

/**
 * A snapshot whose sections are intact but whose saved state fails its schema (`VMLAB_SNAPSHOT_INVALID_STATE`:
 * corrupt, or from an incompatible vmlab) is bad input like every other damaged snapshot: exit 2, not a failed run.
 */
vi.mock("@vmlab/core-vm", async (importOriginal) => {
  const actual = await importOriginal<typeof import("@vmlab/core-vm")>();
  return {
    ...actual,
    readSnapshotFile: (file: string) => {
      throw actual.CoreErrors.snapshotInvalidState(file, "machine", "pc: expected number");
    },
  };
});

describe("vmlab resume <a snapshot whose saved state fails its schema>", () => {
  it("is refused with its line and code, exit 2, nothing run", async () => {
    const r = await runCli("resume", "state.snap");
    expect(r.stderr).toMatch(
      /^vmlab: snapshot state\.snap: the saved machine state fails its schema .*\[VMLAB_SNAPSHOT_INVALID_STATE\]\n$/,
    );
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
  });
});
