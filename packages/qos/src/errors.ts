import { VmlabError } from "@vmlab/core-vm";

/** The catalogue of @vmlab/qos's of error codes (VMLAB_QOS_*). */
export const QosErrors = {
  /**
   * A configuration value is out of range; `key` names it the way the user wrote it, `issue` says what is allowed
   * and the value given. A model does not know the scenario it runs in: a scenario's wrapper (defineQosScenario)
   * tells this refusal as core-vm's VMLAB_SCENARIO_BAD_CONFIG, naming the scenario, from `details.key` and `details.issue`.
   */
  badConfig: (key: string, issue: string) => new VmlabError("VMLAB_QOS_BAD_CONFIG", `${key}: ${issue}; fix this value`, { key, issue }),
  /** A scheduler or controller was given a VM/host index it does not have. */
  unknownFlow: (what: string, index: number, count: number) =>
    new VmlabError("VMLAB_QOS_UNKNOWN_FLOW", `${what} ${index} does not exist (there are ${count}); use an index in [0, ${count - 1}]`, {
      what,
      index,
      count,
    }),
  /** Saved scheduler/controller state failed validation. */
  badState: (what: string, issue: string) =>
    new VmlabError(
      "VMLAB_QOS_INVALID_STATE",
      `saved ${what} state is invalid (${issue}); the snapshot is corrupt or from an incompatible vmlab version`,
      { what, issue },
    ),
  /** A guest program a scenario boots is not in guest/bin. */
  guestNotFound: (name: string) =>
    new VmlabError(
      "VMLAB_QOS_GUEST_NOT_FOUND",
      `guest/bin/${name}.elf not found; run from the vmlab repository, or rebuild the guests with \`npm run guests\``,
      { name },
    ),
  /** A guest program stopped without printing its result line. */
  guestFailed: (name: string, issue: string, console: string) =>
    new VmlabError("VMLAB_QOS_GUEST_FAILED", `guest ${name} failed: ${issue}; its console output is in details.console`, {
      name,
      issue,
      console,
    }),
} as const;
