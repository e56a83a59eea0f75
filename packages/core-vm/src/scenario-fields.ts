import type { z } from "zod";

/**
 * A sweep axis of a scenario's config: each value at most once. A repeated value (`--set oio=4,4`)
 * either ran its points twice (and weighed them twice in every summary) or was merged without a
 * word, depending on the scenario; every scenario now refuses it the same way, with the value
 * named. `uniqueItems` reaches the JSON schema, so `vmlab describe` shows the rule.
 * Lists whose entries belong to something (one share per host, one stop per VM) repeat freely and do not use this.
 */
export function eachOnce<S extends z.ZodArray<z.ZodType>>(list: S): S {
  return list
    .superRefine((xs: readonly unknown[], ctx) => {
      const seen = new Map<unknown, number>();
      for (const x of xs) seen.set(x, (seen.get(x) ?? 0) + 1);
      for (const [x, n] of seen)
        if (n > 1) {
          ctx.addIssue({ code: "custom", message: `each value at most once, got ${String(x)} ${n === 2 ? "twice" : `${n} times`}` });
          return;
        }
    })
    .meta({ uniqueItems: true }) as S;
}
