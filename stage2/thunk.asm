; thunk.asm - bios_call(): long-mode C calls a real-mode BIOS interrupt;
; bios_farcall(): the same for a real-mode far call (the PXE API).

%include "stage2/asm-offsets.inc"
%include "stage2/modes.inc"

extern gdt_desc, pt_pml4, pt_root, cr4_la57

section .text16 progbits alloc exec
bits 64
; ---------------------------------------------------------------------------
; void bios_call(uint8_t vec, struct bios_regs *regs)
;
; Long mode -> compatibility mode -> 32-bit protected mode (paging off, LME
; off) -> 16-bit protected mode -> real mode; run `int vec` with the given
; registers; then all the way back. IDTR is swapped for the real-mode IVT
; and restored; GDTR is reloaded because some BIOS services load their own.
; Interrupts are enabled only inside real mode (per the caller's EFLAGS).
; ---------------------------------------------------------------------------
; void bios_farcall(uint32_t seg_off, struct bios_regs *regs)
;
; The same trip, but real mode runs `call far seg:off` with ES:DI and BX
; also pushed as the three words a !PXE entry takes from the stack (PXE
; 2.1 4.4.2: segment, offset, opcode); a PXENV+ entry takes them from the
; registers instead (4.4.1), so one call serves both.
; ---------------------------------------------------------------------------
global bios_call, bios_farcall
bios_farcall:
    mov [rel thunk_far], edi
    mov ax, [rel dispatch_far]
    mov [rel thunk_dispatch], ax
    jmp thunk_common
bios_call:
    mov ax, [rel dispatch_int]
    mov [rel thunk_dispatch], ax
    mov [rel thunk_int + 1], dil    ; patch the vector into `int imm8`
thunk_common:
    push rbx
    push rbp
    push r12
    push r13
    push r14
    push r15
    pushfq
    cli
    mov [rel thunk_regs_ptr], rsi
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
    jmp word [cs:thunk_dispatch]    ; int or far call; a jump keeps the flags
thunk_do_far:
    push es
    push di
    push bx
    call far [cs:thunk_far]
    add sp, 6
    jmp thunk_after
thunk_do_int:
thunk_int:
    int 0x00                        ; vector patched above
thunk_after:
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
rm_idt:
    dw 0x3ff                        ; the real-mode IVT at 0
    dq 0
dispatch_int: dw thunk_do_int
dispatch_far: dw thunk_do_far
thunk_dispatch: dw 0
align 4
thunk_far: dd 0                     ; seg:off of bios_farcall's target
align 8
thunk_rsp: dq 0
thunk_regs_ptr: dq 0
thunk_idt: times 10 db 0
align 4
thunk_regs: times BR_SIZE db 0

