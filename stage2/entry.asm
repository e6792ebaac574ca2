; entry.asm - stage 2 from real mode to long mode.
;
; Stage 1 jumps to 0000:8000 with DL = BIOS boot drive, having checked this
; first sector (format/mbr.h). This file:
;   0. checks, from the first sector alone, that the rest of stage 2 was
;      loaded whole and is intact (length and two exact sums, format/mbr.h)
;      before running any of it; a message on screen, port 0xE9 and COM1
;      and a halt if not,
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
global gdt_desc, pt_pml4, pt_root, cr4_la57, cr4_bios

section .entry progbits alloc exec
bits 16
global _start16
_start16:
    jmp short real_start
    nop
    nop
    times STAGE2_MAGIC_OFFSET - ($ - _start16) db 0x90
    dd STAGE2_MAGIC                 ; "KLN2"
    ; The header the tool fills in (format/mbr.h, stage2_seal()).
    times STAGE2_HDR_END - ($ - _start16) db 0

; Everything from here to sector0_end runs before the rest of stage 2 is
; known to be intact, so it must all lie in the first sector, which stage 1
; checked (stage2.ld asserts it).
real_start:
    cli
    xor ax, ax
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov sp, RM_STACK_TOP
    sti
    cld
    push dx                         ; DL = boot drive

    ; --- 0. Is the rest of stage 2 here, and intact? ---
    ; Length: stage 1 loaded as many sectors as its field at 0x7C00 says;
    ; they must cover STAGE2_HDR_SIZE bytes. (A short load can leave an
    ; older copy in memory, which the sums alone would accept.) Compared in
    ; 32 bits: no size, however large, wraps past the check.
    mov ebp, [STAGE2_BASE + STAGE2_HDR_SIZE]
    movzx eax, word [0x7c00 + MBR_STAGE2_SECTORS]
    shl eax, 9
    mov si, msg_short
    cmp ebp, eax
    ja rm_fatal
    mov si, msg_damaged
    sub ebp, 512                    ; bytes after this sector
    jbe rm_fatal                    ; (the tool never writes <= 512)
    test bp, 15                     ; whole 16-byte blocks (the tool pads)
    jnz rm_fatal
    shr ebp, 4
    ; The two sums of format/mbr.h over those bytes' u32 words:
    ; a (EDX:EAX) += w, b (ECX:EBX) += a, 64-bit, four words a round.
    ; DS:SI walks them; DS steps 64 KiB when SI wraps.
    push ds
    mov ax, (STAGE2_BASE + 512) >> 4
    mov ds, ax
    xor si, si
    xor eax, eax
    xor edx, edx
    xor ebx, ebx
    xor ecx, ecx
.block:
%assign w 0
%rep 4
    add eax, [si + w]
    adc edx, 0
    add ebx, eax
    adc ecx, edx
%assign w w + 4
%endrep
    add si, 16
    jnz .same_window
    mov di, ds
    add di, 0x1000
    mov ds, di
.same_window:
    dec ebp
    jnz .block
    pop ds
    mov si, msg_damaged
    cmp eax, [STAGE2_BASE + STAGE2_HDR_SUM_A]
    jne rm_fatal
    cmp edx, [STAGE2_BASE + STAGE2_HDR_SUM_A + 4]
    jne rm_fatal
    cmp ebx, [STAGE2_BASE + STAGE2_HDR_SUM_B]
    jne rm_fatal
    cmp ecx, [STAGE2_BASE + STAGE2_HDR_SUM_B + 4]
    jne rm_fatal
    pop dx
    mov [boot_drive], dl
    jmp check_cpu

; rm_fatal: print the NUL-terminated message at DS:SI (DS = 0) on the screen
; (INT 10h), port 0xE9 and COM1, then halt. COM1 as x86/serial.c does it:
; used only if its scratch register holds a value (absent ports float),
; programmed for 115200 8N1, each character waiting at most 65535 polls.
rm_fatal:
    xor bp, bp                      ; BP = 1: COM1 present
    mov dx, 0x3ff                   ; scratch register
    mov al, 0xa5
    out dx, al
    in al, dx
    cmp al, 0xa5
    jne .next
    inc bp
    mov dl, 0xfb                    ; LCR: DLAB on
    mov al, 0x80
    out dx, al
    mov dl, 0xf8                    ; divisor 1: 115200 baud
    mov al, 1
    out dx, al
    inc dx
    dec ax
    out dx, al
    mov dl, 0xfb                    ; 8 data bits, no parity, 1 stop bit
    mov al, 3
    out dx, al
.next:
    lodsb
    test al, al
    jz .halt
    out 0xe9, al
    test bp, bp
    jz .screen
    mov ah, al
    mov dx, 0x3fd                   ; LSR
    mov cx, 0xffff
.wait:
    in al, dx
    test al, 0x20                   ; transmitter holding register empty
    loopz .wait
    mov al, ah
    mov dl, 0xf8
    out dx, al
.screen:
    mov ah, 0x0e
    mov bx, 0x0007
    int 0x10
    jmp .next
.halt:
    cli
    hlt
    jmp .halt

msg_short:   db "Kiln: stage 2 is incomplete (stage 1 loaded fewer sectors than it has). Halted.", 13, 10, 0
msg_damaged: db "Kiln: stage 2 is damaged (checksum mismatch). Halted.", 13, 10, 0
global sector0_end
sector0_end:

check_cpu:
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
    jmp rm_fatal

bits 32
pm_entry:
    mov ax, SEL_DATA32
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov esp, RM_STACK_TOP

    ; C expects a zeroed .bss; the page tables live there too. Dwords: the
    ; linker aligns both ends to 4 KiB (a byte at a time, as TCG counts
    ; rep stosb, was 172,000 iterations).
    mov edi, __bss_start
    mov ecx, __bss_end
    sub ecx, edi
    shr ecx, 2
    xor eax, eax
    rep stosd

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

    ; Test builds of stage 1 may ask for 5-level paging (MBR_FLAG_LA57):
    ; PML5[0] -> the PML4, the same identity map one level deeper. Only on
    ; a CPU with LA57 (CPUID.7:ECX bit 16).
    mov dword [pt_root], pt_pml4
    test byte [0x7c00 + MBR_FLAGS], MBR_FLAG_LA57
    jz .no_la57
    xor eax, eax
    cpuid
    cmp eax, 7
    jb .no_la57
    mov eax, 7
    xor ecx, ecx
    cpuid
    test ecx, 1 << 16
    jz .no_la57
    mov dword [pt_pml5], pt_pml4 + 3
    mov dword [pt_root], pt_pml5
    mov dword [cr4_la57], 1 << 12
.no_la57:
    mov eax, cr4
    mov [cr4_bios], eax             ; the firmware's, given back for every BIOS call (thunk.asm)

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
align 4
pt_root:    dd 0                    ; what ENTER_LONG_MODE loads into CR3 (modes.inc)
cr4_la57:   dd 0                    ; and ORs into CR4
cr4_bios:   dd 0                    ; CR4 as the firmware left it
msg_no_lm:  db "Kiln: this CPU cannot run 64-bit code (no long mode). Halted.", 13, 10, 0
msg_no_a20: db "Kiln: could not enable the A20 line. Halted.", 13, 10, 0

; Page tables and the 64 KiB C stack. The page below the stack stays
; unmapped (pm_entry clears its PTE): an overflow faults into the exception
; dump instead of silently corrupting memory.
section .bss nobits alloc write
alignb 4096
pt_pml4:     resb 4096
pt_pml5:     resb 4096              ; used only with the LA57 test flag
pt_pdpt:     resb 4096
pt_pd:       resb 4 * 4096
pt_low:      resb 4096
stack_guard: resb 4096
stack:       resb 64 * 1024
stack_top:
