; grub-kernel.asm - the kernel `make bench` has GRUB boot as a reference
; (tests/bench/bench.sh): a Multiboot2 header and an entry that leaves QEMU
; at once through isa-debug-exit (exit status 33), as the bench kernel does
; under Kiln. GRUB enters it in 32-bit protected mode. bench.sh links it
; with tests/bench/grub-kernel.ld, padded with random bytes in a loaded
; segment to the size of the Kiln bench kernel it stands beside.
bits 32
MB2_MAGIC equ 0xe85250d6
MB2_ARCH_I386 equ 0

section .multiboot2 align=8
header:
    dd MB2_MAGIC, MB2_ARCH_I386, header_end - header
    dd -(MB2_MAGIC + MB2_ARCH_I386 + (header_end - header))
    dw 0, 0                         ; the end tag
    dd 8
header_end:

section .text
global _start
_start:
    mov al, 0x10                    ; QEMU exits with (0x10 << 1) | 1 = 33
    out 0xf4, al
.halt:
    cli
    hlt
    jmp .halt
