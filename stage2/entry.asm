; entry.asm - stage 2 from real mode to long mode.
;
; Stage 1 jumps to 0000:8000 with DL = BIOS boot drive. This file:
;   1. checks that the CPU can run 64-bit code (readable message if not),
;   2. enables A20 (a20.asm),
;   3. zeroes .bss, identity-maps the first 4 GiB (2 MiB pages; the first
;      2 MiB with 4 KiB pages so the C stack gets an unmapped guard page),
;   4. enters long mode and calls stage2_main(boot_drive).
; bios_call(), the way back to real mode for BIOS services, is thunk.asm.
;
; Everything real mode touches (code, GDT, saved state) is in
; .entry/.text16/.data16, which the linker script keeps below 64 KiB,
; because real mode runs here with CS = DS = SS = 0.

%include "stage2/asm-offsets.inc"
%include "format/asm-offsets.inc"
%include "stage2/modes.inc"

extern stage2_main, enable_a20
extern __bss_start, __bss_end
global gdt_desc, pt_pml4

section .entry progbits alloc exec
bits 16
global _start16
_start16:
    jmp short real_start
    nop
    nop
    times STAGE2_MAGIC_OFFSET - ($ - _start16) db 0x90
    dd STAGE2_MAGIC                 ; "KLN2": stage 1 checks this magic

real_start:
    cli
    xor ax, ax
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov sp, RM_STACK_TOP
    sti
    cld
    mov [boot_drive], dl

    ; --- 1. Long mode available? (EFLAGS.ID toggles => CPUID exists) ---
    pushfd
    pop eax
    mov ecx, eax
    xor eax, 1 << 21
    push eax
    popfd
    pushfd
    pop eax
    push ecx
    popfd
    xor eax, ecx
    jz no_long_mode
    mov eax, 0x80000000
    cpuid
    cmp eax, 0x80000001
    jb no_long_mode
    mov eax, 0x80000001
    cpuid
    test edx, 1 << 29               ; LM
    jz no_long_mode

    ; --- 2. A20 ---
    call enable_a20
    jc a20_failed

    ; --- 3. Protected mode, then page tables and .bss in 32-bit code ---
    cli
    lgdt [gdt_desc]
    mov eax, cr0
    or eax, 1
    mov cr0, eax
    jmp dword SEL_CODE32:pm_entry

no_long_mode:
    mov si, msg_no_lm
    jmp rm_fatal
a20_failed:
    mov si, msg_no_a20
rm_fatal:                           ; print [si] with INT 10h teletype, halt
    lodsb
    test al, al
    jz .halt
    mov ah, 0x0e
    mov bx, 0x0007
    int 0x10
    jmp rm_fatal
.halt:
    cli
    hlt
    jmp .halt

bits 32
pm_entry:
    mov ax, SEL_DATA32
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov esp, RM_STACK_TOP

    ; C expects a zeroed .bss; the page tables live there too.
    mov edi, __bss_start
    mov ecx, __bss_end
    sub ecx, edi
    xor eax, eax
    rep stosb

    ; PML4[0] -> PDPT; PDPT[0..3] -> the four page directories.
    mov dword [pt_pml4], pt_pdpt + 3
    mov edi, pt_pdpt
    mov eax, pt_pd + 3
    mov ecx, 4
.pdpt:
    mov [edi], eax
    add eax, 4096
    add edi, 8
    loop .pdpt
    ; 2048 PD entries of 2 MiB each: identity 0-4 GiB (P | W | PS).
    mov edi, pt_pd
    xor eax, eax
    xor edx, edx                    ; high dword of the physical address
    mov ecx, 2048
.pd:
    mov ebx, eax
    or ebx, 0x83
    mov [edi], ebx
    mov [edi + 4], edx
    add eax, 0x200000
    adc edx, 0
    add edi, 8
    loop .pd
    ; The first 2 MiB in 4 KiB pages, minus the stack guard page, so that a
    ; stack overflow faults instead of corrupting whatever lies below.
    mov dword [pt_pd], pt_low + 3
    mov edi, pt_low
    mov eax, 3
    mov ecx, 512
.pt:
    mov [edi], eax
    add eax, 4096
    add edi, 8
    loop .pt
    mov eax, stack_guard
    shr eax, 12
    mov dword [pt_low + eax * 8], 0

    ENTER_LONG_MODE lm_entry

bits 64
lm_entry:
    LOAD_DATA64
    mov rsp, stack_top
    xor ebp, ebp
    movzx edi, byte [boot_drive]
    call stage2_main
.hang:
    cli
    hlt
    jmp .hang

section .data16 progbits alloc write
align 8
gdt:
    dq 0
    dq 0x00af9a000000ffff           ; 0x08 64-bit code
    dq 0x00cf92000000ffff           ; 0x10 data
    dq 0x00cf9a000000ffff           ; 0x18 32-bit code
    dq 0x00cf92000000ffff           ; 0x20 32-bit data
    dq 0x00009a000000ffff           ; 0x28 16-bit code, 64 KiB
    dq 0x000092000000ffff           ; 0x30 16-bit data, 64 KiB
global gdt_tss
gdt_tss:
    dq 0, 0                         ; 0x38 64-bit TSS, filled in by stage2_main (stage2/main.c)
gdt_end:
gdt_desc:
    dw gdt_end - gdt - 1
    dq gdt
global boot_drive
boot_drive: db 0
msg_no_lm:  db "Kiln: this CPU cannot run 64-bit code (no long mode). Halted.", 13, 10, 0
msg_no_a20: db "Kiln: could not enable the A20 line. Halted.", 13, 10, 0

; Page tables and the 64 KiB C stack. The page below the stack stays
; unmapped (pm_entry clears its PTE): an overflow faults into the exception
; dump instead of silently corrupting memory.
section .bss nobits alloc write
alignb 4096
pt_pml4:     resb 4096
pt_pdpt:     resb 4096
pt_pd:       resb 4 * 4096
pt_low:      resb 4096
stack_guard: resb 4096
stack:       resb 64 * 1024
stack_top:
