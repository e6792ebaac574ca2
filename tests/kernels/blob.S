/* blob.S - 32 MiB of known data in the big test kernel (tk-big). */
    .section .data.blob, "aw"
    .balign 4096
    .global tk_blob, tk_blob_end
tk_blob:
    .incbin "blob32.bin"
tk_blob_end:
    .section .note.GNU-stack,"",@progbits
