; thunk.asm - bios_call(): long-mode C calls a real-mode BIOS interrupt;
; bios_farcall(): the same for a real-mode far call (the PXE API).

%include "stage2/asm-offsets.inc"
%include "stage2/modes.inc"

extern gdt_desc, pt_pml4, pt_root, cr4_la57, cr4_bios

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
; unsigned bios_calls(uint8_t vec, struct bios_regs *regs, unsigned n)
;
; bios_call for regs[0], regs[1], ... in one trip to real mode, stopping
; after the first call that returns with CF set; returns the calls made.
; The trip itself costs more than many BIOS services (six TLB flushes with
; the CR4 changes; about 11 us under QEMU's TCG when it made four,
; docs/boot-flow.md), and a 64 MiB kernel is
; ~1,030 INT 13h reads. n is 1 to BIOS_CALLS_MAX (bios.h).
; ---------------------------------------------------------------------------
; void bios_farcall(uint32_t seg_off, struct bios_regs *regs)
;
; The same trip, but real mode runs `call far seg:off` with ES:DI and BX
; also pushed as the three words a !PXE entry takes from the stack (PXE
; 2.1 4.4.2: segment, offset, opcode); a PXENV+ entry takes them from the
; registers instead (4.4.1), so one call serves both.
; ---------------------------------------------------------------------------
global bios_call, bios_calls, bios_farcall
bios_farcall:
    mov [abs T_FAR], edi
    mov word [abs T_DISPATCH], thunk_do_far
    mov word [abs T_COUNT], 1
    jmp thunk_common
bios_call:
    mov edx, 1
bios_calls:
    mov word [abs T_DISPATCH], thunk_do_int
    mov [abs T_VECTOR], dil         ; real mode copies its IVT entry to T_FAR
    mov [abs T_COUNT], dx
thunk_common:
    push rbx
    push rbp
    push r12
    push r13
    push r14
    push r15
    pushfq
    cli
    mov [abs T_REGS_PTR], rsi
    mov edi, T_BATCH                ; copy the caller's registers low
    movzx ecx, word [abs T_COUNT]
    imul ecx, ecx, BR_SIZE
    rep movsb
    mov [abs T_RSP], rsp
    sidt [abs T_IDT]
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
    ; The BIOS runs with the CR4 it left (PAE and LA57 off again). Left on,
    ; they also cost time under QEMU: SeaBIOS enters 32-bit code through
    ; SMM, whose entry zeroes CR4 and whose exit restores it, and a change
    ; of CR4's paging bits flushes the emulated TLB, several times a call.
    mov eax, [cr4_bios]
    mov cr4, eax
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
    mov es, ax
    mov ss, ax
    mov sp, RM_STACK_TOP
    lidt [rm_idt]
    cmp word [T_DISPATCH], thunk_do_int
    jne .called
    movzx bx, byte [T_VECTOR]       ; bios_call: the vector's IVT entry, read
    shl bx, 2                       ; now (the BIOS may have hooked it since)
    mov eax, [bx]
    mov [T_FAR], eax
.called:
    mov word [T_DONE], 0
.next:                              ; regs[T_DONE] into T_REGS (DS = ES = SS = 0, SP at
                                    ; its top, IF off: .rm and thunk_after set them)
    imul si, [T_DONE], BR_SIZE
    add si, T_BATCH
    mov di, T_REGS
    mov cx, BR_SIZE
    cld
    rep movsb
    push dword [T_REGS + BR_EFLAGS]
    push word [T_REGS + BR_DS]
    push word [T_REGS + BR_ES]
    mov eax, [T_REGS + BR_EAX]
    mov ebx, [T_REGS + BR_EBX]
    mov ecx, [T_REGS + BR_ECX]
    mov edx, [T_REGS + BR_EDX]
    mov esi, [T_REGS + BR_ESI]
    mov edi, [T_REGS + BR_EDI]
    mov ebp, [T_REGS + BR_EBP]
    pop es
    pop ds
    popfd                           ; caller's flags: IF on, CF preset
    jmp word [cs:T_DISPATCH]        ; int or far call; a jump keeps the flags
thunk_do_far:
    push es
    push di
    push bx
    call far [cs:T_FAR]
    add sp, 6
    jmp thunk_after
; `int vec` without writing the vector into the code (no self-modifying
; code, see modes.inc): what INT does, pushing the flags and clearing IF
; (TF is clear already), then a far call through the IVT entry, which
; pushes CS:IP; the handler's IRET (or RETF 2) returns here as from INT.
thunk_do_int:
    pushf
    cli
    call far [cs:T_FAR]
thunk_after:
    pushfd
    push ds
    push es
    push word 0
    pop ds
    mov [T_REGS + BR_EAX], eax
    mov [T_REGS + BR_EBX], ebx
    mov [T_REGS + BR_ECX], ecx
    mov [T_REGS + BR_EDX], edx
    mov [T_REGS + BR_ESI], esi
    mov [T_REGS + BR_EDI], edi
    mov [T_REGS + BR_EBP], ebp
    pop word [T_REGS + BR_ES]
    pop word [T_REGS + BR_DS]
    pop dword [T_REGS + BR_EFLAGS]
    cli
    xor ax, ax
    mov es, ax
    mov ss, ax
    mov sp, RM_STACK_TOP
    imul di, [T_DONE], BR_SIZE      ; T_REGS back into regs[T_DONE]
    add di, T_BATCH
    mov si, T_REGS
    mov cx, BR_SIZE
    cld
    rep movsb
    inc word [T_DONE]
    test byte [T_REGS + BR_EFLAGS], 1
    jnz .all_done                   ; CF: the rest is not tried
    mov ax, [T_DONE]
    cmp ax, [T_COUNT]
    jb thunk_common.next
.all_done:
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
    ENTER_LONG_MODE .back64         ; PAE (and LA57) on again over the firmware's CR4
bits 64
.back64:
    LOAD_DATA64
    mov rsp, [abs T_RSP]
    lidt [abs T_IDT]
    mov rdi, [abs T_REGS_PTR]
    mov esi, T_BATCH
    movzx ecx, word [abs T_DONE]
    imul ecx, ecx, BR_SIZE
    rep movsb
    movzx eax, word [abs T_DONE]
    popfq
    pop r15
    pop r14
    pop r13
    pop r12
    pop rbp
    pop rbx
    ret

; Read-only here; what the thunk writes is at THUNK_DATA (modes.inc).
section .data16 progbits alloc write
rm_idt:
    dw 0x3ff                        ; the real-mode IVT at 0
    dq 0

