/* test_toml.c - host unit tests of the TOML subset kiln.toml is written
 * in (tools/kiln/config/toml.c): every construct it accepts, and a message naming
 * the line for everything it refuses. */
#include <stdio.h>
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
