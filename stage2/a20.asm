; a20.asm - enabling the A20 line, in real mode, the robust way: test
;; first, then INT 15h AX=2401h, then the keyboard controller, then port 0x92
;; ("fast A20"), testing after each. Every wait is bounded: legacy-free
;; machines have no 8042. Called by entry.asm; carry set on failure.

%include "stage2/modes.inc"

section .text16 progbits alloc exec
bits 16
global enable_a20

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

