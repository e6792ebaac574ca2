; read-mbr.asm - the raw-read floor under SeaBIOS for `make bench`: a boot
; sector that reads SECTORS sectors from sector LBA of the boot drive with
; INT 13h AH=42h, 127 sectors (63.5 KiB, the most every BIOS takes) per call
; into one buffer at 0x10000, then leaves QEMU through isa-debug-exit (exit
; status 33). A failed read leaves with status 3, so the benchmark notices.
; Assemble with nasm -DLBA=N -DSECTORS=N.
bits 16
org 0x7c00
%ifndef SECTORS
%error "assemble with -DLBA=N -DSECTORS=N"
%endif
    cli
    xor ax, ax
    mov ds, ax
    mov ss, ax
    mov sp, 0x7c00
    sti
    mov [drive], dl
    mov ebx, SECTORS            ; sectors left
.next:
    test ebx, ebx
    jz .done
    mov eax, 127
    cmp ebx, eax
    jae .full
    mov eax, ebx
.full:
    mov [dap.count], ax
    push eax
    mov si, dap
    mov dl, [drive]
    mov ah, 0x42
    int 0x13
    pop eax
    jc .fail
    sub ebx, eax
    add [dap.lba], eax
    adc dword [dap.lba + 4], 0
    jmp .next
.done:
    mov al, 0x10
    out 0xf4, al
.fail:
    mov al, 0x01
    out 0xf4, al
.hang:
    cli
    hlt
    jmp .hang

drive: db 0
align 4
dap:
    db 16, 0
.count:
    dw 0
    dw 0, 0x1000                ; buffer 1000:0000 = 0x10000
.lba:
    dq LBA
times 510 - ($ - $$) db 0
dw 0xaa55
