# Kiln - one entry point.
#   make            build the loader (stage1, stage2, BOOTX64.EFI), the `kiln` tool, kernel-example
#   make image      build a disk image (KERNEL=, MODULE=, CMDLINE=, IMAGE=, KIND=)
#   make run        boot kernel-example in QEMU (FIRMWARE=bios|uefi)
#   make test       host unit tests + QEMU boot tests; ends with "N passed, N failed"
#   make debug      boot kernel-example with gdb attached (KERNEL=, FIRMWARE=, GDB_ARGS=)
#   make bench      boot-time and size figures
#   make install    PREFIX=/usr/local
#   make clean
# Everything is built under build/. V=1 shows the commands.

.DEFAULT_GOAL := all
.SUFFIXES:
.DELETE_ON_ERROR:
.SECONDARY: # keep intermediate objects: rebuilding them every time is slow
MAKEFLAGS += --no-builtin-rules

B := build
V ?= 0
ifeq ($(V),0)
Q := @
else
Q :=
endif

NASM := nasm
LD := ld
OBJCOPY := objcopy
LOADER_CC := gcc
HOSTCC := gcc

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes

# ---------------------------------------------------------------------------
# Flags, one block per target.
# ---------------------------------------------------------------------------

# Both loaders: freestanding, no SSE (the loader never touches FPU state it
# did not set up), no red zone (interrupts and the BIOS thunk use the stack),
# frame pointers for the exception dump's stack trace.
LOADER_CFLAGS := -std=c11 -O2 -g -m64 -ffreestanding -nostdlib -fno-stack-protector \
	-fno-stack-check -mno-red-zone -mgeneral-regs-only -fno-omit-frame-pointer \
	-fno-asynchronous-unwind-tables -fno-tree-loop-distribute-patterns -fno-strict-aliasing \
	-fno-common -I. -Iinclude $(WARN) -MMD -MP \
	--param=min-pagesize=0 # fixed low addresses (BDA, VGA) are not null pointers

# Stage 2 runs at 0x8000, identity-mapped: small code model, no PIC.
STAGE2_CFLAGS := $(LOADER_CFLAGS) -fno-pic -fno-pie -mcmodel=small

# The host tool and unit tests share common/ with the loader.
HOST_CFLAGS := -std=c11 -O2 -g -D_GNU_SOURCE -I. -Iinclude $(WARN) -MMD -MP
SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

# Kernels (kernel-example and test kernels): higher half unless noted.
KERNEL_CFLAGS := -std=c11 -O2 -g -m64 -ffreestanding -nostdlib -fno-stack-protector \
	-mno-red-zone -mgeneral-regs-only -fno-omit-frame-pointer -fno-asynchronous-unwind-tables \
	-fno-tree-loop-distribute-patterns -I. -Iinclude -Wall -Wextra -Werror -MMD -MP

# ---------------------------------------------------------------------------
# Sources
# ---------------------------------------------------------------------------

COMMON_C := boot cpu crc32 elf exceptions fbcon firmware_tables fmt font frames handoff \
	imgconfig kconfig kstring log memmap paging payload phys_identity plan pool serial tsc \
	vaspace video
COMMON_ASM := isr handoff
STAGE2_C := main e820 disk vbe vga

# Pure modules the host tool compiles too (same code as the loader runs).
HOST_COMMON := crc32 elf fmt imgconfig kconfig memmap payload plan vaspace
KILN_SRC := $(wildcard tools/kiln/*.c)

STAGE2_OBJS := $(B)/stage2/entry.o $(B)/stage2/a20.o $(B)/stage2/thunk.o \
	$(STAGE2_C:%=$(B)/stage2/stage2/%.o) \
	$(COMMON_C:%=$(B)/stage2/common/%.o) \
	$(COMMON_ASM:%=$(B)/stage2/common/%.asm.o)

.PHONY: all deps image run debug test unit-test boot-test bench install clean
all: deps $(B)/stage1.bin $(B)/stage2.bin $(B)/BOOTX64.EFI $(B)/kiln $(B)/kernel-example.elf

# Installs missing Debian packages as root, or prints the command and stops.
# It runs while the Makefile is read, before any recipe, so even a parallel
# build on a bare machine never compiles without its tools.
ifeq ($(filter clean,$(MAKECMDGOALS)),)
DEPS_STATUS := $(shell sh scripts/deps.sh >&2; echo $$?)
ifneq ($(DEPS_STATUS),0)
$(error the packages above are missing)
endif
endif
deps:
	@:

# ---------------------------------------------------------------------------
# Stage 1
# ---------------------------------------------------------------------------

$(B)/stage1.bin: stage1/stage1.asm
	@mkdir -p $(@D)
	$(Q)$(NASM) -f bin -Werror -o $@ -l $(B)/stage1.lst $<

# Test builds: CHS only, in stage 1 and stage 2; and CHS plus no E820 (the
# E801 fallback). They exercise the BIOS fallbacks under SeaBIOS, which has
# INT 13h extensions and E820.
$(B)/tests/stage1-chs.bin: stage1/stage1.asm
	@mkdir -p $(@D)
	$(Q)$(NASM) -f bin -Werror -DFORCE_CHS -DTEST_FLAGS=1 -o $@ $<
$(B)/tests/stage1-legacy.bin: stage1/stage1.asm
	@mkdir -p $(@D)
	$(Q)$(NASM) -f bin -Werror -DFORCE_CHS -DTEST_FLAGS=3 -o $@ $<

# ---------------------------------------------------------------------------
# Stage 2
# ---------------------------------------------------------------------------

# Structure offsets for assembly, generated from C (never kept by hand).
$(B)/asm-offsets.inc: common/asm-offsets.c common/handoff.h
	@mkdir -p $(@D)
	$(Q)$(LOADER_CC) $(filter-out -MMD -MP,$(LOADER_CFLAGS)) -S -o - $< | sed -n 's/^->\([A-Z0-9_]*\) \$$\{0,1\}\([0-9]*\).*/%define \1 \2/p' > $@
$(B)/stage2/asm-offsets.inc: stage2/asm-offsets.c stage2/bios.h
	@mkdir -p $(@D)
	$(Q)$(LOADER_CC) $(filter-out -MMD -MP,$(STAGE2_CFLAGS)) -S -o - $< | sed -n 's/^->\([A-Z0-9_]*\) \$$\{0,1\}\([0-9]*\).*/%define \1 \2/p' > $@

$(B)/stage2/%.o: stage2/%.asm stage2/modes.inc $(B)/stage2/asm-offsets.inc
	@mkdir -p $(@D)
	$(Q)$(NASM) -f elf64 -Werror -I$(B)/stage2/ -Istage2/ -o $@ $<
$(B)/stage2/common/%.asm.o: common/%.asm $(B)/asm-offsets.inc
	@mkdir -p $(@D)
	$(Q)$(NASM) -f elf64 -Werror -I$(B)/ -o $@ $<
$(B)/stage2/%.o: %.c
	@mkdir -p $(@D)
	$(Q)$(LOADER_CC) $(STAGE2_CFLAGS) -c -o $@ $<

$(B)/stage2.elf: $(STAGE2_OBJS) linker/stage2.ld
	$(Q)$(LD) -m elf_x86_64 -nostdlib -z max-page-size=4096 -z noexecstack --no-warn-rwx-segments \
		-T linker/stage2.ld -Map $(B)/stage2.map -o $@ $(STAGE2_OBJS)
$(B)/stage2.bin: $(B)/stage2.elf
	$(Q)$(OBJCOPY) -O binary $< $@
	$(Q)objdump -d -M intel $< > $(B)/stage2.lst

# ---------------------------------------------------------------------------
# UEFI: a gnu-efi PE32+ application, BOOTX64.EFI. Position-independent ELF
# shared object linked with gnu-efi's crt0 and linker script, self-relocated
# at start (libgnuefi), converted to PE by objcopy.
# ---------------------------------------------------------------------------

EFI_INC := /usr/include/efi
EFI_LIB := /usr/lib
UEFI_C := main disk gop
UEFI_CFLAGS := $(LOADER_CFLAGS) -fpic -fshort-wchar -DGNU_EFI_USE_MS_ABI -isystem $(EFI_INC) -isystem $(EFI_INC)/x86_64
UEFI_OBJS := $(UEFI_C:%=$(B)/uefi/uefi/%.o) $(COMMON_C:%=$(B)/uefi/common/%.o) \
	$(COMMON_ASM:%=$(B)/uefi/common/%.asm.o)

$(B)/uefi/common/%.asm.o: common/%.asm $(B)/asm-offsets.inc
	@mkdir -p $(@D)
	$(Q)$(NASM) -f elf64 -Werror -I$(B)/ -o $@ $<
$(B)/uefi/%.o: %.c
	@mkdir -p $(@D)
	$(Q)$(LOADER_CC) $(UEFI_CFLAGS) -c -o $@ $<
# $(call efi_app,APP.efi,OBJECTS): link with gnu-efi's crt0 and linker script
# into APP.so (refusing undefined symbols: the loader has no dynamic linker),
# then convert to a PE32+ EFI application.
define efi_app
	$(Q)$(LD) -m elf_x86_64 -shared -Bsymbolic -nostdlib -znocombreloc -z noexecstack \
		-T $(EFI_LIB)/elf_x86_64_efi.lds -Map $(basename $(1)).map -o $(basename $(1)).so \
		$(EFI_LIB)/crt0-efi-x86_64.o $(2) -L$(EFI_LIB) -lgnuefi
	$(Q)if nm -u $(basename $(1)).so | grep -q .; then \
		echo "kiln: error: $(1) has undefined symbols:"; nm -u $(basename $(1)).so; exit 1; fi
	$(Q)$(OBJCOPY) -j .text -j .sdata -j .data -j .dynamic -j .dynsym -j .rel -j .rela -j '.rel.*' \
		-j '.rela.*' -j .reloc --target efi-app-x86_64 --subsystem=10 $(basename $(1)).so $(1)
endef

$(B)/BOOTX64.EFI: $(UEFI_OBJS)
	$(call efi_app,$(B)/uefi/kiln.efi,$(UEFI_OBJS))
	$(Q)cp $(B)/uefi/kiln.efi $@

# ---------------------------------------------------------------------------
# The kiln host tool, with the loader binaries built in.
# ---------------------------------------------------------------------------

HOST_OBJS := $(KILN_SRC:%.c=$(B)/host/%.o) $(HOST_COMMON:%=$(B)/host/common/%.o) $(B)/host/blobs.o

$(B)/host/%.o: %.c
	@mkdir -p $(@D)
	$(Q)$(HOSTCC) $(HOST_CFLAGS) -c -o $@ $<
$(B)/host/blobs.o: tools/kiln/blobs.S $(B)/stage1.bin $(B)/stage2.bin $(B)/BOOTX64.EFI
	@mkdir -p $(@D)
	$(Q)$(HOSTCC) -c -Wa,-I$(B) -o $@ $<
$(B)/kiln: $(HOST_OBJS)
	$(Q)$(HOSTCC) -o $@ $(HOST_OBJS)

# ---------------------------------------------------------------------------
# kernel-example: built by its own Makefile, exactly as a copy outside the
# tree would be, against this tree's kiln.
# ---------------------------------------------------------------------------

$(B)/kernel-example.elf: $(B)/kiln kernel-example/main.c kernel-example/kernel.ld kernel-example/Makefile \
		common/fbcon.c common/font.c common/fmt.c common/kstring.c include/kiln.h
	$(Q)$(MAKE) -s -C kernel-example KILN=$(CURDIR)/$(B)/kiln OUT=$(CURDIR)/$@ OBJDIR=$(CURDIR)/$(B)/kernel-example

# ---------------------------------------------------------------------------
# Images, running, debugging
# ---------------------------------------------------------------------------

KERNEL ?= $(B)/kernel-example.elf
IMAGE ?= $(B)/$(basename $(notdir $(KERNEL))).img
KIND ?= hybrid
FIRMWARE ?= bios
image: all $(KERNEL)
	$(Q)$(B)/kiln image $(KERNEL) -o $(IMAGE) --kind $(KIND) \
		$(foreach m,$(MODULE) $(RAMDISK),--module $(m)) $(if $(CMDLINE),--cmdline "$(CMDLINE)")
	@echo $(IMAGE)

# QEMU exits 33 when the kernel reports success through isa-debug-exit.
run: all
	$(Q)$(B)/kiln run $(B)/kernel-example.elf --firmware $(FIRMWARE) $(if $(CMDLINE),--cmdline "$(CMDLINE)") \
		|| [ $$? -eq 33 ]

# QEMU halted in the background, gdb attached here (scripts/debug.sh).
debug: all
	$(Q)B=$(B) KERNEL=$(KERNEL) FIRMWARE=$(FIRMWARE) CMDLINE="$(CMDLINE)" sh scripts/debug.sh

# ---------------------------------------------------------------------------
# make install PREFIX=/usr/local [DESTDIR=]: the kiln tool (loaders built
# in), kiln.h, the kernel support sources kernel-example uses, the example
# itself, the gdb script, the loader binaries and symbols, and the docs.
# ---------------------------------------------------------------------------

PREFIX ?= /usr/local
DATADIR := $(DESTDIR)$(PREFIX)/share/kiln
SUPPORT_SRC := common/fbcon.c common/fbcon.h common/font.c common/font.h common/fmt.c common/fmt.h \
	common/kstring.c common/kstring.h common/util.h
install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/include $(DATADIR)/include $(DATADIR)/common \
		$(DATADIR)/kernel-example $(DATADIR)/loader $(DESTDIR)$(PREFIX)/share/doc/kiln
	install -m 755 $(B)/kiln $(DESTDIR)$(PREFIX)/bin/kiln
	install -m 644 include/kiln.h $(DESTDIR)$(PREFIX)/include/kiln.h
	install -m 644 include/kiln.h $(DATADIR)/include/kiln.h
	install -m 644 $(SUPPORT_SRC) $(DATADIR)/common/
	install -m 644 kernel-example/main.c kernel-example/kernel.ld kernel-example/Makefile $(DATADIR)/kernel-example/
	install -m 644 tools/gdb/kiln.gdb $(DATADIR)/kiln.gdb
	install -m 644 $(B)/stage1.bin $(B)/stage2.bin $(B)/stage2.elf $(B)/BOOTX64.EFI $(B)/uefi/kiln.so $(DATADIR)/loader/
	install -m 644 README.md docs/*.md $(DESTDIR)$(PREFIX)/share/doc/kiln/

-include tests/tests.mk

# Sizes and boot times, measured side by side (docs/benchmarks.md). N=10.
bench: all $(B)/tests/exit-efi.efi
	$(Q)sh tests/bench/bench.sh

clean:
	rm -rf $(B)

-include $(shell find $(B) -name '*.d' 2>/dev/null)
