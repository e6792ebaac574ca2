/* testlib.h - a tiny host unit-test harness.
 *
 *   TEST(name) { CHECK(x == 1, "x is %d", x); ... }
 *
 * A TEST registers itself (in the order of the file); testlib.c's main()
 * runs every registered test, each printing "[PASS] file:name" or
 * "[FAIL] file:name: message" (the lines tests/run.sh counts), and exits
 * non-zero on failure. A file that needs work around all of its tests
 * names it once: TEST_BEFORE_ALL(fn) and TEST_AFTER_ALL(fn). */
#ifndef TESTLIB_H
#define TESTLIB_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

void test_fail_at(const char *file, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
bool test_failed_now(void);

/* A fixed-seed PRNG (xorshift64*) for randomized tests: reproducible runs. */
void test_seed(uint64_t seed);
uint64_t test_rand(void);
uint64_t test_rand_below(uint64_t n); /* 0 when n is 0 */

struct test_case {
    const char *file, *name;
    void (*fn)(void);
    struct test_case *next;
};
void test_register(struct test_case *t);
enum test_hook { TEST_HOOK_BEFORE, TEST_HOOK_AFTER };
void test_register_hook(enum test_hook when, void (*fn)(void));

#define TEST(name) \
    static void name(void); \
    static struct test_case name##_case_ = {__FILE__, #name, name, NULL}; \
    __attribute__((constructor)) static void name##_register_(void) { test_register(&name##_case_); } \
    static void name(void)
#define TEST_BEFORE_ALL(fn) \
    __attribute__((constructor)) static void fn##_before_all_(void) { test_register_hook(TEST_HOOK_BEFORE, fn); }
#define TEST_AFTER_ALL(fn) \
    __attribute__((constructor)) static void fn##_after_all_(void) { test_register_hook(TEST_HOOK_AFTER, fn); }

#define CHECK(cond, ...) \
    do { \
        if (!(cond)) test_fail_at(__FILE__, __LINE__, __VA_ARGS__); \
    } while (0)
/* CHECK that stops the test on failure. */
#define REQUIRE(cond, ...) \
    do { \
        if (!(cond)) { \
            test_fail_at(__FILE__, __LINE__, __VA_ARGS__); \
            return; \
        } \
    } while (0)

#endif
