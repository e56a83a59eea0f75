import type { Command } from "commander";
import { describeParams } from "../config-schema.js";
import type { CliIo } from "../io.js";
import { findScenario } from "../plugins.js";

function show(v: unknown): string {
  return v === undefined ? "(required)" : Array.isArray(v) ? v.join(",") : String(v);
}

export function register(program: Command, io: CliIo): void {
  program
    .command("describe")
    .description("show a scenario's parameters: name, type, default, allowed range and meaning")
    .argument("<id>", "scenario id (see `vmlab list`)")
    .option("--json", "print JSON")
    .action(async (id: string, opts: { json?: boolean }) => {
      const { scenario: s, package: pkg } = await findScenario(id);
      const params = describeParams(s);
      if (opts.json) {
        io.stdout(`${JSON.stringify({ id: s.id, package: pkg, title: s.title, paper: s.paper, params, quick: s.quick }, null, 2)}\n`);
        return;
      }
      io.stdout(
        `${s.id} (${pkg})\n  ${s.title}\n  reproduces: ${s.paper}\n\nparameters (set with --set name=value; arrays are comma-separated):\n`,
      );
      const nw = Math.max(4, ...params.map((p) => p.name.length));
      const tw = Math.max(4, ...params.map((p) => p.type.length));
      for (const p of params) {
        io.stdout(`  ${p.name.padEnd(nw)}  ${p.type.padEnd(tw)}  default ${show(p.default)}${p.range ? `  [${p.range}]` : ""}\n`);
        if (p.description) io.stdout(`  ${"".padEnd(nw)}  ${p.description}\n`);
      }
      const q = Object.entries(s.quick);
      if (q.length) io.stdout(`\n--quick sets: ${q.map(([k, v]) => `${k}=${show(v)}`).join(" ")}\n`);
    });
}
