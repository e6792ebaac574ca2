; entry.asm - stage 2 from real mode to long mode, and back for BIOS calls.
;
; Stage 1 jumps to 0000:8000 with DL = BIOS boot drive. This file:
;   1. checks that the CPU can run 64-bit code (readable message if not),
;   2. enables A20: test first, then INT 15h AX=2401h, the keyboard
;      controller, port 0x92, testing after each,
;   3. zeroes .bss, identity-maps the first 4 GiB (2 MiB pages; the first
;      2 MiB with 4 KiB pages so the C stack gets an unmapped guard page),
;   4. enters long mode and calls stage2_main(boot_drive).
; bios_call() is the thunk that lets long-mode C run a real-mode `int`.
;
; Everything real mode touches (code, GDT, register block, saved state) is
; in .text16/.data16, which the linker script keeps below 64 KiB, because
; real mode runs here with CS = DS = SS = 0.

%include "asm-offsets.inc"

RM_STACK_TOP    equ 0x7c00          ; BIOS calls run on 0x1000-0x7bff
MSR_EFER        equ 0xc0000080
SEL_CODE64      equ 0x08
SEL_DATA64      equ 0x10
SEL_CODE32      equ 0x18
SEL_DATA32      equ 0x20
SEL_CODE16      equ 0x28
SEL_DATA16      equ 0x30

extern stage2_main
extern __bss_start, __bss_end

; From 32-bit protected mode into long mode on the loader's page tables:
; PAE, CR3, EFER.LME, then paging on; a far jump to the 64-bit code selector.
; Used at start-up and at the end of every BIOS call.
%macro ENTER_LONG_MODE 1
    mov eax, cr4
    or eax, 1 << 5                  ; PAE
    mov cr4, eax
    mov eax, pt_pml4
    mov cr3, eax
    mov ecx, MSR_EFER
    rdmsr
    or eax, 1 << 8                  ; LME
    wrmsr
    mov eax, cr0
    or eax, (1 << 31) | 1           ; PG (and PE): long mode becomes active
    mov cr0, eax
    jmp SEL_CODE64:%1
%endmacro

; The data segments of 64-bit code (FS and GS unused, null).
%macro LOAD_DATA64 0
    mov ax, SEL_DATA64
    mov ds, ax
    mov es, ax
    mov ss, ax
    xor eax, eax
    mov fs, ax
    mov gs, ax
%endmacro

section .entry progbits alloc exec
bits 16
global _start16
_start16:
    jmp short real_start
    nop
    nop
    db 'KLN2'                       ; offset 4: stage 1 checks this magic

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

; Returns ZF clear when A20 is on: 0000:0500 and FFFF:0510 are 1 MiB apart
; and alias each other only while A20 is off.
a20_check:
    push ds
    push es
    push si
    push di
    xor ax, ax
    mov ds, ax
    not ax
    mov es, ax
    mov si, 0x0500
    mov di, 0x0510
    mov al, [ds:si]
    mov ah, [es:di]
    push ax
    mov byte [ds:si], 0x00
    mov byte [es:di], 0xff
    cmp byte [ds:si], 0xff          ; ZF set: the write to 1 MiB+ wrapped
    pop ax
    mov [es:di], ah
    mov [ds:si], al
    pop di
    pop si
    pop es
    pop ds
    ret

; A20 can take a moment to settle after the KBC or port 0x92 write.
a20_check_retry:
    mov cx, 0x4000
.again:
    call a20_check
    jnz .ok
    loop .again
    cmp ax, ax                      ; ZF set: still off
.ok:
    ret

kbc_wait_input:                     ; until the controller can take a byte
    mov cx, 0xffff
.w: in al, 0x64
    test al, 2
    jz .done
    loop .w
.done:
    ret

kbc_wait_output:                    ; until the controller has a byte for us
    mov cx, 0xffff
.w: in al, 0x64
    test al, 1
    jnz .done
    loop .w
.done:
    ret

enable_a20:
    call a20_check
    jnz .on
    mov ax, 0x2401                  ; BIOS: enable A20
    stc
    int 0x15
    call a20_check_retry
    jnz .on
    ; Keyboard controller: read the output port, set bit 1, write it back.
    ; Every wait is bounded: legacy-free machines have no 8042.
    cli
    call kbc_wait_input
    mov al, 0xad                    ; disable keyboard
    out 0x64, al
    call kbc_wait_input
    mov al, 0xd0                    ; read output port
    out 0x64, al
    call kbc_wait_output
    in al, 0x60
    push ax
    call kbc_wait_input
    mov al, 0xd1                    ; write output port
    out 0x64, al
    call kbc_wait_input
    pop ax
    or al, 2
    out 0x60, al
    call kbc_wait_input
    mov al, 0xae                    ; enable keyboard
    out 0x64, al
    call kbc_wait_input
    sti
    call a20_check_retry
    jnz .on
    ; "Fast A20" (port 0x92). Bit 0 of that port resets the machine on
    ; some chipsets: write it as 0.
    in al, 0x92
    or al, 2
    and al, 0xfe
    out 0x92, al
    call a20_check_retry
    jnz .on
    stc
    ret
.on:
    clc
    ret

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

; ---------------------------------------------------------------------------
; void bios_call(uint8_t vec, struct bios_regs *regs)
;
; Long mode -> compatibility mode -> 32-bit protected mode (paging off, LME
; off) -> 16-bit protected mode -> real mode; run `int vec` with the given
; registers; then all the way back. IDTR is swapped for the real-mode IVT
; and restored; GDTR is reloaded because some BIOS services load their own.
; Interrupts are enabled only inside real mode (per the caller's EFLAGS).
; ---------------------------------------------------------------------------
global bios_call
bios_call:
    push rbx
    push rbp
    push r12
    push r13
    push r14
    push r15
    pushfq
    cli
    mov [rel thunk_regs_ptr], rsi
    mov [rel thunk_int + 1], dil    ; patch the vector into `int imm8`
    lea rdi, [rel thunk_regs]       ; copy the caller's registers low
    mov ecx, BR_SIZE
    rep movsb
    mov [rel thunk_rsp], rsp
    sidt [rel thunk_idt]
    push SEL_CODE32
    lea rax, [rel .compat]
    push rax
    retfq                           ; far return into 32-bit compatibility mode
bits 32
.compat:
    mov ax, SEL_DATA32
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov eax, cr0
    and eax, ~(1 << 31)             ; paging off: leaves long mode
    mov cr0, eax
    mov ecx, MSR_EFER
    rdmsr
    and eax, ~(1 << 8)              ; LME off
    wrmsr
    jmp SEL_CODE16:.pm16
bits 16
.pm16:
    mov ax, SEL_DATA16              ; 64 KiB limits in every segment cache
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov fs, ax
    mov gs, ax
    mov eax, cr0
    and al, ~1                      ; PE off: real mode
    mov cr0, eax
    jmp 0:.rm
.rm:
    xor ax, ax
    mov ds, ax
    mov ss, ax
    mov sp, RM_STACK_TOP
    lidt [rm_idt]
    push dword [thunk_regs + BR_EFLAGS]
    push word [thunk_regs + BR_DS]
    push word [thunk_regs + BR_ES]
    mov eax, [thunk_regs + BR_EAX]
    mov ebx, [thunk_regs + BR_EBX]
    mov ecx, [thunk_regs + BR_ECX]
    mov edx, [thunk_regs + BR_EDX]
    mov esi, [thunk_regs + BR_ESI]
    mov edi, [thunk_regs + BR_EDI]
    mov ebp, [thunk_regs + BR_EBP]
    pop es
    pop ds
    popfd                           ; caller's flags: IF on, CF preset
thunk_int:
    int 0x00                        ; vector patched above
    pushfd
    push ds
    push es
    push word 0
    pop ds
    mov [thunk_regs + BR_EAX], eax
    mov [thunk_regs + BR_EBX], ebx
    mov [thunk_regs + BR_ECX], ecx
    mov [thunk_regs + BR_EDX], edx
    mov [thunk_regs + BR_ESI], esi
    mov [thunk_regs + BR_EDI], edi
    mov [thunk_regs + BR_EBP], ebp
    pop word [thunk_regs + BR_ES]
    pop word [thunk_regs + BR_DS]
    pop dword [thunk_regs + BR_EFLAGS]
    cli
    xor ax, ax
    mov es, ax
    mov ss, ax
    lgdt [gdt_desc]
    mov eax, cr0
    or al, 1
    mov cr0, eax
    jmp dword SEL_CODE32:.back32
bits 32
.back32:
    mov ax, SEL_DATA32
    mov ds, ax
    mov es, ax
    mov ss, ax
    ENTER_LONG_MODE .back64         ; PAE too: a BIOS has no business clearing it, but be sure
bits 64
.back64:
    LOAD_DATA64
    mov rsp, [rel thunk_rsp]
    lidt [rel thunk_idt]
    mov rdi, [rel thunk_regs_ptr]
    lea rsi, [rel thunk_regs]
    mov ecx, BR_SIZE
    rep movsb
    popfq
    pop r15
    pop r14
    pop r13
    pop r12
    pop rbp
    pop rbx
    ret

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
rm_idt:
    dw 0x3ff                        ; the real-mode IVT at 0
    dq 0
global boot_drive
boot_drive: db 0
align 8
thunk_rsp: dq 0
thunk_regs_ptr: dq 0
thunk_idt: times 10 db 0
align 4
thunk_regs: times BR_SIZE db 0

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
