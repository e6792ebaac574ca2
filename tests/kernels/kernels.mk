# kernels.mk - test kernels. Each is a few C (or .S) sources plus tk.c, the
# test-kernel library, linked with one of the scripts in linker/ and with the
# kernel library (libkiln) of its code model, exactly as a user's kernel.
#
# $(eval $(call tk_kernel,NAME,SOURCES,LINKER_SCRIPT,CFLAGS,LDFLAGS[,CC[,LD]]))
# defines $(B)/tests/kernels/NAME.elf and adds it to TEST_KERNELS. CC and LD
# default to the loader's gcc and GNU ld; an empty LINKER_SCRIPT means the
# linker's default layout.

TK_CFLAGS := $(KERNEL_CFLAGS) -Itests/kernels -Wa,-I$(B)/tests
TK_CLANG_CFLAGS := $(filter-out -fno-tree-loop-distribute-patterns,$(TK_CFLAGS))
TK_LIB_SRC := tests/kernels/tk.c tests/kernels/tk_smp.c kernel-example/libc.c
# The kernel library of the code model in CFLAGS.
tk_libkiln = $(B)/lib/lib$(if $(findstring -fpie,$(1)),kiln-pie,$(if $(findstring -mcmodel=small,$(1)),kiln-small,kiln)).a

tk_obj = $(B)/tests/kernels/$(1)/$(notdir $(basename $(2))).o

define tk_kernel
$(B)/tests/kernels/$(1).elf: $(foreach s,$(2) $(TK_LIB_SRC),$(call tk_obj,$(1),$(s))) $(3) $(call tk_libkiln,$(4))
	$$(Q)$(or $(7),$(LD)) -m elf_x86_64 -nostdlib -z max-page-size=4096 -z noexecstack $(5) $(if $(3),-T $(3)) -o $$@ \
		$(foreach s,$(2) $(TK_LIB_SRC),$(call tk_obj,$(1),$(s))) $(call tk_libkiln,$(4))
$(foreach s,$(2) $(TK_LIB_SRC),$(eval $(call tk_compile,$(1),$(s),$(4),$(6))))
TEST_KERNELS += $(B)/tests/kernels/$(1).elf
endef

define tk_compile
$(call tk_obj,$(1),$(2)): $(2) tests/kernels/tk.h include/kiln.h $(wildcard include/kiln/*.h)
	@mkdir -p $$(@D)
	$$(Q)$(or $(4),$(LOADER_CC)) $(if $(findstring clang,$(4)),$(TK_CLANG_CFLAGS),$(TK_CFLAGS)) $(3) -c -o $$@ $(2)
endef

include $(wildcard tests/kernels/*.mk.inc)
