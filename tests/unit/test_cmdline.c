/* test_cmdline.c - words of the kernel command line (libkiln/cmdline.c). */
#include <kiln/cmdline.h>
#include "tests/unit/testlib.h"

TEST(whole_words_only) {
    static const struct {
        const char *line, *word;
        bool has;
    } cases[] = {
        {"a b c", "b", true},        {"a b c", "a", true},          {"a b c", "c", true},
        {"ab c", "b", false},        {"ab c", "a", false},          {"a bc", "b", false},
        {"exit", "exit", true},      {"exits", "exit", false},      {"noexit", "exit", false},
        {"fw=uefi x", "fw=uefi", true}, {"fw=uefi2", "fw=uefi", false}, {"", "a", false},
        {"a  b", "b", true},         {"a b", "", false},
    };
    for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++)
        CHECK(kiln_cmdline_has(cases[i].line, cases[i].word) == cases[i].has, "\"%s\" has \"%s\": %d", cases[i].line,
              cases[i].word, !cases[i].has);
    CHECK(!kiln_cmdline_has(NULL, "a"), "a NULL command line has no words");
}
