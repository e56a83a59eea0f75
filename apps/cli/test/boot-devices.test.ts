import { existsSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { busyDriveMessage } from "../src/snapshot-cli.js";
import { runCli } from "./helpers.js";
import { scratchDir } from "./scratch.js";

const guest = (p: string) => join(import.meta.dirname, "../../../guest", p);
const tmp = scratchDir("vmlab-boot-devices-");

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

  it("--disk-model puts the image behind a modeled drive: same data, the drive's timing, deterministic", async () => {
    const run = async (model?: string) => {
      const img = join(tmp, `model-${model ?? "file"}.img`);
      writeFileSync(img, new Uint8Array(4 * 1024 * 1024));
      const extra = model === undefined ? [] : ["--disk-model", model];
      const r = await runCli("boot", guest("bin/vicbench.elf"), "--input", guest("programs/vicbench.input"), "--disk", img, ...extra);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/reaped=400 /);
      const field = (name: string) => Number(new RegExp(`${name}=(\\d+)`).exec(r.stdout)?.[1]);
      return {
        stdout: r.stdout,
        elapsed: field("elapsed"),
        latencyMax: field("latency_max"),
        checksum: /checksum=(\w+)/.exec(r.stdout)?.[1],
      };
    };
    const file = await run();
    const hdd = await run("cheetah-15k5");
    const ssd = await run("mlc-ssd");
    const array = await run("raid5-array");
    for (const r of [hdd, ssd, array]) expect(r.checksum).toBe(file.checksum);
    // The SSD's one controller takes 20 µs per command, one after another: 400 reads of never-written pages
    // (the FTL answers zeros) take 8 ms, whatever is in flight (timer ticks of 100 ns).
    expect(ssd.elapsed).toBeGreaterThanOrEqual(400 * 200);
    expect(ssd.elapsed).toBeLessThan(1.02 * 400 * 200);
    // 16 requests at a time spread over 8 spindles: ahead of a lone disk, behind the SSD.
    expect(array.elapsed).toBeLessThan(hdd.elapsed);
    expect(array.elapsed).toBeGreaterThan(2 * ssd.elapsed);
    // Milliseconds of seek and rotation per request on the HDD, tens of µs on the SSD, ~nothing on the file.
    expect(hdd.elapsed).toBeGreaterThan(5 * ssd.elapsed);
    expect(ssd.elapsed).toBeGreaterThan(file.elapsed);
    expect(hdd.latencyMax).toBeGreaterThan(10_000); // timer ticks of 100 ns: > 1 ms
    expect((await run("cheetah-15k5")).stdout).toBe(hdd.stdout);
    // vicbench only reads: the same drive with its write cache on differs only in its read cache, which the 8 MiB
    // write buffer leaves 8 segments of the 16: the same data in about the same time.
    const wce = await run("cheetah-15k5-wce");
    expect(wce.checksum).toBe(hdd.checksum);
    expect(Math.abs(wce.elapsed - hdd.elapsed)).toBeLessThan(0.05 * hdd.elapsed);
  });

  it("--disk-model raid1-cheetah-15k5-wce: blkbench's writes and flush go through a software RAID-1 to both drives, same data", async () => {
    const run = async (model: string) => {
      const img = join(tmp, `blk-${model}.img`);
      const bytes = new Uint8Array(8 * 1024 * 1024);
      bytes.set(new TextEncoder().encode("vmlab disk image v1\n"));
      writeFileSync(img, bytes);
      const r = await runCli("boot", guest("bin/blkbench.elf"), "--disk", img, "--disk-model", model);
      expect(r.code).toBe(0);
      return { stdout: r.stdout, image: readFileSync(img) };
    };
    const raid1 = await run("raid1-cheetah-15k5-wce");
    const single = await run("cheetah-15k5-wce");
    for (const r of [raid1, single]) {
      expect(r.stdout).toContain("flush status 0");
      expect(r.stdout).toContain("read back and verified 256 blocks: 0 errors");
      expect(r.stdout).toContain("blkbench: done");
    }
    expect(raid1.image.equals(single.image)).toBe(true);
  });

  it("names what keeps a drive model busy when a snapshot is refused: requests inside, or written data in its write cache", () => {
    expect(busyDriveMessage(42, { inFlight: 3 })).toMatch(
      /at instruction 42: the --disk-model drive is busy \(3 requests or destage writes inside\)/,
    );
    expect(busyDriveMessage(42, { pending: 2 })).toMatch(/busy \(2 requests/);
    expect(busyDriveMessage(42, { pending: 1 })).toMatch(/busy \(1 request or destage write inside\)/);
    expect(busyDriveMessage(42, { inFlight: 0, dirtySectors: 1 })).toMatch(/busy \(its write cache holds 1 sector not yet on the media\)/);
    // No snapshot is written, but the run to that instruction wrote to the live image: a retry on it starts elsewhere.
    expect(busyDriveMessage(42, { pending: 1 })).toMatch(/restore the disk image first: it holds the guest's writes up to here$/);
    // Every request answered, the data still in the drive's buffer (vmlab boot blkbench.elf --disk-model cheetah-15k5-wce
    // --snapshot-at 1773985 says so): not "0 requests".
    expect(busyDriveMessage(42, { inFlight: 0, dirtySectors: 2048 })).toMatch(
      /busy \(its write cache holds 2048 sectors not yet on the media\)/,
    );
  });

  // vicbench is never idle once its IO starts, so this snapshot comes before its first request: it checks
  // that the snapshot names the model and resume rebuilds it; the drive state's round trip after real IO
  // is tested in packages/storage/test/guest-disk.test.ts.
  it("a snapshot of a disk on a model (a drive, an array) records the model, and resume runs on it: boot + resume = one run", async () => {
    for (const model of ["cheetah-15k5", "raid1-cheetah-15k5-wce", "raid5-array"]) {
      const img = join(tmp, `snap-${model}.img`);
      writeFileSync(img, new Uint8Array(4 * 1024 * 1024));
      const args = [guest("bin/vicbench.elf"), "--input", guest("programs/vicbench.input"), "--disk", img, "--disk-model", model];
      const whole = await runCli("boot", ...args);
      const snap = join(tmp, `${model}.snap`);
      const first = await runCli("boot", ...args, "--snapshot-at", "60000", "--save", snap);
      expect(first.code).toBe(0);
      const rest = await runCli("resume", snap);
      expect(rest.code).toBe(0);
      expect(first.stdout + rest.stdout).toBe(whole.stdout);
    }
  });

  it("a snapshot while requests are inside the drive model is refused in one line, and writes nothing", async () => {
    const img = join(tmp, "model-busy.img");
    writeFileSync(img, new Uint8Array(4 * 1024 * 1024));
    const snap = join(tmp, "busy.snap");
    const args = [guest("bin/vicbench.elf"), "--input", guest("programs/vicbench.input"), "--disk", img, "--disk-model", "cheetah-15k5"];
    const r = await runCli("boot", ...args, "--snapshot-at", "250000", "--save", snap);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/cannot snapshot at instruction 250000: the --disk-model drive is busy \(\d+ requests/);
    expect(existsSync(snap)).toBe(false);
  });

  it("refuses a --save naming a --disk image, the ELF or the --input file, and one image given as two disks, before anything runs", async () => {
    // The snapshot replaced the disk image it needs on resume, exit 0 without a word (then: "size 20952811 bytes is invalid").
    const img = join(tmp, "same.img");
    writeFileSync(img, new Uint8Array(1024 * 1024));
    const before = readFileSync(img);
    const elf = join(tmp, "hello-copy.elf");
    writeFileSync(elf, readFileSync(guest("bin/hello.elf")));
    const cases: [string[], RegExp][] = [
      [
        ["--disk", img, "--snapshot-at", "1000", "--save", img],
        /--save .*same\.img is the --disk image .*same\.img: the snapshot would replace the disk it needs on resume/,
      ],
      // The same file by another path (relative, with a dot).
      [["--disk", img, "--snapshot-at", "1000", "--save", join(tmp, ".", "same.img")], /is the --disk image/],
      [["--snapshot-at", "1000", "--save", elf], /--save .*hello-copy\.elf is the ELF file: the snapshot would replace it/],
      [
        ["--disk", img, "--disk", join(tmp, ".", "same.img")],
        /--disk .*same\.img is the file --disk .*same\.img names: two devices would write one image/,
      ],
    ];
    for (const [args, message] of cases) {
      const r = await runCli("boot", elf, ...args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr, args.join(" ")).toMatch(message);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
    }
    // Nothing was written over: the image and the ELF are as they were.
    expect(readFileSync(img).equals(before)).toBe(true);
    expect(readFileSync(elf).equals(readFileSync(guest("bin/hello.elf")))).toBe(true);
  });

  it("an image larger than the --disk-model's drive is refused in one line naming the image, the model and the most it takes", async () => {
    // It said "model block backend: the store (838860800 sectors from sector 0) does not fit the target's 585937500 sectors".
    const img = join(tmp, "big.img");
    writeFileSync(img, "");
    truncateSync(img, 300_000_000_000 + 512); // sparse: one sector more than the Cheetah 15K.5's 300 GB
    const r = await runCli("boot", guest("bin/hello.elf"), "--disk", img, "--disk-model", "cheetah-15k5");
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(
      /^vmlab boot: disk image .*big\.img cannot go on the "cheetah-15k5" disk model: the disk \(its store\) of 300000000512 bytes does not fit the drive model \(its target\) of 300000000000 bytes \(585937500 sectors\); use a disk of at most 300000000000 bytes/,
    );
    rmSync(img);
  });

  it("an unknown --disk-model, or one without a --disk, is bad usage that names the models", async () => {
    const img = join(tmp, "model-bad.img");
    writeFileSync(img, new Uint8Array(1024 * 1024));
    const r = await runCli("boot", guest("bin/hello.elf"), "--disk", img, "--disk-model", "floppy");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /unknown disk model "floppy"; available: cheetah-15k5, cheetah-15k5-wce, mlc-ssd, raid1-cheetah-15k5-wce, raid5-array/,
    );
    expect(r.stderr).toMatch(/cheetah-15k5: Seagate Cheetah 15K\.5/);
    // An empty name was a ZodError dump with a stack trace and exit 1.
    const empty = await runCli("boot", guest("bin/hello.elf"), "--disk", img, "--disk-model", "");
    expect(empty.code).toBe(2);
    expect(empty.stderr.trim().split("\n")).toHaveLength(1);
    expect(empty.stderr).toMatch(/model="" is invalid/);
    // Named as the option the user typed, not as the device spec's field.
    expect(empty.stderr).toMatch(/^vmlab boot: --disk-model="" is invalid: expected a disk model name \(cheetah-15k5, /);
    expect(empty.stderr).not.toMatch(/devices\[0\]/);
    const lone = await runCli("boot", guest("bin/hello.elf"), "--disk-model", "cheetah-15k5");
    expect(lone.code).toBe(2);
    expect(lone.stderr).toMatch(/--disk-model needs a --disk/);
  });

  it("--disk-queue-depth without a --disk is bad usage in one line, not dropped without a word", async () => {
    const r = await runCli("boot", guest("bin/hello.elf"), "--disk-queue-depth", "4");
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/--disk-queue-depth has no effect without a --disk/);
  });

  it("a missing disk image is bad input: one line, exit 2", async () => {
    const missing = join(tmp, "missing.img");
    const r = await runCli("boot", guest("bin/hello.elf"), "--disk", missing);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/disk image .*missing\.img does not exist; create one/);
    expect(existsSync(missing)).toBe(false);
  });

  it("a disk image of a bad size is named in the one line: with two --disk, 'disk size 0 bytes is invalid' said not which", async () => {
    const good = join(tmp, "good.img");
    writeFileSync(good, new Uint8Array(1 << 20));
    for (const [name, bytes] of [
      ["empty.img", 0],
      ["odd.img", 1000],
    ] as const) {
      const bad = join(tmp, name);
      writeFileSync(bad, new Uint8Array(bytes));
      const r = await runCli("boot", guest("bin/hello.elf"), "--disk", good, "--disk", bad);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(
        `vmlab boot: disk image ${bad}: size ${bytes} bytes is invalid: use a whole number of 512-byte sectors > 0 (e.g. 64 MiB = 67108864)\n`,
      );
    }
  });

  // A snapshot holds no disk contents: resume reopens the image at its recorded path, as it is.
  it("resume with the snapshot's disk image gone or resized says so in one line (exit 2), not in API terms or as a corrupt snapshot", async () => {
    const img = join(tmp, "resume-disk.img");
    writeFileSync(img, new Uint8Array(4 * 1024 * 1024));
    const snap = join(tmp, "resume-disk.snap");
    const args = [guest("bin/vicbench.elf"), "--input", guest("programs/vicbench.input"), "--disk", img];
    expect((await runCli("boot", ...args, "--snapshot-at", "60000", "--save", snap)).code).toBe(0);

    rmSync(img);
    const gone = await runCli("resume", snap);
    expect(gone.code).toBe(2);
    expect(gone.stderr.trim().split("\n")).toHaveLength(1);
    expect(gone.stderr).toContain(`vmlab resume: ${snap} uses the disk image ${img}, which does not exist`);
    expect(gone.stderr).not.toMatch(/create: true/);
    expect(existsSync(img)).toBe(false);

    writeFileSync(img, new Uint8Array(2 * 1024 * 1024));
    const resized = await runCli("resume", snap);
    expect(resized.code).toBe(2);
    expect(resized.stderr.trim().split("\n")).toHaveLength(1);
    expect(resized.stderr).toMatch(/was 4194304 bytes when the snapshot was taken, its image now has 2097152/);
    expect(resized.stderr).not.toMatch(/corrupt/);
    expect(statSync(img).size).toBe(2 * 1024 * 1024);
  });

  it("a bad --rng-seed is bad usage", async () => {
    const r = await runCli("boot", guest("bin/rng.elf"), "--rng-seed", "-1");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--rng-seed -1 is invalid/);
  });
});
