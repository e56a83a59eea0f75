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

/**
 * What a refusal names: `details[detail]` of the `VmlabError` with `code` that `f` throws, or "ran" if `f` returns.
 * Any other throw (another code included) is rethrown, failing the test with it.
 */
export function refusedDetail(f: () => unknown, code: string, detail = "key"): string {
  try {
    f();
  } catch (e) {
    const err = e as { code?: unknown; details?: Record<string, unknown> };
    if (!(e instanceof Error && e.name === "VmlabError" && err.code === code)) throw e;
    return String(err.details?.[detail]);
  }
  return "ran";
}

/** The message of the error `f` throws, "" if `f` returns: for tests that read a refusal's words. */
export function thrownMessage(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    return (e as Error).message;
  }
  return "";
}
