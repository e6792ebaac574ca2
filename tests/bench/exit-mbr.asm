; exit-mbr.asm - a boot sector that leaves QEMU at once through
; isa-debug-exit: `make bench` boots it to measure SeaBIOS's own time.
bits 16
org 0x7c00
    mov al, 0x10
    out 0xf4, al
.hang:
    cli
    hlt
    jmp .hang
times 510 - ($ - $$) db 0
dw 0xaa55
