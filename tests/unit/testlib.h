/* testlib.h - a tiny host unit-test harness.
 *
 *   TEST(name) { CHECK(x == 1, "x is %d", x); ... }
 *   int main(void) { RUN(name); ...; return test_summary(); }
 *
 * Every test prints "[PASS] file:name" or "[FAIL] file:name: message" (the
 * lines tests/run.sh counts); test_summary() returns non-zero on failure. */
#ifndef TESTLIB_H
#define TESTLIB_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

void test_fail_at(const char *file, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void test_run(const char *suite, const char *name, void (*fn)(void));
int test_summary(void);
bool test_failed_now(void);

/* A fixed-seed PRNG (xorshift64*) for randomized tests: reproducible runs. */
void test_seed(uint64_t seed);
uint64_t test_rand(void);
uint64_t test_rand_below(uint64_t n); /* 0 when n is 0 */

#define TEST(name) static void name(void)
#define RUN(name) test_run(__FILE__, #name, name)
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
