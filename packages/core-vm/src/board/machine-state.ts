import { z } from "zod";
import { HartStateSchema } from "../cpu/hart-state.js";
import { CoreErrors, describeIssues } from "../errors.js";
import { ClintStateSchema } from "./clint.js";
import { PlicStateSchema } from "./plic.js";
import { UartStateSchema } from "./uart16550.js";

/**
 * A machine's state without its RAM (the memory image travels separately,
 * as `ram.u8`): the hart, the devices, the virtual clock and the exit code.
 * Versioned and validated on restore.
 */
export const MachineStateSchema = z.object({
  version: z.literal(1),
  ramBytes: z.number().int().positive(),
  timeNs: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  exitCode: z.number().int().min(0).max(0xffff).nullable(),
  hart: HartStateSchema,
  uart: UartStateSchema,
  clint: ClintStateSchema,
  plic: PlicStateSchema,
  /** The hart is inside a WFI that a time limit cut short (see `run`); absent when not. */
  waiting: z.literal(true).optional(),
});
/** A `Machine`'s saved state: RAM size, virtual time, exit code, hart, UART, CLINT and PLIC (`MachineStateSchema`). */
export type MachineState = z.infer<typeof MachineStateSchema>;

/**
 * A saved state parsed and checked against a machine of `ramSize` bytes of RAM and, if given, the RAM image
 * restored with it (`Machine.restore`); refuses either (`VMLAB_SIM_BAD_STATE`) for another RAM size. The hart and
 * devices' states are checked by the schema; what they hold, by their own restores.
 */
export function checkMachineState(state: unknown, ramSize: number, ramImage: Uint8Array | undefined): MachineState {
  const parsed = MachineStateSchema.safeParse(state);
  if (!parsed.success) throw CoreErrors.simBadState("machine", describeIssues(parsed.error));
  const s = parsed.data;
  if (s.ramBytes !== ramSize) throw CoreErrors.simBadState("machine", `RAM is ${ramSize} bytes but the state is for ${s.ramBytes}`);
  if (ramImage !== undefined && ramImage.length !== ramSize)
    throw CoreErrors.simBadState("machine", `RAM image is ${ramImage.length} bytes, expected ${ramSize}`);
  return s;
}
