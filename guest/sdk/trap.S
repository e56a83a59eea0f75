/*
 * Trap entry: swap sp with mscratch (the trap stack top), save all
 * registers and mepc/mcause/mtval/mstatus into a struct vm_trap_frame,
 * call the C handler, restore from the (possibly edited) frame, mret.
 * Layout must match struct vm_trap_frame in vmlab.h.
 */
#define FRAME_SIZE 160
#define F_MEPC 128
#define F_MCAUSE 132
#define F_MTVAL 136
#define F_MSTATUS 140
#define F_VECTOR 144

    .section .text
    .balign 4

/* Saves everything but t0 (x5), which the caller saved already. */
.macro SAVE_REST
    sw x1, 4(sp)
    sw x3, 12(sp)
    sw x4, 16(sp)
    sw x6, 24(sp)
    sw x7, 28(sp)
    sw x8, 32(sp)
    sw x9, 36(sp)
    sw x10, 40(sp)
    sw x11, 44(sp)
    sw x12, 48(sp)
    sw x13, 52(sp)
    sw x14, 56(sp)
    sw x15, 60(sp)
    sw x16, 64(sp)
    sw x17, 68(sp)
    sw x18, 72(sp)
    sw x19, 76(sp)
    sw x20, 80(sp)
    sw x21, 84(sp)
    sw x22, 88(sp)
    sw x23, 92(sp)
    sw x24, 96(sp)
    sw x25, 100(sp)
    sw x26, 104(sp)
    sw x27, 108(sp)
    sw x28, 112(sp)
    sw x29, 116(sp)
    sw x30, 120(sp)
    sw x31, 124(sp)
.endm

/* Entered with sp = frame, t0 = vector index (or -1), t0's own value saved. */
trap_common:
    sw t0, F_VECTOR(sp)
    SAVE_REST
    csrr t0, mscratch          /* the interrupted sp */
    sw t0, 8(sp)
    csrr t0, mepc
    sw t0, F_MEPC(sp)
    csrr t0, mcause
    sw t0, F_MCAUSE(sp)
    csrr t0, mtval
    sw t0, F_MTVAL(sp)
    csrr t0, mstatus
    sw t0, F_MSTATUS(sp)
    .option push
    .option norelax
    la gp, __global_pointer$   /* a U-mode program may have clobbered gp */
    .option pop
    mv a0, sp
    la t0, vm_trap_handler_ptr
    lw t0, 0(t0)
    jalr t0

    lw t0, F_MEPC(sp)
    csrw mepc, t0
    lw t0, F_MSTATUS(sp)
    csrw mstatus, t0
    addi t0, sp, FRAME_SIZE
    csrw mscratch, t0          /* trap stack top again for the next trap */
    lw x1, 4(sp)
    lw x3, 12(sp)
    lw x4, 16(sp)
    lw x5, 20(sp)
    lw x6, 24(sp)
    lw x7, 28(sp)
    lw x8, 32(sp)
    lw x9, 36(sp)
    lw x10, 40(sp)
    lw x11, 44(sp)
    lw x12, 48(sp)
    lw x13, 52(sp)
    lw x14, 56(sp)
    lw x15, 60(sp)
    lw x16, 64(sp)
    lw x17, 68(sp)
    lw x18, 72(sp)
    lw x19, 76(sp)
    lw x20, 80(sp)
    lw x21, 84(sp)
    lw x22, 88(sp)
    lw x23, 92(sp)
    lw x24, 96(sp)
    lw x25, 100(sp)
    lw x26, 104(sp)
    lw x27, 108(sp)
    lw x28, 112(sp)
    lw x29, 116(sp)
    lw x30, 120(sp)
    lw x31, 124(sp)
    lw sp, 8(sp)
    mret

.macro ENTER vec
    csrrw sp, mscratch, sp
    addi sp, sp, -FRAME_SIZE
    sw t0, 20(sp)
    li t0, \vec
    j trap_common
.endm

/* Direct mode: every trap lands here. */
    .balign 4
    .globl vm_trap_entry_direct
vm_trap_entry_direct:
    ENTER -1

/* Vectored mode: exceptions at base, interrupt n at base + 4n; each slot
   jumps to a stub that records n. 256-byte alignment is more than any
   implementation asks for. */
    .balign 256
    .globl vm_trap_vector_table
vm_trap_vector_table:
    j vec_stub_0
    j vec_stub_1
    j vec_stub_2
    j vec_stub_3
    j vec_stub_4
    j vec_stub_5
    j vec_stub_6
    j vec_stub_7
    j vec_stub_8
    j vec_stub_9
    j vec_stub_10
    j vec_stub_11
    j vec_stub_12
    j vec_stub_13
    j vec_stub_14
    j vec_stub_15
vec_stub_0: ENTER 0
vec_stub_1: ENTER 1
vec_stub_2: ENTER 2
vec_stub_3: ENTER 3
vec_stub_4: ENTER 4
vec_stub_5: ENTER 5
vec_stub_6: ENTER 6
vec_stub_7: ENTER 7
vec_stub_8: ENTER 8
vec_stub_9: ENTER 9
vec_stub_10: ENTER 10
vec_stub_11: ENTER 11
vec_stub_12: ENTER 12
vec_stub_13: ENTER 13
vec_stub_14: ENTER 14
vec_stub_15: ENTER 15

/* void vm_enter_user(void (*entry)(void), void *sp) */
    .globl vm_enter_user
vm_enter_user:
    csrw mepc, a0
    li t0, 0x1800              /* mstatus.MPP */
    csrc mstatus, t0           /* MPP = U */
    mv sp, a1
    mret
