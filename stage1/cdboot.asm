; =============================================================================
; Kiln cdboot -- the BIOS first stage of a Kiln ISO booted as a CD
; (exactly 2048 bytes: one CD block)
;
; El Torito "no emulation" boot (El Torito 1.0, section 5): the BIOS loads
; the boot image's first 4 virtual (512-byte) sectors -- this file -- to
; 0000:7C00 and jumps to it with DL = the CD drive (often E0h). INT 13h on
; that drive then counts 2048-byte blocks. Stage 1 (stage1.asm) cannot be
; used here: it counts 512-byte sectors and lives in 512 bytes. This stage
; reads stage 2 from the ISO in 2048-byte blocks to 0000:8000, checks its
; first sector (the 32-bit sum of its dwords is STAGE2_MAGIC, as stage 1
; checks) and jumps to it with DL unchanged, exactly as stage 1 does; stage
; 2's first sector then checks its length and two sums.
;
; Build:  nasm -f bin -Werror stage1/cdboot.asm -o build/cdboot.bin
;
; Layout. The first 512 bytes have stage 1's layout (format/mbr.h): stage 2
; reads MBR_PAYLOAD_LBA and MBR_FLAGS from the copy at 0x7C00 whichever first
; stage ran. Here MBR_FLAG_CDROM is set in the flags byte, which tells stage
; 2 that the LBAs count the drive's 2048-byte blocks:
;   0                  jmp near start
;   MBR_PAYLOAD_LBA    u64: first 2048-byte block of the payload file
;   MBR_STAGE2_LBA     u64: first 2048-byte block of stage 2
;   MBR_STAGE2_SECTORS u16: stage 2's length in 512-byte sectors,
;                      1..STAGE2_MAX_SECTORS, as in stage 1 (stage 2 checks
;                      its own length against it); read in whole blocks
;   MBR_FLAGS          u8: MBR_FLAG_CDROM
;   MBR_BOOT_SIGNATURE 55 AA (not needed by El Torito; kept for tools)
;   512 .. 2047        code
; The host tool (tools/kiln/image/iso.c) writes the three fields after
; xorriso has placed the files; they are assembled as zeros.
;
; Errors print "Kiln CD: X" and halt, X being:
;   E  the BIOS has no INT 13h extensions for the CD (El Torito requires them)
;   S  the stage 2 length is 0 or too large
;   R  a read still failed after 3 attempts
;   M  stage 2's first sector does not sum to its magic "KLN2"
; =============================================================================

%include "format/asm-offsets.inc"
%include "stage1/sector.inc"

bits 16
org 0x7c00

STAGE2_SEG      equ STAGE2_BASE >> 4
CD_BLOCK        equ 2048
TRIES           equ 3

        jmp near start

        times MBR_PAYLOAD_LBA - ($ - $$) db 0
payload_lba:    dq 0
        times MBR_STAGE2_LBA - ($ - $$) db 0
stage2_lba:     dq 0
        times MBR_STAGE2_SECTORS - ($ - $$) db 0
stage2_sectors: dw 0
        times MBR_FLAGS - ($ - $$) db 0
flags:          db MBR_FLAG_CDROM
        times MBR_BOOT_SIGNATURE - ($ - $$) db 0
                db 0x55, 0xaa

; -----------------------------------------------------------------------------
start:
        NORMALISE_SEGMENTS
        mov [drive], dl

        ; El Torito no-emulation drives are read with the extensions only.
        ; CX bit 0 is not checked: BIOSes report it inconsistently for CDs.
        mov ah, 0x41
        mov bx, 0x55aa
        int 0x13
        jc err_e
        cmp bx, 0xaa55
        jne err_e

        mov ax, [stage2_sectors]
        dec ax                      ; 0 wraps and fails too
        cmp ax, STAGE2_MAX_SECTORS - 1
        ja err_s
        shr ax, 2                   ; (sectors - 1) / 4 = blocks - 1
        inc ax
        xchg si, ax                 ; SI = blocks still to read
        mov edi, [stage2_lba]       ; ISO block numbers fit in 32 bits
        cmp dword [stage2_lba + 4], 0
        jne err_s
        mov bx, STAGE2_SEG

load_loop:
        ; Never cross a 32 KiB (so never a 64 KiB) physical boundary in one
        ; call: BX is a multiple of 80h (2048 bytes), so ~BX & 780h counts
        ; the 2048-byte blocks left in its 32 KiB window, minus one.
        mov ax, bx
        not ax
        and ax, 0x0780
        shr ax, 7
        inc ax                      ; 1..16 blocks
        cmp ax, si
        jbe .count_ok
        mov ax, si
.count_ok:
        mov cx, TRIES
.attempt:
        call read_blocks
        jnc .read_ok
        loop .attempt
        jmp err_r
.read_ok:
        add edi, eax                ; AX <= 16, EAX's high half is zero
        shl ax, 7                   ; blocks -> paragraphs
        add bx, ax
        shr ax, 7
        sub si, ax
        jnz load_loop

        CHECK_STAGE2_SECTOR err_m
        xor ax, ax
        mov es, ax
        mov dl, [drive]
        jmp 0x0000:STAGE2_BASE

; -----------------------------------------------------------------------------
; Read AX blocks at LBA EDI to BX:0000 with AH=42h. CF set on error.
; All general registers are preserved (BIOSes clobber some), EAX's high
; half is cleared first so the caller can add EAX.
read_blocks:
        movzx eax, ax
        pushad
        push dword 0                ; packet: LBA high
        push edi                    ;         LBA low
        push bx                     ;         segment
        push word 0                 ;         offset
        push ax                     ;         count
        push word 0x0010            ;         size 16, reserved 0
        mov si, sp
        mov dl, [drive]
        mov ah, 0x42
        int 0x13
        lea sp, [esp + 16]          ; drop the packet, keep the flags
        popad
        ret

; -----------------------------------------------------------------------------
err_e:  mov al, 'E'
        jmp short fail
err_s:  mov al, 'S'
        jmp short fail
err_r:  mov al, 'R'
        jmp short fail
err_m:  mov al, 'M'
fail:
        mov [msg_code], al
        mov si, msg
        mov bx, 0x0007
.next:
        lodsb
        mov ah, 0x0e
        int 0x10
        cmp si, msg_end
        jb .next
.halt:
        cli
        hlt
        jmp short .halt

drive:    db 0
msg:      db "Kiln CD: "
msg_code: db "?"
msg_end:

        times CD_BLOCK - ($ - $$) db 0
