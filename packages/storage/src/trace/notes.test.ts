import { describe, expect, it } from "vitest";
import { issueOrderNote, untimedIosNote } from "./notes.js";

const inOrder = { reorderWindow: 4096, reordered: 0, late: 0, firstLate: null, firstOutOfOrder: null };

describe("untimedIosNote", () => {
  it("is null when every IO has a response time", () => {
    expect(untimedIosNote(0, 0, "w")).toBeNull();
  });
  it("tells failed IOs and the other untimed ones apart, in one part that counts each IO once", () => {
    expect(untimedIosNote(3, 0, "w")).toBe("3 IOs without a recorded response time (w)");
    expect(untimedIosNote(1, 1, "w")).toBe("1 IO completed with an error (its C event's [error] not 0), so without a response time (w)");
    expect(untimedIosNote(5, 2, "w")).toBe(
      "2 IOs completed with an error (their C event's [error] not 0), so without a response time, and 3 other IOs without a recorded response time (w)",
    );
  });
});

describe("issueOrderNote", () => {
  const cmd = { unit: "line", replayed: false, largerWindow: "pass a larger --reorder-window" };
  it("is null for a trace in issue order, with or without a window", () => {
    expect(issueOrderNote(inOrder, cmd)).toBeNull();
    expect(issueOrderNote({ ...inOrder, reorderWindow: 0 }, cmd)).toBeNull();
  });
  it("with a window of 0, counts every IO issued earlier than one before it", () => {
    const s = { ...inOrder, reorderWindow: 0, late: 2, firstLate: 4, firstOutOfOrder: 4 };
    expect(issueOrderNote(s, { ...cmd, unit: "record" })).toBe(
      "2 IOs issued earlier than an IO before them (interarrival 0; first: record 4)",
    );
  });
  it("says what the window put back and what came too late, in the words of the command or the scenario", () => {
    const s = { ...inOrder, reordered: 1, late: 1, firstLate: 5, firstOutOfOrder: 3 };
    expect(issueOrderNote(s, cmd)).toBe(
      "2 IOs out of issue order (first: line 3): 1 put back in issue order by the reorder window of 4096 records, " +
        "1 too late for it, characterized where it came (interarrival 0; first: line 5; sort the file by time or pass a larger --reorder-window to put it in order)",
    );
    const scenario = { unit: "line", replayed: true, largerWindow: "set a larger traceReorderWindow" };
    expect(issueOrderNote({ ...s, late: 2 }, scenario)).toContain(
      "2 too late for it, characterized and replayed where they came (interarrival 0; first: line 5; sort the file by time or set a larger traceReorderWindow to put them in order)",
    );
  });
});
