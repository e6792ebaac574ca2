/* fuzz_toml.c - kiln.toml (tools/kiln/config/toml.c): any bytes parsed,
 * and every document it accepts holds only what toml.h promises (strings,
 * integers, booleans, arrays of strings; no key twice in a table). The
 * parser is linear, so large inputs are fine. */
#include <string.h>

#include "tests/fuzz/fuzz.h"
#include "tools/kiln/config/toml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    struct toml_doc d;
    kiln_err e;
    if (!toml_parse((const char *)data, size, "kiln.toml", &d, &e)) {
        FUZZ_ASSERT(d.nentries == 0 && d.ntables == 0 && !d.entries && !d.tables);
        FUZZ_ASSERT(!strncmp(e.msg, "kiln.toml:", 10));
        return 0;
    }
    for (size_t i = 0; i < d.nentries; i++) {
        const struct toml_entry *t = &d.entries[i];
        FUZZ_ASSERT(t->key && *t->key && t->table && t->line >= 1);
        FUZZ_ASSERT(t->type == TOML_STRING || t->type == TOML_INT || t->type == TOML_BOOL || t->type == TOML_ARRAY);
        if (t->type == TOML_STRING) FUZZ_ASSERT(t->str != NULL);
        for (size_t k = 0; k < t->nitems; k++) FUZZ_ASSERT(t->items[k] != NULL);
        /* no key twice in one table (checked against the first few: the
         * parser's own index is what is under test) */
        for (size_t j = i > 64 ? i - 64 : 0; j < i; j++)
            FUZZ_ASSERT(strcmp(d.entries[j].table, t->table) || strcmp(d.entries[j].key, t->key));
    }
    toml_free(&d);
    return 0;
}
