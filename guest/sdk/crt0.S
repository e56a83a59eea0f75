/*
 * vmlab guest start-up: QEMU's `-bios none` reset stub and vmlab's loader
 * both jump here in machine mode with nothing else set up, so we set gp,
 * the stack and the trap stack, clear .bss, install a default trap handler
 * and call main(); its return value is the exit code.
 */
    .section .text.init, "ax"
    .globl _start
_start:
    .option push
    .option norelax
    la gp, __global_pointer$
    .option pop
    la sp, __stack_top
    la t0, __trap_stack_top
    csrw mscratch, t0
    /* Interrupts off until a program asks for them. */
    csrw mie, zero
    csrci mstatus, 8

    la t0, __bss_start
    la t1, __bss_end
1:  bgeu t0, t1, 2f
    sw zero, 0(t0)
    addi t0, t0, 4
    j 1b
2:
    la a0, vm_default_trap
    call vm_trap_direct
    call main
    call vm_exit
