; trampoline.asm - where an application processor starts (smp.h): copied by
; smp_start() to a page below 1 MiB, with its data (struct ap_data) at
; AP_DATA_OFFSET of the same page. The SIPI vector is the page number, so the
; AP begins here in real mode with CS = page >> 4, IP = 0.
;
; EBX (then R15) holds the page's physical address throughout: every data
; access is relative to it. No stack is used until the AP has its own.
bits 16
%include "x86/asm-offsets.inc"
%include "x86/zero-gprs.inc"

section .rodata
global ap_trampoline, ap_trampoline_pm32, ap_trampoline_lm64, ap_trampoline_kernel, ap_trampoline_end
ap_trampoline:
    cli
    cld
    mov ax, cs
    mov ds, ax
    xor ebx, ebx
    mov bx, ax
    shl ebx, 4                      ; the page's physical address
    o32 lgdt [AP_GDT32_LIMIT]       ; the temporary GDT (32-bit base)
    mov eax, cr0
    or al, 1                        ; PE
    mov cr0, eax
    jmp dword far [AP_FAR32_OFFSET] ; to ap_trampoline_pm32, CS = 0x08

bits 32
ap_trampoline_pm32:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov eax, [ebx + AP_CR4_PAGING]  ; PAE (and LA57 when the kernel's tables have 5 levels)
    mov cr4, eax
    mov eax, [ebx + AP_TMP_CR3]
    mov cr3, eax
    mov ecx, 0xc0000080             ; EFER: LME and NXE as on the BSP
    mov eax, [ebx + AP_EFER]
    mov edx, [ebx + AP_EFER + 4]
    wrmsr
    mov ecx, 0x277                  ; PAT as on the BSP, before any mapping uses it
    mov eax, [ebx + AP_PAT]
    mov edx, [ebx + AP_PAT + 4]
    wrmsr
    mov eax, [ebx + AP_CR0]         ; PG on: long mode, compatibility submode
    mov cr0, eax
    jmp far [ebx + AP_FAR64_OFFSET] ; to ap_trampoline_lm64, CS = 0x18 (64-bit)

bits 64
ap_trampoline_lm64:
    mov r15d, ebx                   ; (the upper halves are undefined after the switch)
    mov rax, [r15 + AP_CR3]         ; the kernel's tables: this page is identity-mapped there
    mov cr3, rax
    mov rax, [r15 + AP_CR4]
    mov cr4, rax
    lgdt [r15 + AP_GDT_LIMIT]       ; the kernel's GDT, at its virtual address
    jmp dword far [r15 + AP_FARKERNEL_OFFSET] ; CS = 0x08 of that GDT (m16:32: AMD has no m16:64)
ap_trampoline_kernel:
    mov eax, 0x10
    mov ds, eax
    mov es, eax
    mov ss, eax
    mov fs, eax
    mov gs, eax
    lidt [r15 + AP_IDT_LIMIT]
    fninit
    ldmxcsr [r15 + AP_MXCSR]
    test dword [r15 + AP_FLAGS], AP_FLAG_X2APIC
    jz .apic_id
    mov ecx, 0x1b                   ; IA32_APIC_BASE: EN and EXTD
    rdmsr
    or eax, 0xc00
    wrmsr
.apic_id:
    test dword [r15 + AP_FLAGS], AP_FLAG_LEAF_B
    jz .leaf1
    mov eax, 0xb
    xor ecx, ecx
    cpuid
    mov esi, edx                    ; the x2APIC ID
    jmp .find
.leaf1:
    mov eax, 1
    cpuid
    mov esi, ebx
    shr esi, 24                     ; the initial APIC ID
.find:                              ; RBX = this AP's record, by APIC ID
    mov rbx, [r15 + AP_CPUS]
    mov rcx, [r15 + AP_COUNT]
.next:
    test rcx, rcx
    jz .lost
    cmp [rbx + KILN_CPU_LAPIC_ID], esi
    je .found
    add rbx, KILN_CPU_SIZE
    dec rcx
    jmp .next
.found:
    ; Claim the record. If the BSP gave up on this AP (NO_RESPONSE) it must
    ; not park: the kernel believes it is not running.
    mov eax, KILN_CPU_NOT_STARTED
    mov edx, KILN_CPU_PARKED
    lock cmpxchg [rbx + KILN_CPU_STATE], edx
    jne .lost
.park:
    mov rax, [rbx + KILN_CPU_GOTO]
    test rax, rax
    jnz .go
    test dword [r15 + AP_FLAGS], AP_FLAG_MWAIT
    jz .pause
    lea rax, [rbx + KILN_CPU_GOTO]
    xor ecx, ecx
    xor edx, edx
    monitor
    cmp qword [rbx + KILN_CPU_GOTO], 0 ; a store between the check and MONITOR
    jne .park
    xor eax, eax
    xor ecx, ecx
    mwait
    jmp .park
.pause:
    pause
    jmp .park
.go:
    mov dword [rbx + KILN_CPU_STATE], KILN_CPU_RUNNING
    mov rsp, [rbx + KILN_CPU_STACK_TOP]
    push 0                          ; return address: the function must not return
    push rax                        ; popped by the final `ret`
    mov rdi, rbx
    ZERO_GPRS_BUT_RDI_RSP
    ret                             ; RSP = stack_top - 8
.lost:                              ; no record, or given up on: halt here for good
    cli
    hlt
    jmp .lost

align 8
global ap_gdt32
ap_gdt32:                           ; the temporary GDT (accessed bits preset: no writes)
    dq 0
    dq 0x00cf9b000000ffff           ; 0x08: 32-bit code
    dq 0x00cf93000000ffff           ; 0x10: data
    dq 0x00af9b000000ffff           ; 0x18: 64-bit code
ap_trampoline_end:
