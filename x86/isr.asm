; isr.asm - entry stubs for CPU exceptions 0-31 while the loader runs.
; Each stub makes the stack look the same (error code or a 0 in its place,
; then the vector) and jumps to a common part that saves the general
; registers in the order of struct exc_frame (common/exceptions.h) and calls
; exception_dispatch(frame), which prints and halts: there is no return.
bits 64
default rel
section .text

extern exception_dispatch

%macro STUB 1
isr_%1:
%if %1 = 8 || %1 = 10 || %1 = 11 || %1 = 12 || %1 = 13 || %1 = 14 || %1 = 17 || %1 = 21 || %1 = 29 || %1 = 30
    ; the CPU pushed an error code
%else
    push 0
%endif
    push %1
    jmp isr_common
%endmacro

%assign v 0
%rep 32
STUB v
%assign v v+1
%endrep

isr_common:
    push rax
    push rbx
    push rcx
    push rdx
    push rsi
    push rdi
    push rbp
    push r8
    push r9
    push r10
    push r11
    push r12
    push r13
    push r14
    push r15
    mov rdi, rsp            ; struct exc_frame *
    cld                     ; the C ABI wants DF clear; the fault may have had it set
    and rsp, -16            ; ... and a 16-byte aligned stack at the call
    call exception_dispatch
.hang:
    cli
    hlt
    jmp .hang

section .rodata
global isr_table
align 8
isr_table:
%assign v 0
%rep 32
    dq isr_ %+ v
%assign v v+1
%endrep
