import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "./helpers.js";

const guest = (p: string) => join(import.meta.dirname, "../../../guest", p);
const tmp = mkdtempSync(join(tmpdir(), "vmlab-boot-devices-"));

describe("vmlab boot with virtio devices", () => {
  it("--rng-seed attaches virtio-rng: the seed decides the bytes", async () => {
    const a = await runCli("boot", guest("bin/rng.elf"), "--rng-seed", "7");
    expect(a.code).toBe(0);
    expect(a.stdout).toMatch(/rng: virtio-rng at 0x10008000/);
    expect((await runCli("boot", guest("bin/rng.elf"), "--rng-seed", "7")).stdout).toBe(a.stdout);
    expect((await runCli("boot", guest("bin/rng.elf"), "--rng-seed", "8")).stdout).not.toBe(a.stdout);
  });

  it("--disk attaches a raw image as virtio-blk (vicbench reaps every IO)", async () => {
    const img = join(tmp, "disk.img");
    writeFileSync(img, new Uint8Array(4 * 1024 * 1024));
    const r = await runCli("boot", guest("bin/vicbench.elf"), "--input", guest("programs/vicbench.input"), "--disk", img);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/vicbench: oio=16 ios=400 .*reaped=400 /);
  });

  it("a snapshot records the devices, so resume rebuilds them: boot + resume = one run", async () => {
    const img = join(tmp, "disk2.img");
    writeFileSync(img, new Uint8Array(4 * 1024 * 1024));
    const args = [guest("bin/vicbench.elf"), "--input", guest("programs/vicbench.input"), "--disk", img, "--rng-seed", "3"];
    const whole = await runCli("boot", ...args);
    const snap = join(tmp, "v.snap");
    const first = await runCli("boot", ...args, "--snapshot-at", "200000", "--save", snap);
    expect(first.code).toBe(0);
    const rest = await runCli("resume", snap);
    expect(rest.code).toBe(0);
    expect(first.stdout + rest.stdout).toBe(whole.stdout);
  });

  it("a missing disk image is bad input: one line, exit 2", async () => {
    const missing = join(tmp, "missing.img");
    const r = await runCli("boot", guest("bin/hello.elf"), "--disk", missing);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/disk image .*missing\.img does not exist; create one/);
    expect(existsSync(missing)).toBe(false);
  });

  it("a bad --rng-seed is bad usage", async () => {
    const r = await runCli("boot", guest("bin/rng.elf"), "--rng-seed", "-1");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--rng-seed -1 is invalid/);
  });
});
