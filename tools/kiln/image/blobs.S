/* blobs.S - the loader binaries (found through -Wa,-Ibuild), built into the kiln tool so that it is
 * self-contained: `kiln image` needs nothing but the kernel. */
    .section .rodata
    .balign 16
    .global kiln_stage1, kiln_stage1_end
kiln_stage1:
    .incbin "stage1.bin"
kiln_stage1_end:
    .balign 16
    .global kiln_cdboot, kiln_cdboot_end
kiln_cdboot:
    .incbin "cdboot.bin"
kiln_cdboot_end:
    .balign 16
    .global kiln_pxe_stub, kiln_pxe_stub_end
kiln_pxe_stub:
    .incbin "pxe-stub.bin"
kiln_pxe_stub_end:
    .balign 16
    .global kiln_stage2, kiln_stage2_end
kiln_stage2:
    .incbin "stage2.bin"
kiln_stage2_end:
    .balign 16
    .global kiln_efi, kiln_efi_end
kiln_efi:
    .incbin "BOOTX64.EFI"
kiln_efi_end:
    .section .note.GNU-stack,"",@progbits
