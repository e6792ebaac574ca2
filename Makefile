# Kiln - one entry point.
#   make            build the loader (stage1, stage2, BOOTX64.EFI), the `kiln` tool, the kernel
#                   library (libkiln) and kernel-example
#   make image      build a disk image (KERNEL=, MODULE=, CMDLINE=, IMAGE=, KIND=hybrid|bios|uefi|iso)
#   make run        boot kernel-example in QEMU (FIRMWARE=bios|uefi)
#   make test       host unit tests + QEMU boot tests; ends with "N passed, N failed"
#   make debug      boot kernel-example with gdb attached (KERNEL=, FIRMWARE=, GDB_ARGS=)
#   make bench      boot-time and size figures
#   make docs-screenshots  docs/images/: kernel-example's screen under BIOS and UEFI
#   make install    PREFIX=/usr/local
#   make clean
# Everything is built under build/. V=1 shows the commands. The folders and
# what each may include are in docs/architecture.md; the source lists below
# follow from the folders.

.DEFAULT_GOAL := all
.SUFFIXES:
.DELETE_ON_ERROR:
.SECONDARY: # keep intermediate objects: rebuilding them every time is slow
MAKEFLAGS += --no-builtin-rules

B := build
V ?= 0
# V=0 shows one line for each file built ("  CC      stage2/main.c"), so a
# first build is never minutes of silence; V=1 shows the commands instead.
ifeq ($(V),0)
Q := @
say = printf '  %-7s %s\n' '$(1)' '$(2)';
else
Q :=
say :=
endif

NASM := nasm
LD := ld
OBJCOPY := objcopy
LOADER_CC := gcc
HOSTCC := gcc

# ---------------------------------------------------------------------------
# Missing Debian packages: installed as root, or the command is printed and
# make stops. This runs while the Makefile is read, before any recipe, so
# even a parallel build on a bare machine never compiles without its tools;
# each goal asks only for what it needs (scripts/deps.sh lists the groups).
# ---------------------------------------------------------------------------

GOALS := $(or $(MAKECMDGOALS),all)
DEPS_GROUPS := $(sort build \
	$(if $(filter run debug bench test boot-test docs-screenshots,$(GOALS)),run) \
	$(if $(filter test unit-test boot-test fuzz fuzz-seeds,$(GOALS)),test) \
	$(if $(filter bench,$(GOALS)),bench) \
	$(if $(filter debug test,$(GOALS)),debug))
DEPS := sh scripts/deps.sh
ifneq ($(filter-out clean,$(GOALS)),)
DEPS_STATUS := $(shell $(DEPS) $(DEPS_GROUPS) >&2; echo $$?)
ifneq ($(DEPS_STATUS),0)
$(error the packages above are missing)
endif
endif

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

# The loaders are built for size (-Os) except the loops every byte of a
# large kernel or of the screen goes through (checksum, copies, the
# framebuffer console), which stay -O2: sizes in docs/benchmarks.md. Their
# CRC-32 (only GPTs and the payload header: at most 24 KiB a boot) takes a
# byte at a time from one 1 KiB table, not 8 KiB of slicing tables, which
# gnu-efi would store in BOOTX64.EFI and OVMF would read on every boot.
LOADER_HOT_SRC := core/sum128.c libkiln/string.c libkiln/fbcon.c x86/kstring.c
loader_opt = $(if $(filter $(LOADER_HOT_SRC),$(1)),,-Os) $(if $(filter libkiln/crc32.c,$(1)),-DKILN_CRC32_BYTEWISE)

# Stage 2 runs at 0x8000, identity-mapped: small code model, no PIC. A
# section per function and object, so that the link drops what stage 2 does
# not call (shared code the tool or the UEFI path uses). Not for UEFI:
# gnu-efi's linker script has no place for .bss.* sections.
STAGE2_CFLAGS := $(LOADER_CFLAGS) -fno-pic -fno-pie -mcmodel=small -ffunction-sections -fdata-sections

# The host tool and unit tests share core/, format/ and libkiln/ with the loader.
HOST_CFLAGS := -std=c11 -O2 -g -D_GNU_SOURCE -I. -Iinclude $(WARN) -MMD -MP
SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

# Kernels (kernel-example, the test kernels, the kernel library): no red
# zone, no SSE in compiled code, nothing from a hosted libc.
KERNEL_CFLAGS := -std=c11 -O2 -g -m64 -ffreestanding -nostdlib -fno-stack-protector \
	-mno-red-zone -mgeneral-regs-only -fno-omit-frame-pointer -fno-asynchronous-unwind-tables \
	-fno-tree-loop-distribute-patterns -Iinclude -Wall -Wextra -Werror -MMD -MP

# ---------------------------------------------------------------------------
# Sources, by folder (docs/architecture.md)
# ---------------------------------------------------------------------------

# $(call srcs,PATTERNS): the sources there; asm-offsets.c only generates an include.
srcs = $(filter-out %/asm-offsets.c,$(wildcard $(1)))
CORE_SRC := $(call srcs,core/*.c)          # pure logic, loader and host tool
FORMAT_SRC := $(filter-out %_write.c,$(call srcs,format/*.c)) # on-disk formats: readers, loader and host tool
FORMAT_WRITE_SRC := $(call srcs,format/*_write.c)              # ... and writers, host tool only
LIBKILN_SRC := $(call srcs,libkiln/*.c)    # the kernel library; loader and host tool share it
COMMON_SRC := $(call srcs,common/*.c)      # the boot flow, hardware-free: loaders and unit tests
X86_SRC := $(call srcs,x86/*.c x86/*.asm)  # the machine: loaders only
STAGE2_SRC := $(call srcs,stage2/*.c stage2/*.asm)
UEFI_SRC := $(call srcs,uefi/*.c)
KILN_SRC := $(shell find tools/kiln -name '*.c' | sort) # the host tool, in parts

SHARED_SRC := $(CORE_SRC) $(FORMAT_SRC) $(LIBKILN_SRC)

# An object of SRC for target T: $(B)/T/SRC.o (asm compiled once, in $(B)/asm).
objs = $(patsubst %.c,$(B)/$(1)/%.o,$(filter %.c,$(2))) $(patsubst %.asm,$(B)/asm/%.o,$(filter %.asm,$(2)))

# The loaders link the shared code as an archive, so that only the objects
# they call are in them (the host tool's and kernels' parts stay out).
STAGE2_OBJS := $(call objs,stage2,$(STAGE2_SRC) $(COMMON_SRC) $(X86_SRC))
STAGE2_LIB := $(B)/stage2/shared.a
UEFI_OBJS := $(call objs,uefi,$(UEFI_SRC) $(COMMON_SRC) $(X86_SRC))
UEFI_LIB := $(B)/uefi/shared.a
$(STAGE2_LIB): $(call objs,stage2,$(SHARED_SRC))
$(UEFI_LIB): $(call objs,uefi,$(SHARED_SRC))
$(STAGE2_LIB) $(UEFI_LIB):
	$(Q)rm -f $@ && ar rcs $@ $^
HOST_OBJS := $(call objs,host,$(KILN_SRC) $(SHARED_SRC) $(FORMAT_WRITE_SRC)) $(B)/host/blobs.o

.PHONY: all deps libkiln image run debug test unit-test boot-test fuzz fuzz-seeds bench install clean docs-screenshots
all: $(B)/stage1.bin $(B)/cdboot.bin $(B)/pxe-stub.bin $(B)/stage2.bin $(B)/BOOTX64.EFI $(B)/kiln libkiln $(B)/kernel-example.elf
deps:
	@:

# ---------------------------------------------------------------------------
# Structure offsets and format constants for assembly, generated from C
# (never kept by hand): DIR/asm-offsets.c -> $(B)/gen/DIR/asm-offsets.inc,
# included as %include "DIR/asm-offsets.inc".
# ---------------------------------------------------------------------------

GEN_INC := $(patsubst %.c,$(B)/gen/%.inc,$(wildcard */asm-offsets.c))
$(B)/gen/%/asm-offsets.inc: %/asm-offsets.c
	@mkdir -p $(@D)
	$(Q)$(LOADER_CC) $(LOADER_CFLAGS) -MT $@ -MF $(@:.inc=.d) -S -o - $< | \
		sed -n 's/^->\([A-Z0-9_]*\) \$$\{0,1\}\([0-9]*\).*/%define \1 \2/p' > $@
NASM_FLAGS := -Werror -I$(B)/gen/ -I./

# ---------------------------------------------------------------------------
# Stage 1
# ---------------------------------------------------------------------------

$(B)/stage1.bin: stage1/stage1.asm stage1/sector.inc $(GEN_INC)
	@mkdir -p $(@D)
	$(Q)$(call say,NASM,$@)$(NASM) -f bin $(NASM_FLAGS) -o $@ -l $(B)/stage1.lst $<

# The El Torito first stage of ISO images (2048 bytes, docs/iso.md).
$(B)/cdboot.bin: stage1/cdboot.asm stage1/sector.inc $(GEN_INC)
	@mkdir -p $(@D)
	$(Q)$(call say,NASM,$@)$(NASM) -f bin $(NASM_FLAGS) -o $@ -l $(B)/cdboot.lst $<

# The BIOS network boot program's first part (format/pxe.h).
$(B)/pxe-stub.bin: stage1/pxe.asm $(GEN_INC)
	@mkdir -p $(@D)
	$(Q)$(call say,NASM,$@)$(NASM) -f bin $(NASM_FLAGS) -o $@ $<

# Test builds: CHS only, in stage 1 and stage 2; and CHS plus no E820 (the
# E801 fallback). They exercise the BIOS fallbacks under SeaBIOS, which has
# INT 13h extensions and E820.
$(B)/tests/stage1-chs.bin: stage1/stage1.asm stage1/sector.inc $(GEN_INC)
	@mkdir -p $(@D)
	$(Q)$(NASM) -f bin $(NASM_FLAGS) -DFORCE_CHS -DTEST_FLAGS=1 -o $@ $<
$(B)/tests/stage1-legacy.bin: stage1/stage1.asm stage1/sector.inc $(GEN_INC)
	@mkdir -p $(@D)
	$(Q)$(NASM) -f bin $(NASM_FLAGS) -DFORCE_CHS -DTEST_FLAGS=3 -o $@ $<
# Stage 2 on 5-level tables (MBR_FLAG_LA57), as firmware with LA57 on; CHS
# too, since stage 1 has room for the flag only without INT 13h extensions.
$(B)/tests/stage1-la57.bin: stage1/stage1.asm stage1/sector.inc $(GEN_INC)
	@mkdir -p $(@D)
	$(Q)$(NASM) -f bin $(NASM_FLAGS) -DFORCE_CHS -DTEST_FLAGS=5 -o $@ $<

# ---------------------------------------------------------------------------
# Stage 2 and the loader's assembly
# ---------------------------------------------------------------------------

# Every object depends on this Makefile too: its flags decide what the
# object is (e.g. loader_opt's -Os and KILN_CRC32_BYTEWISE), and a build
# directory must never keep an object made with other flags (one did: a
# stale -O2 libkiln/fmt.o put 2.4 KB into a stage 2 that a clean build
# does not have).
# The dependencies come from a run of their own (-M): NASM 2.16.01's -MD,
# given while assembling, lists the source but none of its %includes, so
# an edit to stage2/modes.inc rebuilt nothing.
$(B)/asm/%.o: %.asm $(GEN_INC) Makefile
	@mkdir -p $(@D)
	$(Q)$(call say,NASM,$<)$(NASM) -f elf64 $(NASM_FLAGS) -M -MT $@ -MF $(@:.o=.d) -MP $< && \
	$(NASM) -f elf64 $(NASM_FLAGS) -o $@ $<
$(B)/stage2/%.o: %.c Makefile
	@mkdir -p $(@D)
	$(Q)$(call say,CC,$< (stage 2))$(LOADER_CC) $(STAGE2_CFLAGS) $(call loader_opt,$<) -c -o $@ $<

$(B)/stage2.elf: $(STAGE2_OBJS) $(STAGE2_LIB) linker/stage2.ld
	$(Q)$(call say,LD,$@)$(LD) -m elf_x86_64 -nostdlib -z max-page-size=4096 -z noexecstack --no-warn-rwx-segments --gc-sections \
		-T linker/stage2.ld -Map $(B)/stage2.map -o $@ $(STAGE2_OBJS) $(STAGE2_LIB)
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
# Hidden visibility: nothing is exported from the .so (no dynamic symbol
# table to carry into the PE file); calls stay direct.
UEFI_CFLAGS := $(LOADER_CFLAGS) -fpic -fvisibility=hidden -fshort-wchar -DGNU_EFI_USE_MS_ABI -isystem $(EFI_INC) \
	-isystem $(EFI_INC)/x86_64

$(B)/uefi/%.o: %.c Makefile
	@mkdir -p $(@D)
	$(Q)$(call say,CC,$< (UEFI))$(LOADER_CC) $(UEFI_CFLAGS) $(call loader_opt,$<) -c -o $@ $<
# $(call efi_app,APP.efi,OBJECTS): link with gnu-efi's crt0 and linker script
# into APP.so (refusing undefined symbols: the loader has no dynamic linker),
# then convert to a PE32+ EFI application.
define efi_app
	$(Q)$(call say,LD,$(1))$(LD) -m elf_x86_64 -shared -Bsymbolic -nostdlib -znocombreloc -z noexecstack \
		-T $(EFI_LIB)/elf_x86_64_efi.lds -Map $(basename $(1)).map -o $(basename $(1)).so \
		$(EFI_LIB)/crt0-efi-x86_64.o $(2) -L$(EFI_LIB) -lgnuefi
	$(Q)if nm -u $(basename $(1)).so | grep -q .; then \
		echo "kiln: error: $(1) has undefined symbols:"; nm -u $(basename $(1)).so; exit 1; fi
	$(Q)$(OBJCOPY) -j .text -j .sdata -j .data -j .dynamic -j .dynsym -j .rel -j .rela -j '.rel.*' \
		-j '.rela.*' -j .reloc --target efi-app-x86_64 --subsystem=10 $(basename $(1)).so $(1)
endef

$(B)/BOOTX64.EFI: $(UEFI_OBJS) $(UEFI_LIB)
	$(call efi_app,$(B)/uefi/kiln.efi,$(UEFI_OBJS) $(UEFI_LIB))
	$(Q)cp $(B)/uefi/kiln.efi $@

# ---------------------------------------------------------------------------
# The kiln host tool, with the loader binaries built in.
# ---------------------------------------------------------------------------

$(B)/host/%.o: %.c Makefile
	@mkdir -p $(@D)
	$(Q)$(call say,CC,$< (kiln))$(HOSTCC) $(HOST_CFLAGS) -c -o $@ $<
$(B)/host/blobs.o: tools/kiln/image/blobs.S $(B)/stage1.bin $(B)/cdboot.bin $(B)/pxe-stub.bin $(B)/stage2.bin $(B)/BOOTX64.EFI
	@mkdir -p $(@D)
	$(Q)$(HOSTCC) -c -Wa,-I$(B) -o $@ $<
$(B)/kiln: $(HOST_OBJS)
	$(Q)$(call say,LD,$@)$(HOSTCC) -o $@ $(HOST_OBJS) -lz

# ---------------------------------------------------------------------------
# The kernel library: include/kiln/*.h over libkiln/*.c, one archive per code
# model a kernel may be built with, and a pkg-config file for each:
#   libkiln.a        -mcmodel=kernel (higher half, as kernel-example)
#   libkiln-small.a  -mcmodel=small (linked in the low 2 GiB)
#   libkiln-pie.a    -fpie (PIE kernels, or linked anywhere)
# Every symbol is kiln_-prefixed and nothing else is referenced: a kernel's
# own libc never clashes with it (checked here).
# ---------------------------------------------------------------------------

LIBKILN_VARIANTS := kernel small pie
LIBKILN_FLAGS_kernel := -fno-pic -fno-pie -mcmodel=kernel
LIBKILN_FLAGS_small := -fno-pic -fno-pie -mcmodel=small
LIBKILN_FLAGS_pie := -fpie -fvisibility=hidden
LIBKILN_NAME_kernel := kiln
LIBKILN_NAME_small := kiln-small
LIBKILN_NAME_pie := kiln-pie
LIBKILN_DESC_kernel := code model kernel (higher half)
LIBKILN_DESC_small := code model small (low 2 GiB)
LIBKILN_DESC_pie := position independent
VERSION := $(shell sed -n 's/^\#define KILN_LOADER_VERSION "\(.*\)"/\1/p' core/version.h)

# $(call kiln_pc,VARIANT,INCLUDEDIR,LIBDIR): the text of the variant's .pc file.
kiln_pc = Name: $(LIBKILN_NAME_$(1))\nDescription: Kiln boot protocol (kiln.h) and kernel library, $(LIBKILN_DESC_$(1))\nVersion: $(VERSION)\nCflags: -I$(2)\nLibs: -L$(3) -l$(LIBKILN_NAME_$(1))\n

define libkiln_variant
$(B)/lib/$(1)/%.o: %.c Makefile
	@mkdir -p $$(@D)
	$$(Q)$$(call say,CC,$$< (libkiln $(1)))$(LOADER_CC) $(KERNEL_CFLAGS) $(WARN) $(LIBKILN_FLAGS_$(1)) -c -o $$@ $$<
$(B)/lib/lib$(LIBKILN_NAME_$(1)).a: $(LIBKILN_SRC:%.c=$(B)/lib/$(1)/%.o)
	$$(Q)$$(call say,AR,$$@)rm -f $$@ && ar rcs $$@.tmp $$^
	$$(Q)if nm -A -u $$@.tmp | grep -v ' kiln_' | grep -q .; then \
		echo "kiln: error: the kernel library references names a kernel may not have:"; \
		nm -A -u $$@.tmp | grep -v ' kiln_'; rm -f $$@.tmp; exit 1; fi
	$$(Q)if nm -A -g --defined-only $$@.tmp | grep -v ' [A-Z] kiln_' | grep -q .; then \
		echo "kiln: error: the kernel library defines names without the kiln_ prefix:"; \
		nm -A -g --defined-only $$@.tmp | grep -v ' [A-Z] kiln_'; rm -f $$@.tmp; exit 1; fi
	$$(Q)mv $$@.tmp $$@
$(B)/lib/pkgconfig/$(LIBKILN_NAME_$(1)).pc: Makefile core/version.h
	@mkdir -p $$(@D)
	$$(Q)printf '$(call kiln_pc,$(1),$(CURDIR)/include,$(CURDIR)/$(B)/lib)' > $$@
libkiln: $(B)/lib/lib$(LIBKILN_NAME_$(1)).a $(B)/lib/pkgconfig/$(LIBKILN_NAME_$(1)).pc
endef
$(foreach v,$(LIBKILN_VARIANTS),$(eval $(call libkiln_variant,$(v))))

# ---------------------------------------------------------------------------
# kernel-example: built by its own Makefile, exactly as a copy outside the
# tree would be, against this tree's kiln and libkiln.
# ---------------------------------------------------------------------------

LIBKILN_FILES := $(foreach v,$(LIBKILN_VARIANTS),$(B)/lib/lib$(LIBKILN_NAME_$(v)).a $(B)/lib/pkgconfig/$(LIBKILN_NAME_$(v)).pc)
$(B)/kernel-example.elf: $(B)/kiln $(LIBKILN_FILES) $(wildcard kernel-example/*) $(wildcard include/*.h include/kiln/*.h)
	$(Q)$(call say,MAKE,$@ (kernel-example/))$(MAKE) -s -C kernel-example KILN=$(CURDIR)/$(B)/kiln OUT=$(CURDIR)/$@ OBJDIR=$(CURDIR)/$(B)/kernel-example

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
# in); kiln.h and the kernel library (headers, archives, pkg-config files);
# kernel-example, the gdb script, the loader binaries and symbols, the docs;
# man pages, bash and zsh completion.
# ---------------------------------------------------------------------------

PREFIX ?= /usr/local
DATADIR := $(DESTDIR)$(PREFIX)/share/kiln
LIBDIR := $(DESTDIR)$(PREFIX)/lib
SHAREDIR := $(DESTDIR)$(PREFIX)/share
# A man page for kiln and for each command, made from its --help text
# (scripts/manpage.sh), so the two never disagree.
MAN_CMDS := image check info run test flash
MANPAGES := $(B)/man/kiln.1 $(MAN_CMDS:%=$(B)/man/kiln-%.1)
$(B)/man/kiln.1: $(B)/kiln scripts/manpage.sh
	@mkdir -p $(@D)
	$(Q)$(call say,MAN,$@)sh scripts/manpage.sh $(B)/kiln > $@
$(B)/man/kiln-%.1: $(B)/kiln scripts/manpage.sh
	@mkdir -p $(@D)
	$(Q)$(call say,MAN,$@)sh scripts/manpage.sh $(B)/kiln $* > $@
install: all $(MANPAGES)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/include/kiln $(LIBDIR)/pkgconfig \
		$(DATADIR)/kernel-example $(DATADIR)/loader $(DESTDIR)$(PREFIX)/share/doc/kiln \
		$(SHAREDIR)/man/man1 $(SHAREDIR)/bash-completion/completions $(SHAREDIR)/zsh/site-functions
	install -m 644 $(MANPAGES) $(SHAREDIR)/man/man1/
	install -m 644 tools/completion/kiln.bash $(SHAREDIR)/bash-completion/completions/kiln
	install -m 644 tools/completion/_kiln $(SHAREDIR)/zsh/site-functions/_kiln
	install -m 755 $(B)/kiln $(DESTDIR)$(PREFIX)/bin/kiln
	install -m 644 include/kiln.h $(DESTDIR)$(PREFIX)/include/kiln.h
	install -m 644 include/kiln/*.h $(DESTDIR)$(PREFIX)/include/kiln/
	install -m 644 $(foreach v,$(LIBKILN_VARIANTS),$(B)/lib/lib$(LIBKILN_NAME_$(v)).a) $(LIBDIR)/
	$(foreach v,$(LIBKILN_VARIANTS),printf '$(call kiln_pc,$(v),$(PREFIX)/include,$(PREFIX)/lib)' \
		> $(LIBDIR)/pkgconfig/$(LIBKILN_NAME_$(v)).pc &&) true
	install -m 644 kernel-example/*.c kernel-example/kernel.ld kernel-example/Makefile $(DATADIR)/kernel-example/
	install -m 644 tools/gdb/kiln.gdb $(DATADIR)/kiln.gdb
	install -m 644 $(B)/stage1.bin $(B)/cdboot.bin $(B)/stage2.bin $(B)/stage2.elf $(B)/BOOTX64.EFI $(B)/uefi/kiln.so $(DATADIR)/loader/
	install -m 644 README.md docs/*.md $(DESTDIR)$(PREFIX)/share/doc/kiln/

# What kernel-example shows on the screen under SeaBIOS and OVMF, for the
# README: taken by kiln run --screenshot when it prints its last line.
# Generated, never drawn by hand; small PNGs (mostly black), committed
# because the docs show them.
docs-screenshots: all
	$(Q)for fw in bios uefi; do \
		printf '  %-7s %s\n' SHOT "docs/images/kernel-example-$$fw.png"; \
		$(B)/kiln run $(B)/kernel-example.elf --firmware $$fw --no-project --timeout 300 \
			--pass-on '^kernel-example: done' --screenshot docs/images/kernel-example-$$fw.png \
			< /dev/null > /dev/null || exit 1; \
	done

-include tests/tests.mk

# Sizes, boot times and guest-instruction counts, Kiln beside the firmware
# and raw-read floors (docs/benchmarks.md). N=5 boots each; see bench.sh.
# The instruction counter is a QEMU TCG plugin built here against the
# plugin header of the installed QEMU's source (plugin-header.sh).
$(B)/bench/qemu-plugin.h:
	@mkdir -p $(@D)
	$(Q)sh tests/bench/plugin-header.sh $@.tmp && mv $@.tmp $@
$(B)/bench/insncount.so: tests/bench/insncount.c $(B)/bench/qemu-plugin.h
	$(Q)$(HOSTCC) -std=c11 -O2 -g $(WARN) -shared -fPIC -I$(B)/bench -o $@ $<
$(B)/bench/phases: tests/bench/phases.c
	@mkdir -p $(@D)
	$(Q)$(HOSTCC) $(HOST_CFLAGS) -o $@ $<
$(B)/bench/bench-kernel.o: tests/bench/bench-kernel.c
	@mkdir -p $(@D)
	$(Q)$(call say,CC,$<)$(LOADER_CC) $(KERNEL_CFLAGS) -fno-pic -fno-pie -mcmodel=kernel -c -o $@ $<
-include $(B)/bench/bench-kernel.d
bench: all $(B)/tests/exit-efi.efi $(B)/tests/read-efi.efi $(B)/bench/insncount.so $(B)/bench/phases $(B)/bench/bench-kernel.o
	$(Q)B=$(B) sh tests/bench/bench.sh

clean:
	rm -rf $(B)

-include $(shell find $(B) -name '*.d' 2>/dev/null)
