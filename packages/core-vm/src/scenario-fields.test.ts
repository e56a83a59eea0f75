import { describe, expect, it } from "vitest";
import { z } from "zod";
import { eachOnce } from "./scenario-fields.js";

describe("eachOnce: a sweep axis", () => {
  const axis = eachOnce(z.array(z.number()).min(1));
  it("refuses a repeated value, naming it and how often it was given", () => {
    expect(axis.safeParse([4, 16, 4]).error?.issues.map((i) => i.message)).toEqual(["each value at most once, got 4 twice"]);
    expect(axis.safeParse([0.5, 0.5, 0.5]).error?.issues.map((i) => i.message)).toEqual(["each value at most once, got 0.5 3 times"]);
    expect(axis.safeParse([1, 4, 16]).data).toEqual([1, 4, 16]);
  });
  it("keeps the list's own rules and says uniqueItems in the JSON schema `vmlab describe` reads", () => {
    expect(axis.safeParse([]).success).toBe(false);
    const schema = z.toJSONSchema(z.object({ a: axis.default([1]) }), { io: "input" });
    expect(schema.properties?.a).toMatchObject({ type: "array", minItems: 1, uniqueItems: true });
  });
});
