/* test_toml.c - host unit tests of the TOML subset kiln.toml is written
 * in (tools/kiln/config/toml.c): every construct it accepts, and a message naming
 * the line for everything it refuses. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "tests/unit/testlib.h"
#include "tools/kiln/config/toml.h"

/* --- TOML ---------------------------------------------------------------------------------- */

static bool parse(const char *text, struct toml_doc *d, kiln_err *e) {
    return toml_parse(text, strlen(text), "kiln.toml", d, e);
}

TEST(toml_valid) {
    const char *text = "# a comment\n"
                       "kernel = \"build/k.elf\"  # trailing comment\n"
                       "memory = 1_024\n"
                       "hex = 0x1F\n"
                       "neg = -5\n"
                       "gui = true\n"
                       "net = false\n"
                       "lit = 'C:\\path\\n'\n"
                       "esc = \"a\\tb\\n\\\"q\\\"\\\\ \\u00e9\"\n"
                       "args = [\n"
                       "  \"-cpu\", # the CPU\n"
                       "  'max',\n"
                       "]\n"
                       "empty = []\n"
                       "\n"
                       "[profile.ci]\n"
                       "timeout = 120\n"
                       "[ profile . ci . test ]\n"
                       "expect = [\"ok\"]\n";
    struct toml_doc d;
    kiln_err e;
    REQUIRE(parse(text, &d, &e), "parse failed: %s", e.msg);
    REQUIRE(d.nentries == 12, "%zu entries", d.nentries);
    CHECK(!strcmp(d.entries[0].key, "kernel") && d.entries[0].type == TOML_STRING &&
              !strcmp(d.entries[0].str, "build/k.elf") && d.entries[0].line == 2 && !strcmp(d.entries[0].table, ""),
          "kernel entry");
    CHECK(d.entries[1].type == TOML_INT && d.entries[1].num == 1024, "1_024 -> %lld", d.entries[1].num);
    CHECK(d.entries[2].num == 31, "0x1F -> %lld", d.entries[2].num);
    CHECK(d.entries[3].num == -5, "-5");
    CHECK(d.entries[4].type == TOML_BOOL && d.entries[4].boolean, "true");
    CHECK(d.entries[5].type == TOML_BOOL && !d.entries[5].boolean, "false");
    CHECK(!strcmp(d.entries[6].str, "C:\\path\\n"), "literal string: %s", d.entries[6].str);
    CHECK(!strcmp(d.entries[7].str, "a\tb\n\"q\"\\ \xc3\xa9"), "escapes: %s", d.entries[7].str);
    CHECK(d.entries[8].type == TOML_ARRAY && d.entries[8].nitems == 2 && !strcmp(d.entries[8].items[0], "-cpu") &&
              !strcmp(d.entries[8].items[1], "max") && d.entries[8].line == 10,
          "array");
    CHECK(d.entries[9].type == TOML_ARRAY && d.entries[9].nitems == 0, "empty array");
    CHECK(!strcmp(d.entries[10].table, "profile.ci") && d.entries[10].line == 17, "table of timeout: %s",
          d.entries[10].table);
    CHECK(!strcmp(d.entries[11].table, "profile.ci.test") && d.entries[11].line == 19, "dotted header with spaces");
    CHECK(d.ntables == 2 && d.tables[1].line == 18, "tables");
    toml_free(&d);
}

/* Each invalid input and the message it must give, line number first. */
TEST(toml_invalid) {
    static const struct {
        const char *text, *msg;
    } cases[] = {
        {"a = 1\nb = \n", "kiln.toml:2: missing value"},
        {"a = \"x\n", "kiln.toml:1: unterminated string"},
        {"\n\na = \"\\q\"\n", "kiln.toml:3: unknown escape \\q"},
        {"a = 1.5\n", "kiln.toml:1: floating-point numbers are not supported"},
        {"a = 1979-05-27\n", "kiln.toml:1: dates and times are not supported"},
        {"a = {x = 1}\n", "kiln.toml:1: inline tables"},
        {"[[bin]]\n", "kiln.toml:1: arrays of tables"},
        {"a.b = 1\n", "kiln.toml:1: dotted keys are not supported"},
        {"a = 1\na = 2\n", "kiln.toml:2: 'a' is set twice in this table (first on line 1)"},
        {"[x]\n[y]\n[x]\n", "kiln.toml:3: table [x] declared twice (first on line 1)"},
        {"a = [1, 2]\n", "kiln.toml:1: arrays may only hold strings (found an integer)"},
        {"a = [\"x\",\n\"y\"\n", "kiln.toml:3: unterminated array"},
        {"a = [\"x\" \"y\"]\n", "kiln.toml:1: expected ',' or ']'"},
        {"a = 1 2\n", "kiln.toml:1: unexpected '2' after value"},
        {"a = bare\n", "kiln.toml:1: a string value needs quotes"},
        {"a = 01\n", "kiln.toml:1: leading zeros"},
        {"a = 1__0\n", "kiln.toml:1: '_' in a number"},
        {"a = 99999999999999999999\n", "kiln.toml:1: integer too large"},
        {"a = \"\"\"x\"\"\"\n", "kiln.toml:1: multi-line strings"},
        {"\"q\" = 1\n", "kiln.toml:1: quoted keys are not supported"},
        {"a 1\n", "kiln.toml:1: expected '=' after the key"},
        {"[x\n", "kiln.toml:1: expected ']'"},
        {"# c\n# c\n\n  = 1\n", "kiln.toml:4: unexpected '='"},
        {"a = \"\\u12\"\n", "kiln.toml:1: \\u needs 4 hex digits"},
        {"a = true\nb = truex\n", "kiln.toml:2: a string value needs quotes"},
        /* a nested array is refused where it opens; what the outer one
         * already holds is freed (LeakSanitizer checks at exit) */
        {"a = [\"x\", [\"y\"]]\n", "kiln.toml:1: arrays may only hold strings (found an array)"},
        {"a = [[\"y\"\n", "kiln.toml:1: arrays may only hold strings (found an array)"},
        {"a = [\"x\", 1.5]\n", "kiln.toml:1: floating-point numbers are not supported"},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        struct toml_doc d;
        kiln_err e;
        if (parse(cases[i].text, &d, &e)) {
            CHECK(false, "case %zu parsed: %s", i, cases[i].text);
            toml_free(&d);
            continue;
        }
        CHECK(strstr(e.msg, cases[i].msg) == e.msg, "case %zu: got '%s', want '%s...'", i, e.msg, cases[i].msg);
    }
    struct toml_doc d;
    kiln_err e;
    CHECK(!toml_parse("a = 1\n\0", 7, "f.toml", &d, &e) && strstr(e.msg, "NUL"), "NUL byte: %s", e.msg);
}

/* Hostile sizes: 60,000 '[' after "a = " once crashed the parser by
 * recursion (SIGSEGV); now it is an error on the first inner '['. */
TEST(toml_deep_nesting) {
    size_t n = 60000;
    char *text = malloc(n + 8);
    REQUIRE(text, "malloc");
    memcpy(text, "a = ", 4);
    memset(text + 4, '[', n);
    struct toml_doc d;
    kiln_err e;
    CHECK(!toml_parse(text, n + 4, "kiln.toml", &d, &e) && strstr(e.msg, "found an array"), "nesting: %s", e.msg);
    free(text);
}

/* Many keys and tables: each is found through the index, and a key set
 * twice in one table (and only there) is still caught with the right
 * first line. */
TEST(toml_many_keys) {
    size_t n = 20000, cap = n * 32 + 64, len = 0;
    char *text = malloc(cap), *dup = malloc(cap);
    REQUIRE(text && dup, "malloc");
    for (size_t i = 0; i < n; i++) len += (size_t)snprintf(text + len, cap - len, "k%zu = 1\n", i);
    size_t top = len;
    for (size_t i = 0; i < 100; i++) len += (size_t)snprintf(text + len, cap - len, "[t%zu]\nk%zu = 2\n", i, i);
    struct toml_doc d;
    kiln_err e;
    REQUIRE(toml_parse(text, len, "kiln.toml", &d, &e), "%s", e.msg);
    CHECK(d.nentries == n + 100 && d.ntables == 100, "%zu entries, %zu tables", d.nentries, d.ntables);
    toml_free(&d);
    size_t dn = (size_t)snprintf(dup, cap, "%.*sk12345 = 3\n", (int)top, text);
    CHECK(!toml_parse(dup, dn, "kiln.toml", &d, &e) &&
              strstr(e.msg, "kiln.toml:20001: 'k12345' is set twice in this table (first on line 12346)"),
          "duplicate: %s", e.msg);
    dn = (size_t)snprintf(dup, cap, "%s[t7]\n", text);
    CHECK(!toml_parse(dup, dn, "kiln.toml", &d, &e) && strstr(e.msg, "table [t7] declared twice (first on line 20015)"),
          "table twice: %s", e.msg);
    free(text);
    free(dup);
}
