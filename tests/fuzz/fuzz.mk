# fuzz.mk - libFuzzer harnesses (tests/fuzz/fuzz_*.c), one per parser of
# hostile input. Included by tests/tests.mk.
#   make fuzz [FUZZ_SECONDS=60]   build them, fuzz each for FUZZ_SECONDS and
#                                 print its executions and coverage; with
#                                 FUZZ_MERGE=1, merge what it found (minimized,
#                                 inputs up to 4 KiB) into the committed corpora
#   make fuzz-seeds               rewrite the corpora's seeds (tests/fuzz/mkseeds.c)
#   make test                     replays each committed corpus
#                                 (tests/fuzz/corpus/NAME) and fuzzes a few
#                                 seconds more with a fixed seed (tests/cli/fuzz.sh)
# clang's -fsanitize=fuzzer with ASan and UBSan; the tree's code is built
# again with the coverage instrumentation into an archive, so each harness
# links only the objects it calls.
FUZZ_CC := clang
FUZZ_CFLAGS := -std=c11 -O1 -g -D_GNU_SOURCE -I. -Iinclude -Wall -Wextra -Werror -fno-omit-frame-pointer \
	-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
FUZZ_NAMES := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS := $(FUZZ_NAMES:%=$(B)/fuzz/fuzz_%)
FUZZ_LIB_SRC := $(SHARED_SRC) $(FORMAT_WRITE_SRC) $(filter-out tools/kiln/main.c,$(KILN_SRC))
FUZZ_SECONDS ?= 60

$(B)/fuzz/obj/%.o: %.c
	@mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -MMD -MP -c -o $@ $<
$(B)/fuzz/libkiln-fuzz.a: $(FUZZ_LIB_SRC:%.c=$(B)/fuzz/obj/%.o)
	$(Q)rm -f $@ && ar rcs $@ $^
$(B)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(B)/fuzz/libkiln-fuzz.a
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(B)/fuzz/libkiln-fuzz.a -lz
-include $(FUZZ_LIB_SRC:%.c=$(B)/fuzz/obj/%.d)

fuzz: deps $(FUZZ_BINS)
	$(Q)B=$(B) FUZZ_MERGE=$(FUZZ_MERGE) sh tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_NAMES)
FUZZ_MERGE ?= 0

# The seeds of the corpora (tests/fuzz/mkseeds.c), built like a unit test.
SEEDS_LIB := $(patsubst %.c,$(B)/san/%.o,$(SHARED_SRC) $(FORMAT_WRITE_SRC))
$(B)/fuzz/mkseeds: tests/fuzz/mkseeds.c $(SEEDS_LIB)
	@mkdir -p $(@D)
	$(Q)$(HOSTCC) $(HOST_CFLAGS) $(SAN) -o $@ $< $(SEEDS_LIB)
fuzz-seeds: deps $(B)/fuzz/mkseeds
	$(Q)for n in $(FUZZ_NAMES); do mkdir -p tests/fuzz/corpus/$$n; done
	$(Q)$(B)/fuzz/mkseeds tests/fuzz/corpus
