import type { Stats } from "node:fs";
import { chmod, link, lstat, mkdir, mkdtemp, readdir, rename, rm, rmdir, stat, unlink, writeFile } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { CliErrors } from "../errors.js";
import { withSignalsDeferred } from "../signals.js";

/**
 * Checks, before any work, that `dir` can be written — leaving nothing
 * behind, so a run that fails later leaves no trace. In an existing `dir`, an
 * entry where a file every run writes goes (`alwaysWritten`) that the write
 * would refuse is refused now too, after no work: a directory, or a file no
 * earlier run wrote (`earlierOutputs`: the files an earlier run's results.json
 * there lists, asked only if such a file is there).
 */
export async function checkWritableDir(
  dir: string,
  alwaysWritten: readonly string[] = [],
  earlierOutputs: () => Promise<readonly string[]> = async () => [],
): Promise<void> {
  const target = resolve(dir);
  let p = target;
  for (;;) {
    try {
      const s = await stat(p);
      if (!s.isDirectory()) throw CliErrors.unwritableOut(dir, `${p} is not a directory`);
      if (p === target) await checkAlwaysWritten(dir, p, alwaysWritten, earlierOutputs);
      await probeDir(dir, p);
      return;
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === "ENOENT") {
        // A symbolic link whose target is missing (a results disk not mounted): stat finds nothing there, but
        // nothing can be made there either — the run's work was done, then lost when the write failed.
        if ((await entryAt(p))?.isSymbolicLink()) throw CliErrors.unwritableOut(dir, `${p} is a symbolic link to a missing target`);
        const parent = dirname(p);
        if (parent === p) throw CliErrors.unwritableOut(dir, "no existing parent directory");
        p = parent;
        continue;
      }
      if (code === "ENOTDIR") throw CliErrors.unwritableOut(dir, "a part of the path is not a directory");
      // Bad paths, not failed runs: they were an internal error with a stack trace (exit 1).
      if (code === "ELOOP") throw CliErrors.unwritableOut(dir, `${p} goes through a loop of symbolic links`);
      if (code === "ENAMETOOLONG") throw CliErrors.unwritableOut(dir, "the path or one of its names is too long");
      if (code === "EACCES" || code === "EPERM" || code === "EROFS") throw CliErrors.unwritableOut(dir, "permission denied");
      throw e;
    }
  }
}

/** `checkWritableDir`'s look at the files every run writes, in the existing directory `p`. */
async function checkAlwaysWritten(
  dir: string,
  p: string,
  alwaysWritten: readonly string[],
  earlierOutputs: () => Promise<readonly string[]>,
): Promise<void> {
  let ours: readonly string[] | null = null;
  for (const name of alwaysWritten) {
    const entry = await entryAt(join(p, name));
    if (entry === null) continue;
    if (entry.isDirectory()) throw CliErrors.unwritableOut(dir, `${join(p, name)} is a directory`);
    ours ??= await earlierOutputs();
    if (!ours.includes(name)) throw CliErrors.unwritableOut(dir, notOursText(join(p, name)));
  }
}

/**
 * Makes and removes an empty directory in `p`, the nearest existing directory of `--out`, as the write will
 * (`writeFilesAtomically` makes its temporary directory there). Permission bits (`access`) do not say it: root
 * passes them on procfs, where mkdir fails with ENOENT, and on a read-only mount; the run's work was done, then
 * lost when the write failed. Leaves nothing behind.
 */
async function probeDir(dir: string, p: string): Promise<void> {
  let made: string;
  try {
    made = await mkdtemp(join(p, ".vmlab-probe-"));
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === "EACCES" || code === "EPERM" || code === "EROFS") throw CliErrors.unwritableOut(dir, "permission denied");
    throw CliErrors.unwritableOut(dir, `no directory can be made in ${p} (${code ?? String(e)})`);
  }
  await rmdir(made);
}

/**
 * `mkdir -p` one level at a time. Node's `mkdir(p, { recursive: true })` never returns where mkdir says
 * ENOENT under an existing directory (procfs, sysfs: `--out /proc/x` as root spun at full CPU, with the
 * signals deferred around the write): here that mkdir's error is thrown.
 */
async function makeDirs(dir: string): Promise<void> {
  const missing: string[] = [];
  for (let p = dir; ; p = dirname(p)) {
    try {
      await stat(p);
      break;
    } catch {
      if (dirname(p) === p) break;
      missing.push(p);
    }
  }
  for (const p of missing.reverse())
    await mkdir(p).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== "EEXIST") throw e; // made meanwhile (another run into the same parent)
    });
}

/** The entry at `p` itself (a symbolic link, not its target; a dangling one too), or null when there is none. */
async function entryAt(p: string): Promise<Stats | null> {
  return lstat(p).catch(() => null);
}

/**
 * The entry at `p` about to be replaced by an output file: refused when it is a directory, or a file no earlier run
 * wrote (`ours`: not among the outputs its results.json lists) — a user's trace named like a table the run writes was
 * replaced, and with it gone nothing could bring it back.
 */
async function replaceableEntry(p: string, ours: boolean): Promise<Stats | null> {
  const entry = await entryAt(p);
  if (entry?.isDirectory()) throw new Error(`${p} is a directory`);
  if (entry !== null && !ours) throw new Error(notOursText(p));
  return entry;
}

/** Why a file by an output's name is not replaced (the error adds what to do). */
function notOursText(p: string): string {
  return `${p} is not among the files the results.json there lists (not written by vmlab, or by a run whose write was cut short) and is left alone`;
}

/**
 * A file's content: text, or its text in chunks, each written as it is made (read once: a generator). Written to the
 * temporary directory like text, so a chunked file is all or nothing too.
 */
export type FileContent = string | Iterable<string>;

/**
 * Writes a set of files into `dir` all or nothing: everything goes to a
 * fresh temporary directory first, and only when all files are complete are
 * they moved into place. A new `dir` is made as a sibling and renamed whole
 * (one rename). An existing `dir` gets its temporary directory inside itself,
 * so writing needs only `dir` writable (as `checkWritableDir` checked), not
 * its parent; each file about to be replaced (a symbolic link itself, not
 * its target) is first linked aside into the temporary directory (moved, where
 * no link can be made), then the new one renamed over it, so a process killed
 * midway (`kill -9`) leaves every file in place, the earlier or the new one,
 * and the temporary directory (`.vmlab.tmp-*`) behind. If any of those renames fails (another user's file in a
 * sticky directory, EIO, a quota), every file is moved back as it was before
 * the error is thrown, so `dir` holds the earlier run's files, never a mix of
 * two runs; were even that to fail, the earlier files that could not be put
 * back are kept in the temporary directory, which the error names.
 * `replaces`: the files an earlier write put in `dir` (a previous run's
 * tables and figures); only those are replaced: a new file's name held there
 * by anything else (a directory, a user's own file) is refused before anything
 * changes. Those of `replaces` the new set does not have are removed once it
 * is in place, so the directory holds one run's output (one that cannot be
 * removed stays). Other files in `dir` are left alone.
 */
export async function writeFilesAtomically(
  dir: string,
  files: ReadonlyMap<string, FileContent>,
  replaces: readonly string[] = [],
): Promise<void> {
  await withSignalsDeferred(() => commitFiles(dir, files, replaces));
}

async function commitFiles(dir: string, files: ReadonlyMap<string, FileContent>, replaces: readonly string[]): Promise<void> {
  const target = resolve(dir);
  const ours = new Set(replaces);
  const parent = dirname(target);
  let exists = false;
  try {
    exists = (await stat(target)).isDirectory();
  } catch {
    exists = false;
  }
  let tmp: string;
  try {
    if (!exists) await makeDirs(parent);
    tmp = await mkdtemp(exists ? join(target, ".vmlab.tmp-") : join(parent, `.${basename(target)}.tmp-`));
  } catch (e) {
    throw CliErrors.unwritableOut(dir, (e as Error).message);
  }
  // Into an existing `dir`: the new files in `staged`, the ones they replace moved aside into `aside`.
  const staged = exists ? join(tmp, "new") : tmp;
  const aside = join(tmp, "previous");
  try {
    // mkdtemp makes the directory private (0700); a results directory is an ordinary one.
    await chmod(tmp, 0o755);
    if (exists) {
      await mkdir(staged);
      await mkdir(aside);
    }
    for (const [name, content] of files) await writeFile(join(staged, name), content);
    if (!exists) {
      await rename(tmp, target);
      return;
    }
    // Nothing in `dir` changes until every new file can go in: a rename onto a directory of the same name (not a
    // file vmlab wrote) fails, and it failed after the files before it had replaced the previous run's — a mixed
    // directory, and the command said it could not write.
    for (const name of files.keys()) await replaceableEntry(join(target, name), ours.has(name));
  } catch (e) {
    throw CliErrors.unwritableOut(dir, (e as Error).message + (await removeTmp(tmp)));
  }
  const moves = await moveIn(target, staged, aside, [...files.keys()], ours);
  if (moves.error !== undefined) {
    const undo = await moveBack(target, moves.done);
    let why = moves.error.message;
    if (undo.newLeft.length > 0) why += `; new files that could not be removed again: ${undo.newLeft.join(", ")}`;
    // The earlier run's files that could not be put back are in `aside`: removing it would lose them.
    if (undo.notBack.length > 0)
      throw CliErrors.unwritableOut(
        dir,
        `${why}; the earlier files that could not be put back are in "${aside}" (${undo.notBack.join(", ")})`,
      );
    throw CliErrors.unwritableOut(dir, why + (await removeTmp(tmp)));
  }
  // The new output is in place; the earlier files moved aside go. One by one, not `rm -r`: should a directory
  // have been made under a name since it was checked, it was moved aside, and it stays (with `tmp`).
  for (const move of moves.done) if (move.previous !== undefined) await unlink(move.previous).catch(() => undefined);
  for (const d of [staged, aside, tmp]) await rmdir(d).catch(() => undefined);
  // An old entry that cannot be removed (a directory by that name is not a file vmlab wrote) is left alone
  // rather than reported as a failed write.
  for (const name of replaces) if (!files.has(name)) await rm(join(target, name), { force: true }).catch(() => undefined);
}

/**
 * Removes the temporary directory of a write that failed (it holds only new files). Should that fail too (the
 * disk that failed the write), says so for the error's line, rather than throwing in its place (an internal
 * error, exit 1, instead of the line naming the failure).
 */
async function removeTmp(tmp: string): Promise<string> {
  try {
    await rm(tmp, { recursive: true, force: true });
    return "";
  } catch (e) {
    return `; its temporary directory "${tmp}" could not be removed (${(e as { code?: string }).code ?? String(e)})`;
  }
}

/** One file moved into `dir`: `previous` is where the entry it replaced was moved aside to (none if there was none). */
interface Move {
  name: string;
  previous: string | undefined;
  placed: boolean;
}

/**
 * Moves each of `names` from `staged` into `target`, the entry there (a file or a symbolic link, never a
 * directory) first linked (or, failing that, moved) aside into `aside`. Stops at the first rename that fails, returning it with the
 * moves made so far.
 */
async function moveIn(
  target: string,
  staged: string,
  aside: string,
  names: readonly string[],
  ours: ReadonlySet<string>,
): Promise<{ done: Move[]; error?: Error }> {
  const done: Move[] = [];
  try {
    for (const [i, name] of names.entries()) {
      const to = join(target, name);
      const move: Move = { name, previous: undefined, placed: false };
      // Checked again: a directory (or a user's file) made under the name since the check above is never moved aside.
      if ((await replaceableEntry(to, ours.has(name))) !== null) {
        // Under its own name, so the error can point at it should it not go back; numbered if the name has a '/'.
        const previous = join(aside, name.includes("/") ? String(i) : name);
        // Kept by a second link, it stays in place until the new file replaces it in one rename: moved aside, it was
        // in neither place until then, and a `kill -9` (or a power loss) there left `dir` without it. Where no link
        // can be made (a filesystem without them, another user's file), it is moved aside.
        await link(to, previous).catch(() => rename(to, previous));
        move.previous = previous;
      }
      done.push(move);
      await rename(join(staged, name), to);
      move.placed = true;
    }
    return { done };
  } catch (e) {
    return { done, error: e as Error };
  }
}

/**
 * Undoes `moves`, last first: the entry moved aside goes back over the new file (one rename), a new file
 * that replaced nothing is removed. Returns the names whose earlier entry could not be put back, and those
 * of new files that replaced nothing and could not be removed.
 */
async function moveBack(target: string, moves: readonly Move[]): Promise<{ notBack: string[]; newLeft: string[] }> {
  const notBack: string[] = [];
  const newLeft: string[] = [];
  for (const move of [...moves].reverse()) {
    const to = join(target, move.name);
    try {
      if (move.previous !== undefined) await rename(move.previous, to);
      else if (move.placed) await unlink(to);
    } catch {
      (move.previous !== undefined ? notBack : newLeft).unshift(move.name);
    }
  }
  return { notBack, newLeft };
}

/**
 * Notes on temporary directories an interrupted write (`kill -9`, a power loss) left, one line each:
 * `.vmlab.tmp-*` in `dir` (its `previous/` may hold an earlier run's files, the only copy of those the
 * interrupted write had replaced) and, from a write into a new `dir`, `.<name>.tmp-*` beside it (a run's files
 * that never got into place). Nothing removes them on its own, so a run into `dir` names them.
 */
export async function leftoverWriteNotes(dir: string): Promise<string[]> {
  const target = resolve(dir);
  const names = async (d: string, prefix: string) =>
    (await readdir(d).catch(() => [] as string[])).filter((n) => n.startsWith(prefix)).sort();
  const inDir = (await names(target, ".vmlab.tmp-")).map(
    (n) =>
      `${join(dir, n)} is left from an interrupted write into ${dir}: its previous/ holds files an earlier run wrote there; delete it once you no longer need them`,
  );
  const beside = (await names(dirname(target), `.${basename(target)}.tmp-`)).map(
    (n) => `${join(dirname(dir), n)} is left from an interrupted write of ${dir}: it holds that run's files, never put in place; delete it`,
  );
  return [...inDir, ...beside];
}
