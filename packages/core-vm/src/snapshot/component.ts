/**
 * What a stateful part implements to join a snapshot (a virtio device and
 * its in-flight requests, a workload model, ...): the snapshot asks every
 * component for `save()` generically and stores each state in its own
 * checksummed section, named after the component.
 *
 * Restore is two-phase so that a bad snapshot changes nothing: first every
 * component `parse`s its untrusted state (throwing a `VmlabError` if it is
 * invalid, touching nothing), and only when all of them — and the machine,
 * the event queue, the PRNG streams and the memory image — have passed, each
 * `restore`s the parsed value, which must not fail.
 */
export interface SnapshotComponent<S = unknown> {
  /** Stable, unique name: the section's name (e.g. "virtio-blk@10001000"). */
  readonly name: string;
  /** The state schema's version, recorded in the envelope and checked before `parse`. */
  readonly version: number;
  /** The state as plain JSON data (typed arrays as arrays or base64 strings). */
  save(): S;
  /** Validates untrusted state; throws a `VmlabError` if it is invalid. Changes nothing. */
  parse(state: unknown): S;
  /** Applies a state that `parse` accepted. */
  restore(state: S): void;
}
