/* test_hostile_config.c - host unit tests of the configuration under
 * hostile input (issue 10, part 4): the bounds on regular expressions
 * (tools/kiln/config/pattern.c), patterns compiled only for the chosen
 * profile, KILN_* environment entries of any shape, and many template
 * variables and profiles. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/rc_fixture.h"
#include "tests/unit/testlib.h"
#include "tools/kiln/config/config.h"
#include "tools/kiln/config/pattern.h"

TEST(pattern_accepted) {
    static const char *const ok[] = {
        "ok",  "^\\[PASS\\] (boot|smp)$", "a{3}", "a{2,}", "(ab){0,255}", "[]a-]+", "[^]x]*", "[[:alpha:]_]+x",
        "a{", "x{a}", "\\(", "(a|b|c)?d", "(.{0,15}){8}", "[[.-.]]", "((a)b)c*"};
    for (size_t i = 0; i < ARRAY_LEN(ok); i++) {
        kiln_err e;
        CHECK(pattern_check(ok[i], &e), "'%s' refused: %s", ok[i], e.msg);
    }
}

TEST(pattern_refused) {
    static const struct {
        const char *re, *msg;
    } cases[] = {
        /* a followed by 24 '+' once took 8.5 GB and 18 s in regcomp() */
        {"a++++++++++++++++++++++++", "repetition of a repetition at byte 3"},
        {"a*?", "repetition of a repetition at byte 3"},
        {"a{2}{3}", "repetition of a repetition at byte 5"},
        /* nested counted repetitions once reached 23 GB */
        {"(((a{255}){255}){255})", "too complex"},
        {"(.{0,255}){15}", "too complex"},
        {"a{256}", "repetition count at byte 2 is more than 255"},
        {"a{1,99999999999999999999}", "repetition count at byte 2 is more than 255"},
        {"((((((((((((((((((x))))))))))))))))))", "groups nested more than 16 deep at byte 17"},
        {"(a)\\1", "back-reference \\1 at byte 4"},
        {"ab\\", "ends in a lone backslash"},
        {"[[:alpha:", "unterminated bracket expression '[' at byte 1"},
        {"x[ab", "unterminated bracket expression '[' at byte 2"},
        {"(ab", "unmatched '('"},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        kiln_err e;
        bool ok = pattern_check(cases[i].re, &e);
        CHECK(!ok && strstr(e.msg, cases[i].msg) == e.msg, "'%s': got '%s', want '%s'", cases[i].re,
              ok ? "(accepted)" : e.msg, cases[i].msg);
    }
    char *big = malloc(PATTERN_MAX_LEN + 2);
    REQUIRE(big, "malloc");
    memset(big, 'a', PATTERN_MAX_LEN + 1);
    big[PATTERN_MAX_LEN + 1] = 0;
    kiln_err e;
    CHECK(!pattern_check(big, &e) && strstr(e.msg, "longer than 1024 bytes"), "long: %s", e.msg);
    big[PATTERN_MAX_LEN] = 0;
    CHECK(pattern_check(big, &e), "1024 atoms: %s", e.msg);
    memcpy(big, "(a){9}", 6); /* 19 + 1018 */
    CHECK(!pattern_check(big, &e) && strstr(e.msg, "too complex"), "1037 elements: %s", e.msg);
    free(big);
}

/* Every setting that holds a pattern, from kiln.toml and the command line:
 * an over-complex one is a clear error, before regcomp() sees it. */
TEST(pattern_settings) {
    static const struct {
        const char *toml, *args, *msg;
    } cases[] = {
        {"expect = [\"a++++++++++++++++++++++++\"]\n", "k.elf",
         "kiln.toml:1: expect[0] = \"a++++++++++++++++++++++++\": bad regular expression: repetition of a repetition"},
        {"pass_on = \"(((a{255}){255}){255})\"\n", "k.elf", "kiln.toml:1: pass_on = \"(((a{255}){255}){255})\": "
                                                             "bad regular expression: too complex"},
        {"reply = [\"(x{99}){99}=y\"]\n", "k.elf", "kiln.toml:1: reply[0] = \"(x{99}){99}=y\": bad regular expression: too complex"},
        {NULL, "--expect-fail='(a)\\1' k.elf", "--expect-fail (a)\\1: bad regular expression: back-reference"},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        struct fixture f;
        resolve(&f, cases[i].toml, no_env, cases[i].args);
        const char *m = cases[i].toml ? strstr(f.e.msg, "kiln.toml:") : f.e.msg;
        CHECK(!f.ok && m && strstr(m, cases[i].msg) == m, "case %zu: got '%s', want '%s'", i, f.e.msg, cases[i].msg);
        fixture_free(&f);
    }
}

/* The whole file is checked on every run, but only the chosen profile's
 * patterns are compiled: "a{2,1}" is within the bounds and only regcomp()
 * refuses it, so it is an error with its profile only. */
TEST(pattern_compiled_for_the_chosen_profile) {
    const char *toml = "kernel = \"k.elf\"\n[profile.ci]\nexpect = [\"a{2,1}\"]\n[profile.dev]\ntimeout = 5\n";
    struct fixture f;
    resolve(&f, toml, no_env, "--profile dev");
    CHECK(f.ok, "another profile's pattern was compiled: %s", f.e.msg);
    fixture_free(&f);
    resolve(&f, toml, no_env, "--profile ci");
    CHECK(!f.ok && strstr(f.e.msg, "expect[0] = \"a{2,1}\": bad regular expression: "), "chosen: %s", f.e.msg);
    fixture_free(&f);
    /* bounds hold in every profile */
    resolve(&f, "kernel = \"k.elf\"\n[profile.ci]\nexpect = [\"a**\"]\n", no_env, "");
    CHECK(!f.ok && strstr(f.e.msg, "repetition of a repetition"), "unused profile: %s", f.e.msg);
    fixture_free(&f);
}

/* execve() takes any strings as the environment: entries without '='
 * (once arithmetic on a NULL pointer), empty names, long names. */
TEST(env_entries_of_any_shape) {
    static char longname[4096];
    memcpy(longname, "KILN_", 5);
    memset(longname + 5, 'X', sizeof longname - 6);
    const char *const env[] = {"KILN_VAR_X", "KILN_VAR_", "KILN_", "KILN_MEMORY", "KILN", longname, NULL};
    struct fixture f;
    resolve(&f, NULL, env, "k.elf");
    CHECK(f.ok && f.c.nvars == 0, "got ok=%d '%s', %zu vars", f.ok, f.e.msg, f.c.nvars);
    fixture_free(&f);
    const char *const empty_name[] = {"KILN_VAR_=1", NULL};
    resolve(&f, NULL, empty_name, "k.elf");
    CHECK(!f.ok && strstr(f.e.msg, "KILN_VAR_: '' is not a variable name"), "KILN_VAR_=1: %s", f.e.msg);
    fixture_free(&f);
    struct arena a = {0};
    const char **msgs;
    size_t n = rc_unknown_env(&a, env, &msgs);
    CHECK(n == 2 && strstr(msgs[0], "unknown environment variable KILN_ ") && strlen(msgs[1]) > 4000, "%zu warnings",
          n); /* KILN_ and the long one, without a suggestion */
    arena_free(&a);
}

/* 10,000 [vars] and 5,000 profiles: each found through an index (the
 * variables were once copied on every add: 3.1 GB), and a message lists a
 * bounded part of them. */
TEST(many_vars_and_profiles) {
    size_t n = 10000, cap = n * 48 + 256, len = 0;
    char *toml = malloc(cap);
    REQUIRE(toml, "malloc");
    len += (size_t)snprintf(toml + len, cap - len, "kernel = \"k.elf\"\ncmdline = \"{{V9999}} {{NOPE}}\"\n[vars]\n");
    for (size_t i = 0; i < n; i++) len += (size_t)snprintf(toml + len, cap - len, "V%zu = \"{{V%zu}}x\"\n", i, i ? i - 1 : 0);
    struct fixture f;
    resolve(&f, toml, no_env, "");
    /* V0 refers to itself */
    CHECK(!f.ok && strstr(f.e.msg, "{{V0}} refers to itself"), "%s", f.e.msg);
    fixture_free(&f);
    len = 0;
    len += (size_t)snprintf(toml + len, cap - len, "kernel = \"k.elf\"\n[vars]\n");
    for (size_t i = 0; i < n; i++) len += (size_t)snprintf(toml + len, cap - len, "V%zu = \"v\"\n", i);
    for (size_t i = 0; i < 5000; i++) len += (size_t)snprintf(toml + len, cap - len, "[profile.p%zu]\n", i);
    resolve(&f, toml, no_env, "");
    CHECK(f.ok, "%s", f.e.msg);
    CHECK(f.c.nvars == n && f.c.nprofiles == 5000, "%zu vars, %zu profiles", f.c.nvars, f.c.nprofiles);
    char *out;
    struct rc_source src = {RC_CLI, NULL, 0, NULL, "--cmdline"};
    CHECK(!rc_expand(&f.c, "{{V9999}} {{NOPE}}", "cmdline", &src, &out, &f.e) &&
              strstr(f.e.msg, "unknown template variable {{NOPE}} (known: KERNEL, KERNEL_NAME, IS_TEST, PROJECT_DIR, V0, V1") &&
              strstr(f.e.msg, " more; add it to [vars]"),
          "%s", f.e.msg);
    fixture_free(&f);
    resolve(&f, toml, no_env, "--profile nope");
    CHECK(!f.ok && strstr(f.e.msg, "defines: p0, p1, p2") && strstr(f.e.msg, " more"), "%s", f.e.msg);
    fixture_free(&f);
    free(toml);
}

static void scratch(void) { fixture_scratch("hostile"); }
TEST_BEFORE_ALL(scratch)
TEST_AFTER_ALL(fixture_scratch_remove)
