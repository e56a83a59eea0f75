import type { Command } from "commander";
import type { CliIo } from "../io.js";
import { allScenarios } from "../plugins.js";

export function register(program: Command, io: CliIo): void {
  program
    .command("list")
    .description("list the scenarios: id, package, title and the paper each reproduces")
    .option("--json", "print a JSON array instead of a table")
    .action(async (opts: { json?: boolean }) => {
      const rows = (await allScenarios()).map(({ scenario: s, package: p }) => ({ id: s.id, package: p, title: s.title, paper: s.paper }));
      if (opts.json) {
        io.stdout(`${JSON.stringify(rows, null, 2)}\n`);
        return;
      }
      const w = Math.max(2, ...rows.map((r) => r.id.length));
      const pw = Math.max(7, ...rows.map((r) => r.package.length));
      io.stdout(`${"id".padEnd(w)}  ${"package".padEnd(pw)}  title — paper\n`);
      for (const r of rows) io.stdout(`${r.id.padEnd(w)}  ${r.package.padEnd(pw)}  ${r.title} — ${r.paper}\n`);
    });
}
