import {
  CAUSE_BREAKPOINT,
  CAUSE_MACHINE_ECALL,
  CAUSE_USER_ECALL,
  MSTATUS_MIE,
  MSTATUS_MPIE,
  MSTATUS_MPP,
  MSTATUS_MPP_SHIFT,
  MSTATUS_MPRV,
  PRIV_M,
  PRIV_U,
} from "./constants.js";
import type { Hart } from "./hart.js";

/**
 * ECALL, EBREAK, MRET, WFI (and anything else under SYSTEM with funct3 = 0) on `h` (`Hart.sys`, the
 * slow path translated code calls). Returns 1 if retired.
 */
export function executeSystem(h: Hart, insn: number, pc: number, nk: number): number {
  switch (insn) {
    case 0x00000073: // ECALL
      return h.trapAt(h.priv === PRIV_U ? CAUSE_USER_ECALL : CAUSE_MACHINE_ECALL, 0, pc, nk);
    case 0x00100073: // EBREAK: mtval = 0, as QEMU 7.2
      return h.trapAt(CAUSE_BREAKPOINT, 0, pc, nk);
    case 0x30200073: // MRET
      if (h.priv !== PRIV_M) return h.illegal(insn, pc, nk);
      // QEMU 7.2: an mret to U mode while no PMP entry is active is an illegal instruction
      // at the mret (U mode could not fetch anything).
      if ((h.mstatus & MSTATUS_MPP) >>> MSTATUS_MPP_SHIFT !== PRIV_M && !h.pmp.anyActive) return h.illegal(insn, pc, nk);
      mret(h);
      return 1;
    case 0x10500073: // WFI: illegal in U mode as on QEMU (which has S mode); with TW in any mode below M
      if (h.priv !== PRIV_M) return h.illegal(insn, pc, nk);
      h.pc = (pc + 4) | 0;
      if ((h.mip & h.mie) === 0) {
        h.inBlock = nk + 1;
        if (!h.host.waitForInterrupt()) h.stuck = true;
        h.inBlock = 0;
      }
      h.exitLoop = 1;
      return 1;
    default:
      return h.illegal(insn, pc, nk);
  }
}

/** MRET (priv. spec §3.3.2): pop the privilege and MIE; MPRV clears when leaving M. */
function mret(h: Hart): void {
  const s = h.mstatus;
  const mpp = (s & MSTATUS_MPP) >>> MSTATUS_MPP_SHIFT;
  let ns = (s & ~(MSTATUS_MIE | MSTATUS_MPP)) | MSTATUS_MPIE | ((s & MSTATUS_MPIE) !== 0 ? MSTATUS_MIE : 0);
  if (mpp !== PRIV_M) ns &= ~MSTATUS_MPRV;
  h.mstatus = ns;
  h.priv = mpp;
  h.pc = h.mepc;
  h.updateVariant();
  h.updateIrq();
}
