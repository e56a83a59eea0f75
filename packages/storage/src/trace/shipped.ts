import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** File name of the CloudPhysics sample trace shipped in `data/traces/` (see its SOURCE.md). */
export const SHIPPED_TRACE_NAME = "cloudphysics-io.vscsi";

/**
 * Path of the shipped trace, whether this module runs from `src/trace/`
 * (tests, the CLI on sources) or from a bundle in `dist/`.
 */
export function shippedTracePath(): string {
  for (const rel of [`../../data/traces/${SHIPPED_TRACE_NAME}`, `../data/traces/${SHIPPED_TRACE_NAME}`]) {
    const path = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(path)) return path;
  }
  return fileURLToPath(new URL(`../../data/traces/${SHIPPED_TRACE_NAME}`, import.meta.url));
}
