; =============================================================================
; Kiln stage1 -- legacy-BIOS MBR boot sector (exactly 512 bytes)
;
; The BIOS loads this sector to 0000:7C00 and jumps to it with DL = boot
; drive. Stage1 loads stage2 (a contiguous run of sectors on the same disk)
; to 0000:8000, checks stage2's first sector (the 32-bit sum of its dwords
; must be STAGE2_MAGIC: format/mbr.h) and jumps to it with DL = boot drive.
; Stage 2's first sector then checks the rest of stage 2 (stage2/entry.asm).
;
; Build:  nasm -f bin -Werror stage1/stage1.asm -o build/stage1.bin
;         -DFORCE_CHS skips the INT 13h extensions check and always uses the
;         CHS path (the test suite uses this to exercise the fallback).
;         -DTEST_FLAGS=N (test builds only) stores N in the flags byte
;         (MBR_FLAGS) before jumping to stage2: bit 0 = stage2 must read with CHS
;         too, bit 1 = stage2 must act as if the BIOS had no E820 (see
;         stage2/layout.h). Normal builds leave the byte 0.
;
; Sector layout (all fields little endian). The offsets and limits are
; format/mbr.h's, through the generated format/asm-offsets.inc: the host
; tool writes the fields from the same header.
;   start              EB xx 90 (jmp short start / nop), "KILN    " (OEM name)
;   .. MBR_BPB_END     zeros: a BPB-shaped gap. BIOSes that boot USB sticks
;                      in floppy/ZIP emulation may patch "BPB" fields here,
;                      so no code or data may live in this range.
;   .. MBR_STAGE1_FIELDS  code
;   MBR_PAYLOAD_LBA    u64: not used here; stage 2 reads it from this
;                      sector's copy at 0x7C00, which must stay where it is
;   MBR_STAGE2_LBA     u64: absolute LBA of stage 2
;   MBR_STAGE2_SECTORS u16: number of 512-byte sectors, 1..STAGE2_MAX_SECTORS
;   MBR_FLAGS          u8: flags for stage 2, zero (TEST_FLAGS builds set them in memory)
;   MBR_DISK_SIGNATURE u32, then u16 zero
;   MBR_PARTITIONS     4 x 16-byte partition entries
;   MBR_BOOT_SIGNATURE 55 AA
; The fields from MBR_STAGE1_FIELDS on are written by the host tool;
; assembled as zeros.
;
; Memory:
;   0000:7C00 down   stack (SS:SP = 0000:7C00); its first pushes double as
;                    variables at fixed addresses (DRIVE, MODE, SPT, HEADS)
;   0000:7C00        this sector; only msg_code is ever written, on errors
;   0000:8000 up     stage2 (STAGE2_BASE), at most up to 0x6FFFF (STAGE2_MAX_SECTORS), staying
;                    clear of the EBDA that may start at 0x80000 or lower
;
; Errors print "Kiln: X" on the screen, port 0xE9 and COM1 and halt, X being:
;   S  stage2_sectors is 0 or larger than STAGE2_MAX_SECTORS
;   G  CHS path: INT 13h AH=08h (get drive parameters) failed or is bogus
;   C  CHS path: an LBA is not addressable by CHS (cylinder > 1023, or the
;      LBA needs more than 32 bits)
;   R  a read still failed after 3 attempts
;   M  stage2's first sector is damaged, or is not stage 2: its dwords do
;      not sum to STAGE2_MAGIC ("KLN2", also at STAGE2_MAGIC_OFFSET)
;
; 32-bit registers are used in real mode (operand-size prefixes); any CPU
; that can run an x86_64 kernel has them.
; =============================================================================

%include "format/asm-offsets.inc"
%include "stage1/sector.inc"

bits 16
org 0x7c00

STAGE2_SEG      equ STAGE2_BASE >> 4 ; 0000:8000 as a segment, offset 0
TRIES           equ 3

; Variables created by the first pushes after SP is set to 0x7C00. In
; extension mode only DRIVE and MODE exist.
DRIVE           equ 0x7bfe          ; byte:  BIOS boot drive, exactly as in DL
MODE            equ 0x7bfc          ; word:  AA55h = INT 13h extensions,
                                    ;        0 = CHS (then also SPT's high word)
SPT             equ 0x7bfa          ; dword: sectors per track (CHS only)
HEADS           equ 0x7bf6          ; dword: heads, 1..256 (CHS only)

; Register use while loading:
;   EBP:EDI  next LBA to read (64 bits, high:low)
;   SI       sectors still to load
;   BX       destination segment (the offset is always 0)

; -----------------------------------------------------------------------------
        jmp short start
        nop
        db "KILN    "

        ; BPB gap: must stay zero-filled, see header.
        times MBR_BPB_END - ($ - $$) db 0

start:
        NORMALISE_SEGMENTS

        ; DL is the only thing the BIOS hands us. Keep it exactly as given:
        ; a USB stick in floppy emulation legitimately boots with DL = 00h.
        push dx                     ; -> DRIVE

%ifndef FORCE_CHS
        ; Extensions are usable only if CF = 0, BX was swapped to AA55h and
        ; CX bit 0 (packet-based AH=42h access) is set. Checking BX matters:
        ; some BIOSes return CF = 0 for functions they do not know.
        mov ah, 0x41
        mov bx, 0x55aa
        int 0x13
        jc no_ext
        cmp bx, 0xaa55
        jne no_ext
        shr cl, 1                   ; CF = CX bit 0
        jnc no_ext
        push bx                     ; -> MODE = AA55h
        jmp short probed
%else
        jmp short no_ext
%endif

        ; These two stubs sit here so the conditional jumps to them stay
        ; short; the rest are next to fail. A9h (test ax, imm16) swallows
        ; the next stub's 2-byte "mov al, X": one byte instead of a jump.
err_g:  mov al, 'G'
        db 0xa9
err_s:  mov al, 'S'
        jmp fail

no_ext:
        ; CHS fallback: use the BIOS's own (translated) geometry, since that
        ; is what AH=02h interprets CHS values against. ES:DI = 0:0 guards
        ; against BIOSes that misbehave unless ES:DI is zero. (For floppies
        ; this call points ES:DI at a parameter table; ES is reloaded later.)
        mov ah, 0x08
        pop dx                      ; DL = DRIVE, the only thing pushed yet
        push dx
        xor di, di
        int 0x13
        jc err_g
        and cx, 0x3f
        jz err_g                    ; 0 sectors/track: would divide by zero
        push 0                      ; -> MODE = 0, high word of SPT
        push cx                     ; -> SPT
        movzx edx, dh
        inc dx                      ; DH is the last head; 256 heads is legal
        push edx                    ; -> HEADS

probed:
        mov ax, [stage2_sectors]
        dec ax                      ; 0 wraps to FFFFh and fails as well
        cmp ax, STAGE2_MAX_SECTORS - 1
        ja err_s
        inc ax
        xchg si, ax
        mov edi, [stage2_lba]
        mov ebp, [stage2_lba + 4]
        mov bx, STAGE2_SEG

; -----------------------------------------------------------------------------
; One BIOS read per iteration; SI >= 1 on entry.
load_loop:
        ; A transfer must not cross a 64 KiB physical boundary (ISA DMA
        ; legacy: many BIOSes fail or silently wrap). Reading only up to the
        ; next 32 KiB boundary guarantees that and also caps a call at 64
        ; sectors, which every BIOS accepts. BX is a multiple of 20h, so
        ; ~BX & 7E0h is 7E0h minus BX's offset within its 32 KiB window.
        mov ax, bx
        not ax
        and ax, 0x07e0
        shr ax, 5
        inc ax                      ; 1..64 sectors to the boundary
        cmp ax, si
        jbe .count_ok
        mov ax, si
.count_ok:
        mov cx, ax
        mov ah, 0x42                ; AX = 42h:count, CX = count
        cmp byte [MODE], 0
        jne .read
        call chs_setup              ; AX = 02h:count, CX, DH = CHS address

.read:
        mov dl, TRIES               ; DL is free: disk_call loads the drive
.attempt:
        ; Retried without a drive reset (AH=00h): that is for floppy
        ; motors, and a Kiln image does not fit a floppy; 446 bytes are
        ; better spent on the checks and the serial message below.
        call disk_call
        jnc .read_ok
        dec dl
        jnz .attempt
        jmp short err_r

.read_ok:
        ; Advance by the count we asked for; a successful call transferred
        ; all of it. count <= 64, so cbw/cwde zero-extend AL into EAX.
        cbw
        cwde
        add edi, eax
        adc ebp, 0                  ; carry into the high 32 bits
        imul dx, ax, 512 / 16       ; sectors -> paragraphs
        add bx, dx
        sub si, ax
        jnz load_loop

        ; The rest of stage 2 (length, two sums) is checked by this first
        ; sector's code, once this check has passed.
        CHECK_STAGE2_SECTOR err_m
        mov dl, [DRIVE]
%ifdef TEST_FLAGS
        mov byte [0x7c00 + MBR_FLAGS], TEST_FLAGS
%endif
        jmp STAGE2_BASE             ; CS is 0 (normalised at start); stage 2
                                    ; sets DS, ES and SS itself

; -----------------------------------------------------------------------------
; Errors: print "Kiln: X" and halt forever, on the screen (INT 10h), on
; port 0xE9 and on COM1, so a machine with only a serial console sees it.
; COM1 goes through INT 14h AH=01h: the BIOS probed the port at POST (BDA
; 0x400; no port: it returns at once) and bounds each wait by its timeout
; (BDA 0x47C); it is 9 bytes where programming the UART would be twice that.
err_r:  mov al, 'R'
        db 0xa9                     ; skips the next mov (see err_g)
err_c:  mov al, 'C'
        db 0xa9
err_m:  mov al, 'M'

fail:
        mov [msg_code], al
        mov si, msg
        mov bh, 0                   ; page 0 (BL, the colour, matters only in
.next:                              ; graphics modes: the BIOS left text mode)
        lodsb
        out 0xe9, al
        push ax
        mov ah, 0x01                ; INT 14h: send AL on port DX
        cwd                         ; DX = 0 (AX > 0): COM1
        int 0x14
        pop ax
        mov ah, 0x0e
        int 0x10
        cmp si, msg_end
        jb .next
.halt:
        cli
        hlt
        jmp short .halt

; -----------------------------------------------------------------------------
; Translate the LBA EBP:EDI for AH=02h and clip the count to the track.
; In:  CX = count.  Out: AX = 02h:count, CX = cylinder/sector, DH = head.
chs_setup:
        ; Only 32-bit LBAs below 1024 cylinders can be expressed.
        test ebp, ebp
        jnz err_c
        push bx                     ; BX is scratch here
        mov eax, edi
        xor edx, edx
        div dword [SPT]             ; EAX = track, EDX = sector within track
        mov bx, dx
        ; Stay inside the current track: many BIOSes cannot read across
        ; a track (or head) boundary in one call.
        sub dx, [SPT]
        neg dx                      ; sectors left in this track
        cmp cx, dx
        jbe .track_ok
        mov cx, dx
.track_ok:
        xor edx, edx
        div dword [HEADS]           ; EAX = cylinder, EDX = head
        cmp eax, 1023
        ja err_c
        mov dh, dl                  ; DH = head
        xchg ax, cx                 ; AX = count, CX = cylinder
        xchg cl, ch                 ; CH = cylinder bits 0..7
        ror cl, 2                   ; CL bits 6..7 = cylinder bits 8..9
        inc bx                      ; sectors are numbered from 1
        or cl, bl                   ; CL bits 0..5 = sector
        pop bx
        mov ah, 0x02
        ret

; -----------------------------------------------------------------------------
; One INT 13h call: AH = 42h (extended read), 02h (CHS read) or 00h (reset).
; In:  AL = count (02h), CX = count (42h) or cylinder/sector (02h),
;      DH = head (02h), BX = destination segment, EBP:EDI = LBA.
; Out: CF set on error. All general registers are preserved here rather
;      than trusting the BIOS to (some clobber registers they do not return
;      in, e.g. the upper halves of 32-bit registers). ES is clobbered.
disk_call:
        pushad
        ; The AH=42h packet is rebuilt from scratch for every call: BIOSes
        ; write the transferred count back into it, also on failure. Other
        ; functions ignore DS:SI, and AH=42h ignores ES:BX, so both register
        ; sets are simply always set up.
        push ebp                    ; packet: LBA high
        push edi                    ;         LBA low
        push bx                     ;         segment
        mov es, bx                  ; (ES:BX for AH=02h)
        xor bx, bx
        push bx                     ;         offset 0
        push cx                     ;         count
        push 0x0010                 ;         size 16, reserved 0
        mov si, sp
        mov dl, [DRIVE]
        int 0x13
        popa                        ; drops the 16-byte packet; keeps flags
        popad
        ret

msg:      db "Kiln: "
msg_code: db "?", 13, 10
msg_end:

; -----------------------------------------------------------------------------
; Fields patched by the host tool. Each times guard fails the assembly
; (negative count) if the code grows past the fields or a field moves.
        times MBR_STAGE1_FIELDS - ($ - $$) db 0
        times MBR_PAYLOAD_LBA - ($ - $$) db 0
payload_lba:    dq 0
        times MBR_STAGE2_LBA - ($ - $$) db 0
stage2_lba:     dq 0
        times MBR_STAGE2_SECTORS - ($ - $$) db 0
stage2_sectors: dw 0
        times MBR_FLAGS - ($ - $$) db 0
flags:          db 0
        times MBR_DISK_SIGNATURE - ($ - $$) db 0
disk_signature: dd 0
                dw 0
        times MBR_PARTITIONS - ($ - $$) db 0
partitions:     times 64 db 0
        times MBR_BOOT_SIGNATURE - ($ - $$) db 0
                db 0x55, 0xaa
        times 512 - ($ - $$) db 0
