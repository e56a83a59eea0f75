/**
 * vmlab's error type and core-vm's catalogue of codes.
 *
 * Host-side failures throw `VmlabError` with a stable code `VMLAB_<AREA>_<WHAT>`
 * and a message that says what to do. Guest faults are never thrown: they are
 * traps delivered to the guest.
 */
export class VmlabError extends Error {
  override readonly name = "VmlabError";
  readonly code: string;
  /** Extra machine-readable facts (file, line, key, ...). */
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: string, message: string, details: Record<string, unknown> = {}, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
    this.details = details;
  }
}

export function isVmlabError(e: unknown): e is VmlabError {
  return e instanceof VmlabError || (e instanceof Error && e.name === "VmlabError" && typeof (e as VmlabError).code === "string");
}

/** core-vm's catalogue: every code this package throws, with its message. */
export const CoreErrors = {
  simTimeInPast: (at: number, now: number) =>
    new VmlabError(
      "VMLAB_SIM_TIME_IN_PAST",
      `cannot schedule an event at t=${at} ns: the clock is already at ${now} ns; schedule with a delay >= 0`,
      { at, now },
    ),
  simBadDelay: (delay: number) =>
    new VmlabError(
      "VMLAB_SIM_BAD_DELAY",
      `event delay must be a finite number of nanoseconds >= 0, got ${delay}; round or clamp it before scheduling`,
      { delay },
    ),
  simNoHandler: (kind: string) =>
    new VmlabError(
      "VMLAB_SIM_NO_HANDLER",
      `no handler registered for event kind "${kind}"; call sim.on("${kind}", handler) before running`,
      { kind },
    ),
  simDuplicateHandler: (kind: string) =>
    new VmlabError(
      "VMLAB_SIM_DUPLICATE_HANDLER",
      `a handler for event kind "${kind}" is already registered; use one handler per kind and dispatch on the payload`,
      { kind },
    ),
  simBadState: (what: string, issue: string) =>
    new VmlabError(
      "VMLAB_SIM_BAD_STATE",
      `saved ${what} state is invalid (${issue}); the snapshot is corrupt or from an incompatible vmlab version`,
      { what, issue },
    ),
  simProcessError: (name: string, cause: unknown) =>
    new VmlabError(
      "VMLAB_SIM_PROCESS_FAILED",
      `process "${name}" threw: ${cause instanceof Error ? cause.message : String(cause)}`,
      { name },
      { cause },
    ),
  simBadYield: (name: string, value: unknown) =>
    new VmlabError(
      "VMLAB_SIM_BAD_YIELD",
      `process "${name}" yielded ${typeof value}; yield a number (timeout in ns), sim.timeout(), an event, a resource request or a store get`,
      { name },
    ),
  rngBadParameter: (dist: string, issue: string) =>
    new VmlabError("VMLAB_RNG_BAD_PARAMETER", `${dist} distribution: ${issue}`, { dist, issue }),
  metricsBadValue: (metric: string, value: number) =>
    new VmlabError("VMLAB_METRICS_BAD_VALUE", `metric "${metric}" cannot record ${value}: values must be finite and >= 0`, {
      metric,
      value,
    }),
} as const;
