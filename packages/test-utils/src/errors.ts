/**
 * The code of the `VmlabError` that `f` throws, for tests to compare with the code they expect:
 * "no error" if `f` returns, "not a VmlabError: …" for any other throw. Recognised as core-vm's
 * `isVmlabError` does (name and a string code), so this package needs no dependency on core-vm.
 */
export function thrownCode(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    return e instanceof Error && e.name === "VmlabError" && typeof code === "string" ? code : `not a VmlabError: ${String(e)}`;
  }
  return "no error";
}
