/* testlib.c - see testlib.h. */
#include "tests/unit/testlib.h"

#include <stdarg.h>
#include <string.h>

static int passed, failed;
static bool cur_failed;
static char first_msg[512];

void test_fail_at(const char *file, int line, const char *fmt, ...) {
    if (!cur_failed) {
        va_list ap;
        int n = snprintf(first_msg, sizeof first_msg, "%s:%d: ", file, line);
        va_start(ap, fmt);
        vsnprintf(first_msg + n, sizeof first_msg - (size_t)n, fmt, ap);
        va_end(ap);
    }
    cur_failed = true;
}

bool test_failed_now(void) { return cur_failed; }

static struct test_case *first, **last = &first;
static void (*hooks[2])(void);

void test_register(struct test_case *t) {
    *last = t;
    last = &t->next;
}

void test_register_hook(enum test_hook when, void (*fn)(void)) { hooks[when] = fn; }

static void run_one(const struct test_case *t) {
    const char *base = strrchr(t->file, '/');
    base = base ? base + 1 : t->file;
    char s[128];
    snprintf(s, sizeof s, "%.*s", (int)(strcspn(base, ".")), base);
    cur_failed = false;
    t->fn();
    if (cur_failed) {
        failed++;
        printf("[FAIL] %s:%s: %s\n", s, t->name, first_msg);
    } else {
        passed++;
        printf("[PASS] %s:%s\n", s, t->name);
    }
    fflush(stdout);
}

int main(void) {
    if (hooks[TEST_HOOK_BEFORE]) hooks[TEST_HOOK_BEFORE]();
    for (const struct test_case *t = first; t; t = t->next) run_one(t);
    if (hooks[TEST_HOOK_AFTER]) hooks[TEST_HOOK_AFTER]();
    if (!passed && !failed) {
        printf("[FAIL] testlib: no test registered\n");
        return 1;
    }
    return failed ? 1 : 0;
}

static uint64_t rng_state = UINT64_C(0x9e3779b97f4a7c15);

void test_seed(uint64_t seed) { rng_state = seed ? seed : UINT64_C(0x9e3779b97f4a7c15); }

uint64_t test_rand(void) {
    uint64_t x = rng_state;
    x ^= x >> 12, x ^= x << 25, x ^= x >> 27;
    rng_state = x;
    return x * UINT64_C(0x2545f4914f6cdd1d);
}

uint64_t test_rand_below(uint64_t n) { return n ? test_rand() % n : 0; }
