import { describe, expect, it } from "vitest";
import { plural } from "./plural.js";

describe("plural", () => {
  it("puts the noun in the singular for exactly one, else the plural", () => {
    expect([0, 1, 2, 1.5].map((n) => plural(n, "bad line"))).toEqual(["0 bad lines", "1 bad line", "2 bad lines", "1.5 bad lines"]);
    expect(plural(1, "IO")).toBe("1 IO");
    expect(plural(3, "IO")).toBe("3 IOs");
    expect(plural(2, "destage write", "destage writes")).toBe("2 destage writes");
    expect(plural(2, "process", "processes")).toBe("2 processes");
  });
});
