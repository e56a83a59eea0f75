import { describe, expect, it } from "vitest";
import { VmlabError } from "./errors.js";
import { asScenarioConfigError, SCENARIO_BAD_CONFIG, scenarioConfigError } from "./scenario-config-error.js";

describe("scenarioConfigError: one shape for every refused config value", () => {
  it("names the scenario, each key with its issue, and the scenario's describe", () => {
    const e = scenarioConfigError("demo", [
      { key: "a", issue: "must be ≤ 3, got 4" },
      { key: "b[0]", issue: "must be > 0, got 0" },
    ]);
    expect(e.code).toBe(SCENARIO_BAD_CONFIG);
    expect(e.message).toBe("invalid config for demo: a: must be ≤ 3, got 4; b[0]: must be > 0, got 0 (see `vmlab describe demo`)");
    expect(e.details).toEqual({
      scenario: "demo",
      key: "a",
      issue: "must be ≤ 3, got 4",
      refusals: [
        { key: "a", issue: "must be ≤ 3, got 4" },
        { key: "b[0]", issue: "must be > 0, got 0" },
      ],
    });
  });

  it("tells a package's config refusal with the scenario, keeping it as the cause; passes anything else unchanged", () => {
    const model = new VmlabError("VMLAB_QOS_BAD_CONFIG", "x: must not be 2, got 2; fix this value", {
      key: "x",
      issue: "must not be 2, got 2",
    });
    const told = asScenarioConfigError("demo", model);
    expect(told).toMatchObject({
      code: SCENARIO_BAD_CONFIG,
      message: "invalid config for demo: x: must not be 2, got 2 (see `vmlab describe demo`)",
      cause: model,
    });
    // Told once: through a second wrapper it stays the first scenario's.
    expect(asScenarioConfigError("other", told)).toBe(told);
    const noKey = new VmlabError("VMLAB_STORAGE_BAD_CONFIG", "array cache: needs a page", { what: "array cache", issue: "needs a page" });
    expect(asScenarioConfigError("demo", noKey)).toBe(noKey);
    const other = new VmlabError("VMLAB_QOS_UNKNOWN_FLOW", "VM 3 does not exist", { key: "k", issue: "i" });
    expect(asScenarioConfigError("demo", other)).toBe(other);
    const plain = new Error("boom");
    expect(asScenarioConfigError("demo", plain)).toBe(plain);
  });
});
