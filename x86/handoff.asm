; handoff.asm - the kernel entry trampoline, copied by handoff_jump() into a
; page identity-mapped in both the loader's and the kernel's page tables.
; Position independent: it runs from wherever that page is.
;
; In:  RDI = struct handoff_args * (identity-mapped, in the same page)
; Out: kernel entry with RDI = boot info, RSP = stack top - 8 (a zero return
;      address, so RSP+8 is 16-byte aligned as after a call), RBP = 0, every
;      other general register 0, RFLAGS.IF = 0, CS = 0x08, data segments 0x10.
;
; When the kernel's tables have another depth than the loader's (4 vs 5
; levels), CR3 cannot simply be switched: CR4.LA57 can only change while
; paging is off, and paging can only be turned off outside 64-bit mode. The
; stub then drops to 32-bit compatibility mode on a GDT of its own, turns
; paging off (leaving IA-32e mode: plain protected mode), sets CR4 and CR3,
; turns paging on again (IA-32e mode, now on the kernel's tables) and far-
; jumps back to 64-bit code. All of it runs from this identity-mapped page,
; which is then below 4 GiB, as is the top-level table (map.c), since
; 32-bit code sees only the low 32 bits of addresses. No stack is used
; between leaving and re-entering 64-bit mode; interrupts are off and the IDT
; is null throughout (an NMI there would triple-fault, as anywhere in the
; hand-off).
bits 64
default rel
%include "x86/asm-offsets.inc"
%include "x86/zero-gprs.inc"

section .rodata
global handoff_stub, handoff_stub_end, handoff_stub_long
handoff_stub:
    cmp dword [rdi + HANDOFF_SWITCH], 0
    jne .switch
    mov rax, [rdi + HANDOFF_CR3]
    mov cr3, rax                    ; from here on: the kernel's address space,
.kernel_space:                      ; where the loader's stack is not mapped
    mov rsp, [rdi + HANDOFF_RSP]
    lgdt [rdi + HANDOFF_GDT_LIMIT]  ; GDT base is a kernel virtual address
    ; reload CS with a far return: push selector, push target, retfq
    push 0x08
    lea rax, [rel .cs_loaded]
    push rax
    retfq
.cs_loaded:
    mov eax, 0x10
    mov ds, eax
    mov es, eax
    mov ss, eax
    mov fs, eax                     ; loading FS/GS zeroes their bases too
    mov gs, eax
    push 0                          ; return address: the entry must not return
    push qword [rdi + HANDOFF_ENTRY] ; popped by the final `ret`, so RAX ends up 0 too
    mov rdi, [rdi + HANDOFF_BOOT_INFO]
    ZERO_GPRS_BUT_RDI_RSP
    ret                             ; to the entry point, RSP = stack top - 8

.switch:                            ; still on the loader's tables and stack
    lgdt [rdi + HANDOFF_TMP_GDT_LIMIT]
    push 0x18                       ; 32-bit code: compatibility mode
    lea rax, [rel .compat]
    push rax
    retfq
bits 32
.compat:
    mov eax, 0x10
    mov ds, eax
    mov es, eax
    mov ss, eax
    mov eax, cr0
    and eax, 0x7fffffff
    mov cr0, eax                    ; paging off: EFER.LMA = 0, protected mode
    mov eax, [edi + HANDOFF_CR4]
    mov cr4, eax                    ; LA57 as the kernel's tables need (PAE stays on)
    mov eax, [edi + HANDOFF_CR3]
    mov cr3, eax                    ; the kernel's top-level table, below 4 GiB
    mov eax, cr0
    or eax, 0x80000000
    mov cr0, eax                    ; paging on: EFER.LME is still set, so IA-32e mode
    jmp far [edi + HANDOFF_FAR]     ; to handoff_stub_long, CS 0x08 (64-bit)
bits 64
handoff_stub_long:
    mov edi, edi                    ; the upper halves are undefined after compatibility mode
    jmp handoff_stub.kernel_space
handoff_stub_end:
