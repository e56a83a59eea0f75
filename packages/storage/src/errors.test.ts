import { describe, expect, it } from "vitest";
import { StorageErrors } from "./errors.js";

describe("StorageErrors", () => {
  // "1 IOs are in flight": a count and its noun (and verb) agree.
  it("names one IO in flight, or one sector in a write cache, in the singular", () => {
    expect(StorageErrors.notQuiescent("hdd d0", 1).message).toMatch(/^cannot save hdd d0: 1 IO is in flight; /);
    expect(StorageErrors.notQuiescent("hdd d0", 3).message).toMatch(/^cannot save hdd d0: 3 IOs are in flight; /);
    // A refused restore says so: it said "cannot save … then save" for both.
    expect(StorageErrors.notQuiescent("hdd d0", 1, "restore").message).toMatch(
      /^cannot restore hdd d0: 1 IO is in flight; .*, then restore$/,
    );
    expect(StorageErrors.dirtyWriteCache("hdd d0", 1).message).toMatch(
      /its write cache holds 1 sector not yet on the media; run .* until it is written back/,
    );
    expect(StorageErrors.dirtyWriteCache("hdd d0", 8).message).toMatch(
      /holds 8 sectors not yet on the media; run .* until they are written back/,
    );
  });
});
