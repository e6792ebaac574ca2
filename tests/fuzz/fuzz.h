/* fuzz.h - what the libFuzzer harnesses share (tests/fuzz/fuzz_*.c; built
 * and run by `make fuzz`, replayed by tests/cli/fuzz.sh in `make test`).
 * Each harness feeds arbitrary bytes to one parser of the tree and checks
 * the invariants its header promises; a broken one aborts through
 * FUZZ_ASSERT, which libFuzzer reports as a crash with the input saved. */
#ifndef KILN_FUZZ_H
#define KILN_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_ASSERT(cond) \
    do { \
        if (!(cond)) { \
            fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__, #cond); \
            abort(); \
        } \
    } while (0)

/* A NUL-terminated copy of the input (free() it). */
static inline char *fuzz_str(const uint8_t *data, size_t size) {
    char *s = malloc(size + 1);
    if (!s) abort();
    for (size_t i = 0; i < size; i++) s[i] = (char)data[i];
    s[size] = 0;
    return s;
}

#endif
