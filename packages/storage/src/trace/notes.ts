import { plural } from "@vmlab/core-vm";
import type { CharacterizeSummary } from "./characterize.js";

/**
 * The note on a trace's IOs without a response time, as `vmlab vscsistats` and `vscsistats-characterize` tell of
 * them: those that failed (blkparse: their C event's error is not 0) and the others, in one part — the failed ones are
 * among the `untimed`, and two parts ("1 IO completed with an error; 1 without a response time") read as two IOs of
 * a trace with one failed IO. `where` says which histograms they are missing from. Null when every IO has one.
 */
export function untimedIosNote(untimed: number, failed: number, where: string): string | null {
  const others = Math.max(0, untimed - failed);
  if (failed === 0) return others === 0 ? null : `${plural(others, "IO")} without a recorded response time (${where})`;
  const its = failed === 1 ? "its" : "their";
  const rest = others === 0 ? "" : `, and ${plural(others, "other IO")} without a recorded response time`;
  return `${plural(failed, "IO")} completed with an error (${its} C event's [error] not 0), so without a response time${rest} (${where})`;
}

/** How `issueOrderNote` words a late IO's fate and the advice for it. */
export interface IssueOrderWords {
  /** "line", or "record" in a binary trace. */
  unit: string;
  /** Whether the late IOs were also replayed where they came (the scenario replays the trace; the command does not). */
  replayed: boolean;
  /** How to give a larger reorder window: "pass a larger --reorder-window", "set a larger traceReorderWindow". */
  largerWindow: string;
}

type IssueOrder = Pick<CharacterizeSummary, "reorderWindow" | "reordered" | "late" | "firstLate" | "firstOutOfOrder">;

/**
 * The note on IOs out of issue order (`characterizeTrace`'s counts): put back in order by the reorder window, or too
 * late for it (characterized where they came, interarrival 0). With a window of 0 (the file's order) every IO issued
 * earlier than an IO before it is late. Null when none was out of order.
 */
export function issueOrderNote(s: IssueOrder, words: IssueOrderWords): string | null {
  const they = (one: string, more: string) => (s.late === 1 ? one : more);
  const { unit } = words;
  if (s.reorderWindow === 0)
    return s.late === 0
      ? null
      : `${plural(s.late, "IO")} issued earlier than an IO before ${they("it", "them")} (interarrival 0; first: ${unit} ${s.firstLate})`;
  if (s.reordered + s.late === 0) return null;
  const parts = [`${s.reordered} put back in issue order by the reorder window of ${plural(s.reorderWindow, "record")}`];
  if (s.late > 0) {
    const fate = words.replayed ? "characterized and replayed" : "characterized";
    parts.push(
      `${s.late} too late for it, ${fate} where ${they("it", "they")} came (interarrival 0; first: ${unit} ${s.firstLate}; sort the file by time or ${words.largerWindow} to put ${they("it", "them")} in order)`,
    );
  }
  return `${plural(s.reordered + s.late, "IO")} out of issue order (first: ${unit} ${s.firstOutOfOrder}): ${parts.join(", ")}`;
}
