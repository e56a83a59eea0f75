import type { Block } from "./code-cache.js";
import { VARIANT_CHECKED_U, VARIANT_FAST } from "./code-cache.js";
import { CAUSE_MISALIGNED_FETCH } from "./constants.js";
import type { Hart } from "./hart.js";
import { mulh, mulhsu, mulhu } from "./mul.js";
import { PMP_R, PMP_W } from "./pmp.js";
import { branchOffset, jalOffset, scan, targetIndex } from "./region.js";
import { withRegisterLocals } from "./register-locals.js";

/**
 * The block translator: turns a run of guest instructions within one page
 * into the source of one JS function, compiled once (TinyEMU/rvemu-style
 * pre-decoding taken one step further, so V8 optimises guest code like any
 * hot JS). A block is a small region: it continues past conditional
 * branches, and past unconditional jumps while an earlier branch targets
 * code further on. Branches and jumps to an instruction inside the block are
 * internal jumps of a `switch` state machine (loops and if/else bodies run
 * without leaving the function); others are exits. Every exit sets `c.pc`
 * and returns the instructions retired, so the count stays exact, and a
 * backward internal jump continues only while another full pass fits in the
 * budget.
 *
 * In the fast variant a RAM access is an inline bounds check and a
 * typed-array access; everything else (MMIO, misaligned, PMP, faults) calls
 * the hart's slow path. Dirty/access tracking and code invalidation checks
 * are emitted only when needed: tracking that is off costs nothing.
 */

/** Names the generated code sees; passed once to each block's factory. */
const PARAMS = ["c", "x", "u8", "i8", "u16", "i16", "i32", "cl", "dirty", "acc", "up", "mulh", "mulhsu", "mulhu"];

/**
 * Guest registers live in JS locals `r1`..`r31` inside a block (V8 keeps
 * them in machine registers): loaded from `x` at entry, written back to `x`
 * before every `return` (see `withRegisterLocals`).
 */
function r(i: number): string {
  return i === 0 ? "0" : `r${i}`;
}

/** Register write statement; writes to x0 vanish. */
function w(rd: number, expr: string): string {
  return rd === 0 ? "" : `r${rd} = ${expr};`;
}

interface Emitter {
  out: string[];
  /** Inline RAM path allowed: variant 0, or U mode (variant 2) guarded by the per-page PMP cache `up`. */
  fast: boolean;
  /** U mode: the inline path also tests `up[page]` for the access's permission. */
  user: boolean;
  ramSize: number;
  dirty: boolean;
  access: boolean;
  start: number;
  /** Instructions in the block. */
  len: number;
  /** Instruction index → switch state, for every instruction some branch or jump in the block targets. */
  labels: Map<number, number>;
}

/**
 * Translates up to `maxLen` instructions starting at `pc` for the hart's
 * current variant. Returns null if the first instruction cannot be fetched
 * (outside RAM or denied by PMP).
 */
export function translate(h: Hart, pc: number, maxLen: number): Block | null {
  const ram = h.ram;
  const startOff = (pc ^ -2147483648) >>> 0;
  const insns = scan(h, pc, startOff, maxLen);
  const len = insns.length;
  if (len === 0) return null;
  const targets = new Set<number>();
  for (let k = 0; k < len; k++) {
    const t = targetIndex(insns[k], k);
    if (t !== null && t >= 0 && t < len) targets.add(t);
  }
  // Switch states are dense ordinals (0 = the block start) so V8 emits a jump table.
  const labels = new Map<number, number>([[0, 0]]);
  for (const t of [...targets].sort((p, q) => p - q)) if (t > 0) labels.set(t, labels.size);
  const e: Emitter = {
    out: [],
    fast: h.variant === VARIANT_FAST || h.variant === VARIANT_CHECKED_U,
    user: h.variant === VARIANT_CHECKED_U,
    ramSize: ram.size,
    dirty: ram.dirtyPages !== null,
    access: ram.accessedPages !== null,
    start: pc,
    len,
    labels,
  };
  const region = targets.size > 0;
  if (e.access) e.out.push(`acc[${startOff >>> 12}] = 1;`);
  if (region) e.out.push("for (;;) { switch (s) {\ncase 0:");
  let falls = true;
  for (let k = 0; k < len; k++) {
    if (k > 0 && labels.has(k)) e.out.push(`case ${labels.get(k)}:`);
    falls = !emit(e, insns[k], (pc + 4 * k) | 0, k);
  }
  if (falls) e.out.push(`c.pc = ${(pc + 4 * len) | 0}; return n + ${len};`);
  if (region) e.out.push("}}");
  const body = withRegisterLocals(e.out.join("\n"));
  const src = `return function block(budget) {\nlet n = 0, s = 0, a = 0, o = 0, v = 0, t = 0;\n${body}\n};`;
  const factory = new Function(...PARAMS, src) as (...args: unknown[]) => (budget: number) => number;
  const fn = factory(
    h,
    h.x,
    ram.u8,
    ram.i8,
    ram.u16,
    ram.i16,
    ram.i32,
    h.cache.lines,
    ram.dirtyPages,
    ram.accessedPages,
    h.pmp.userPages,
    mulh,
    mulhsu,
    mulhu,
  );
  return { fn, len };
}

/** Emits one instruction; returns true if it ends the block. */
function emit(e: Emitter, insn: number, pc: number, k: number): boolean {
  const o = e.out;
  const opcode = insn & 0x7f;
  const rd = (insn >>> 7) & 31;
  const f3 = (insn >>> 12) & 7;
  const rs1 = (insn >>> 15) & 31;
  const rs2 = (insn >>> 20) & 31;
  const f7 = insn >>> 25;
  const next = (pc + 4) | 0;
  const illegal = () => {
    o.push(`return n + ${k} + c.illegal(${insn}, ${pc}, n + ${k});`);
    return true;
  };
  switch (opcode) {
    case 0x37: // LUI
      o.push(w(rd, String(insn & 0xfffff000)));
      return false;
    case 0x17: // AUIPC
      o.push(w(rd, String((pc + (insn & 0xfffff000)) | 0)));
      return false;
    case 0x6f: {
      // JAL
      const target = (pc + jalOffset(insn)) | 0;
      if ((target & 3) !== 0) {
        o.push(`return n + ${k} + c.trapAt(${CAUSE_MISALIGNED_FETCH}, ${target}, ${pc}, n + ${k});`);
        return true;
      }
      o.push(w(rd, String(next)));
      jumpTo(e, target, k);
      return true;
    }
    case 0x67: {
      // JALR
      if (f3 !== 0) return illegal();
      const imm = insn >> 20;
      o.push(`t = (${r(rs1)} + ${imm}) & -2;`);
      o.push(`if ((t & 3) !== 0) return n + ${k} + c.trapAt(${CAUSE_MISALIGNED_FETCH}, t, ${pc}, n + ${k});`);
      o.push(w(rd, String(next)));
      o.push(`c.pc = t; return n + ${k + 1};`);
      return true;
    }
    case 0x63: {
      // BRANCH: an internal jump or an exit when taken; the block continues on the fall-through path.
      const target = (pc + branchOffset(insn)) | 0;
      const a = r(rs1);
      const b = r(rs2);
      let cond: string;
      switch (f3) {
        case 0:
          cond = `${a} === ${b}`;
          break;
        case 1:
          cond = `${a} !== ${b}`;
          break;
        case 4:
          cond = `${a} < ${b}`;
          break;
        case 5:
          cond = `${a} >= ${b}`;
          break;
        case 6:
          cond = `(${a} >>> 0) < (${b} >>> 0)`;
          break;
        case 7:
          cond = `(${a} >>> 0) >= (${b} >>> 0)`;
          break;
        default:
          return illegal();
      }
      o.push(`if (${cond}) {`);
      if ((target & 3) !== 0) o.push(`return n + ${k} + c.trapAt(${CAUSE_MISALIGNED_FETCH}, ${target}, ${pc}, n + ${k});`);
      else jumpTo(e, target, k);
      o.push("}");
      return false;
    }
    case 0x03:
      return emitLoad(e, insn, pc, k, f3, rd, rs1);
    case 0x23:
      return emitStore(e, insn, pc, k, f3, rs1, rs2);
    case 0x13: {
      // OP-IMM
      const imm = insn >> 20;
      const a = r(rs1);
      switch (f3) {
        case 0:
          o.push(w(rd, `(${a} + ${imm}) | 0`));
          return false;
        case 2:
          o.push(w(rd, `${a} < ${imm} ? 1 : 0`));
          return false;
        case 3:
          o.push(w(rd, `(${a} >>> 0) < ${imm >>> 0} ? 1 : 0`));
          return false;
        case 4:
          o.push(w(rd, `${a} ^ ${imm}`));
          return false;
        case 6:
          o.push(w(rd, `${a} | ${imm}`));
          return false;
        case 7:
          o.push(w(rd, `${a} & ${imm}`));
          return false;
        case 1:
          if (f7 !== 0) return illegal();
          o.push(w(rd, `${a} << ${rs2}`));
          return false;
        default:
          if (f7 === 0) o.push(w(rd, `(${a} >>> ${rs2}) | 0`));
          else if (f7 === 0x20) o.push(w(rd, `${a} >> ${rs2}`));
          else return illegal();
          return false;
      }
    }
    case 0x33: {
      const expr = opExpr(f3, f7, r(rs1), r(rs2));
      if (expr === null) return illegal();
      o.push(w(rd, expr));
      return false;
    }
    case 0x0f:
      // FENCE is a no-op for one hart; FENCE.I ends the block (stores to code already invalidate it).
      if (f3 === 0) return false;
      if (f3 === 1) {
        o.push(`c.pc = ${next}; return n + ${k + 1};`);
        return true;
      }
      return illegal();
    case 0x73:
      if (f3 === 0) o.push(`return n + ${k} + c.sys(${insn}, ${pc}, n + ${k});`);
      else if (f3 === 4) return illegal();
      else o.push(`return n + ${k} + c.csr(${insn}, ${pc}, n + ${k});`);
      return true;
    case 0x2f:
      return emitAmo(e, insn, pc, k, f3, rd, rs1, rs2);
    default:
      return illegal();
  }
}

/**
 * A taken jump. Inside the block it is an internal jump: `n` is kept so that
 * `n + k` is the count retired before instruction k, and a backward jump
 * continues only while another full pass fits in the budget.
 */
function jumpTo(e: Emitter, target: number, k: number): void {
  const t = (target - e.start) / 4;
  if (Number.isInteger(t) && t >= 0 && t < e.len && e.labels.has(t)) {
    const guard = t <= k ? `if (n + ${t + e.len} > budget) { c.pc = ${target}; return n + ${t}; } ` : "";
    e.out.push(`n += ${k + 1 - t}; ${guard}s = ${e.labels.get(t)}; continue;`);
  } else {
    e.out.push(`c.pc = ${target}; return n + ${k + 1};`);
  }
}

/** RV32I OP and RV32M: JS expression, or null for a reserved encoding. */
function opExpr(f3: number, f7: number, a: string, b: string): string | null {
  if (f7 === 0) {
    switch (f3) {
      case 0:
        return `(${a} + ${b}) | 0`;
      case 1:
        return `${a} << ${b}`; // JS masks shift amounts to 5 bits, as RV32I does
      case 2:
        return `${a} < ${b} ? 1 : 0`;
      case 3:
        return `(${a} >>> 0) < (${b} >>> 0) ? 1 : 0`;
      case 4:
        return `${a} ^ ${b}`;
      case 5:
        return `(${a} >>> ${b}) | 0`;
      case 6:
        return `${a} | ${b}`;
      default:
        return `${a} & ${b}`;
    }
  }
  if (f7 === 0x20) {
    if (f3 === 0) return `(${a} - ${b}) | 0`;
    if (f3 === 5) return `${a} >> ${b}`;
    return null;
  }
  if (f7 === 1) {
    switch (f3) {
      case 0:
        return `Math.imul(${a}, ${b})`;
      case 1:
        return `mulh(${a}, ${b})`;
      case 2:
        return `mulhsu(${a}, ${b})`;
      case 3:
        return `mulhu(${a}, ${b})`;
      // Division by zero and overflow never trap (unpriv. spec §7.2, Table 7.1).
      case 4:
        return `(${b} === 0 ? -1 : ${b} === -1 ? -${a} | 0 : (${a} / ${b}) | 0)`;
      case 5:
        return `(${b} === 0 ? -1 : ((${a} >>> 0) / (${b} >>> 0)) | 0)`;
      case 6:
        return `(${b} === 0 ? ${a} : ${b} === -1 ? 0 : (${a} % ${b}) | 0)`;
      default:
        return `(${b} === 0 ? ${a} : ((${a} >>> 0) % (${b} >>> 0)) | 0)`;
    }
  }
  return null;
}

/** Handles a slow path's `brk`: 1 = trapped (not retired), 2 = retired, end the block. `after` runs in both non-trap cases. */
function slowExit(k: number, next: number, after: string): string {
  return `if (c.brk !== 0) { if (c.brk === 1) { c.brk = 0; return n + ${k}; } c.brk = 0; ${after} c.pc = ${next}; return n + ${k + 1}; } ${after}`;
}

function emitLoad(e: Emitter, insn: number, pc: number, k: number, f3: number, rd: number, rs1: number): boolean {
  const o = e.out;
  const size = f3 & 3;
  if (f3 === 3 || f3 > 5) {
    o.push(`return n + ${k} + c.illegal(${insn}, ${pc}, n + ${k});`);
    return true;
  }
  const bytes = 1 << size;
  const signed = f3 < 4 ? 1 : 0;
  const next = (pc + 4) | 0;
  o.push(`a = (${r(rs1)} + ${insn >> 20}) | 0;`);
  const slow = `v = c.ld(a, ${bytes}, ${signed}, ${pc}, n + ${k}); ${slowExit(k, next, w(rd, "v"))}`;
  if (!e.fast) {
    o.push(slow);
    return false;
  }
  const view = size === 2 ? "i32[o >> 2]" : size === 1 ? (signed ? "i16[o >> 1]" : "u16[o >> 1]") : signed ? "i8[o]" : "u8[o]";
  const align = bytes > 1 ? `(o & ${bytes - 1}) === 0 && ` : "";
  const track = e.access ? " acc[o >>> 12] = 1;" : "";
  const pmp = e.user ? ` && (up[o >>> 12] & ${PMP_R}) !== 0` : "";
  o.push(`o = a ^ -2147483648; if (${align}(o >>> 0) < ${e.ramSize}${pmp}) { ${w(rd, view)}${track} } else { ${slow} }`);
  return false;
}

function emitStore(e: Emitter, insn: number, pc: number, k: number, f3: number, rs1: number, rs2: number): boolean {
  const o = e.out;
  if (f3 > 2) {
    o.push(`return n + ${k} + c.illegal(${insn}, ${pc}, n + ${k});`);
    return true;
  }
  const bytes = 1 << f3;
  const next = (pc + 4) | 0;
  const imm = ((insn >> 25) << 5) | ((insn >>> 7) & 31);
  o.push(`a = (${r(rs1)} + ${imm}) | 0;`);
  const slow = `c.st(a, ${bytes}, ${r(rs2)}, ${pc}, n + ${k}); ${slowExit(k, next, "")}`;
  if (!e.fast) {
    o.push(slow);
    return false;
  }
  const view = f3 === 2 ? "i32[o >> 2]" : f3 === 1 ? "u16[o >> 1]" : "u8[o]";
  const align = bytes > 1 ? `(o & ${bytes - 1}) === 0 && ` : "";
  const track = `${e.dirty ? " dirty[o >>> 12] = 1;" : ""}${e.access ? " acc[o >>> 12] = 1;" : ""}`;
  const code = `if (cl[o >>> 6] !== 0) { c.codeWrite(o); c.brk = 0; c.pc = ${next}; return n + ${k + 1}; }`;
  const pmp = e.user ? ` && (up[o >>> 12] & ${PMP_W}) !== 0` : "";
  o.push(`o = a ^ -2147483648; if (${align}(o >>> 0) < ${e.ramSize}${pmp}) { ${view} = ${r(rs2)};${track} ${code} } else { ${slow} }`);
  return false;
}

const AMO_FUNCT5 = new Set([0x00, 0x01, 0x02, 0x03, 0x04, 0x08, 0x0c, 0x10, 0x14, 0x18, 0x1c]);

function emitAmo(e: Emitter, insn: number, pc: number, k: number, f3: number, rd: number, rs1: number, rs2: number): boolean {
  const f5 = insn >>> 27;
  if (f3 !== 2 || !AMO_FUNCT5.has(f5) || (f5 === 0x02 && rs2 !== 0)) {
    e.out.push(`return n + ${k} + c.illegal(${insn}, ${pc}, n + ${k});`);
    return true;
  }
  const next = (pc + 4) | 0;
  e.out.push(`v = c.amo(${insn}, ${r(rs1)}, ${r(rs2)}, ${pc}, n + ${k}); ${slowExit(k, next, w(rd, "v"))}`);
  return false;
}
