# tests.mk - `make test`: host unit tests under ASan/UBSan, command-line
# tests of the kiln tool, and QEMU boot tests run through `kiln test`.
# Included by the top-level Makefile.

# --- host unit tests -------------------------------------------------------
# Every tests/unit/test_*.c is one binary, linked with the loader's shared
# and hardware-free code (core/, format/, libkiln/, common/: the same
# sources the loader runs), the kiln tool's modules (for tests of the
# tool's own logic) and the host stand-ins for x86/ (tests/unit/mock_*.c).
UNIT_TESTS := $(patsubst tests/unit/%.c,%,$(wildcard tests/unit/test_*.c))
UNIT_SRC := $(filter-out tests/unit/test_%,$(wildcard tests/unit/*.c)) $(SHARED_SRC) $(FORMAT_WRITE_SRC) \
	$(COMMON_SRC)
UNIT_LIB := $(UNIT_SRC:%.c=$(B)/san/%.o)
TOOL_LIB := $(filter-out $(B)/san/tools/kiln/main.o,$(KILN_SRC:%.c=$(B)/san/%.o)) $(B)/host/blobs.o

$(B)/san/%.o: %.c Makefile
	@mkdir -p $(@D)
	$(Q)$(HOSTCC) $(HOST_CFLAGS) $(SAN) -c -o $@ $<
$(B)/tests/unit/%: tests/unit/%.c $(UNIT_LIB) $(TOOL_LIB)
	@mkdir -p $(@D)
	$(Q)$(HOSTCC) $(HOST_CFLAGS) $(SAN) -o $@ $< $(UNIT_LIB) $(TOOL_LIB) -lz

UNIT_BINS := $(UNIT_TESTS:%=$(B)/tests/unit/%)

# --- fuzz harnesses: see tests/fuzz/fuzz.mk (FUZZ_BINS, make fuzz) ------------
include tests/fuzz/fuzz.mk
# test_boot runs the boot flow on real test kernels; test_mbr reads stage 1.
$(B)/tests/unit/test_boot: $(B)/tests/kernels/tk-smp.elf $(B)/tests/kernels/tk-fixed.elf $(B)/tests/kernels/tk-pie.elf $(B)/tests/kernels/tk-nomap.elf \
	$(B)/tests/kernels/tk-la57.elf $(B)/tests/kernels/tk-la57only.elf
$(B)/tests/unit/test_mbr: $(B)/stage1.bin
$(B)/tests/unit/test_efiseal: $(B)/BOOTX64.EFI

# --- test kernels: see tests/kernels/kernels.mk ------------------------------
-include tests/kernels/kernels.mk

# --- everything -------------------------------------------------------------
unit-test: deps $(UNIT_BINS)
	$(Q)sh tests/run.sh unit

boot-test: all $(TEST_KERNELS) $(TEST_FILES)
	$(Q)sh tests/run.sh boot

test: all $(UNIT_BINS) $(TEST_KERNELS) $(TEST_FILES) $(B)/tests/stage1-chs.bin $(FUZZ_BINS)
	$(Q)sh tests/run.sh all
