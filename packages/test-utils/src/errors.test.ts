import { describe, expect, it } from "vitest";
import { refusedDetail, thrownCode } from "./errors.js";

/** A VmlabError as core-vm makes one (recognised by name and code: this package does not depend on core-vm). */
function vmlabError(code: string, details: Record<string, unknown>): Error {
  return Object.assign(new Error(`${code}: refused`), { name: "VmlabError", code, details });
}

describe("error probes", () => {
  it("thrownCode names the code, no error, or a foreign throw", () => {
    expect(thrownCode(() => {})).toBe("no error");
    expect(
      thrownCode(() => {
        throw vmlabError("VMLAB_X", {});
      }),
    ).toBe("VMLAB_X");
    expect(
      thrownCode(() => {
        throw new TypeError("boom");
      }),
    ).toBe("not a VmlabError: TypeError: boom");
  });

  it("refusedDetail gives the refusal's detail, 'ran', and rethrows any other throw", () => {
    const refuse = (code: string) => () => {
      throw vmlabError(code, { key: "hosts[1].vms[0].diskGB", value: 3 });
    };
    expect(refusedDetail(() => {}, "VMLAB_X")).toBe("ran");
    expect(refusedDetail(refuse("VMLAB_X"), "VMLAB_X")).toBe("hosts[1].vms[0].diskGB");
    expect(refusedDetail(refuse("VMLAB_X"), "VMLAB_X", "value")).toBe("3");
    expect(() => refusedDetail(refuse("VMLAB_Y"), "VMLAB_X")).toThrow("VMLAB_Y");
    expect(() =>
      refusedDetail(() => {
        throw new TypeError("boom");
      }, "VMLAB_X"),
    ).toThrow(TypeError);
  });
});
