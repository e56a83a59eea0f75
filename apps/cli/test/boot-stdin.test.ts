import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const bin = fileURLToPath(new URL("../bin/vmlab.js", import.meta.url));
const echoElf = fileURLToPath(new URL("../../../guest/bin/echo.elf", import.meta.url));
const built = existsSync(fileURLToPath(new URL("../dist/bin.js", import.meta.url)));

describe("vmlab boot --input - (the built binary)", () => {
  it.skipIf(!built)("feeds standard input to the guest's UART", () => {
    const r = spawnSync(process.execPath, [bin, "boot", echoElf, "--input", "-"], { input: "hello vmlab\n", encoding: "latin1" });
    expect(r.stdout).toContain("HELLO VMLAB (11 bytes)");
    expect(r.status).toBe(11);
  });
});
