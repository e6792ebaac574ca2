; =============================================================================
; Kiln's BIOS network boot program, first part (PXE_STUB_SIZE bytes)
;
; The PXE ROM (iPXE, a NIC's boot ROM) loads kiln-bios.0 whole to 0000:7C00
; and jumps to it with ES:BX = the PXENV+ structure and the !PXE structure's
; far pointer at [SS:SP+4] (PXE 2.1, 4.4.5). kiln-bios.0 is this stub
; followed by stage 2 (the tool writes it: tools/kiln/image/pxedir.c), so
; stage 2 is already at STAGE2_BASE. The stub saves both pointers in its
; fields (format/pxe.h), where stage 2 finds them and knows by the magic
; that it was booted from the network, checks stage 2's magic and jumps to
; it. Stage 2 fetches the payload through the PXE API (stage2/pxeapi.c).
;
; Layout (format/pxe.h, through format/asm-offsets.inc):
;   0                       jmp short start, nops
;   PXE_STUB_MAGIC_OFFSET   "KPXE"
;   PXE_STUB_PXENV          u32 far pointer to PXENV+
;   PXE_STUB_BANGPXE        u32 far pointer to !PXE (0: none)
;   PXE_STUB_STAGE2_SECTORS u16 stage 2's length in sectors (the tool writes
;                           it): where stage 1 keeps it on a disk, because
;                           stage 2's first sector reads it there
;
; Errors print "Kiln: X" on the screen and halt:
;   M  stage 2's first sector does not sum to STAGE2_MAGIC, as stage 1 checks
;      it (format/mbr.h); stage 2's first sector checks the rest
; =============================================================================

%include "format/asm-offsets.inc"

bits 16
org PXE_STUB_BASE

stub:
    jmp short start
    nop
    nop
    times PXE_STUB_MAGIC_OFFSET - ($ - stub) db 0x90
    dd PXE_STUB_MAGIC
    times PXE_STUB_PXENV - ($ - stub) db 0
pxenv: dd 0
bangpxe: dd 0

start:
    cli
    mov bp, sp
    mov eax, [ss:bp + 4]            ; !PXE far pointer, before SS changes
    jmp 0:.flat                     ; some ROMs enter at 07C0:0000
.flat:
    xor cx, cx
    mov ds, cx
    mov [pxenv], bx
    mov [pxenv + 2], es
    ; A !PXE pointer that does not point at "!PXE" is left out (PXE 2.0
    ; ROMs put nothing there); stage 2 then uses PXENV+'s own entry.
    mov [bangpxe], eax
    mov bx, ax
    shr eax, 16
    mov es, ax
    cmp dword [es:bx], '!PXE'
    je .have
    mov dword [bangpxe], 0
.have:
    mov es, cx
    mov ss, cx
    mov sp, PXE_STUB_BASE
    sti
    cld
    ; The 128 dwords of stage 2's first sector sum to STAGE2_MAGIC.
    xor eax, eax
    mov si, STAGE2_BASE
    mov cx, 128
.sum:
    add eax, [si]
    add si, 4
    loop .sum
    cmp eax, STAGE2_MAGIC
    jne .bad_magic
    xor dx, dx                      ; no boot drive
    jmp 0:STAGE2_BASE

.bad_magic:
    mov si, msg
.print:
    lodsb
    test al, al
    jz .halt
    mov ah, 0x0e
    mov bx, 0x0007
    int 0x10
    jmp .print
.halt:
    cli
    hlt
    jmp .halt

msg: db "Kiln: M", 0

    times PXE_STUB_STAGE2_SECTORS - ($ - stub) db 0
    dw 0                            ; stage 2's sectors: written by the tool
    times PXE_STUB_SIZE - ($ - stub) db 0
