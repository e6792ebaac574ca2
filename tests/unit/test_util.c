/* test_util.c - errors (core/util.c): err_set and err_prefix. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "tests/unit/testlib.h"

TEST(err_set_and_prefix) {
    kiln_err e;
    CHECK(!err_set(&e, "elf: segment %u at 0x%llx", 3u, 0x1000ull) && strcmp(e.msg, "elf: segment 3 at 0x1000") == 0,
          "err_set: %s", e.msg);
    CHECK(!err_prefix(&e, "kernel '%s'", "k") && strcmp(e.msg, "kernel 'k': elf: segment 3 at 0x1000") == 0,
          "err_prefix: %s", e.msg);
    CHECK(!err_set(NULL, "x") && !err_prefix(NULL, "y"), "NULL errors are allowed");
    char big[sizeof e.msg + 144]; /* longer than the message buffer, hosted (1024) or not (256) */
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = 0;
    err_set(&e, "%s", big);
    CHECK(strlen(e.msg) == sizeof e.msg - 1, "err_set truncates to %zu", sizeof e.msg - 1);
    err_prefix(&e, "p");
    CHECK(strlen(e.msg) == sizeof e.msg - 1 && strncmp(e.msg, "p: aaa", 6) == 0, "err_prefix truncates");
}
