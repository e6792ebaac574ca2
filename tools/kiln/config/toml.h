/* toml.h - the subset of TOML 1.0 that kiln.toml uses (docs/running.md).
 *
 * Supported: comments; [table] and [dotted.table] headers with bare keys;
 * bare keys; basic strings "..." with every TOML escape; literal strings
 * '...'; integers (decimal, 0x, 0o, 0b, underscores between digits);
 * booleans; arrays of strings, over several lines, with a trailing comma.
 * Everything else TOML has (floats, dates, inline tables, arrays of
 * tables, dotted keys, multi-line strings, quoted keys) is refused with an
 * error naming the line, never misread. A key set twice and a table
 * declared twice are errors too.
 *
 * The parser knows nothing about Kiln's keys: it returns the entries in
 * file order, and config/settings.c decides what they mean. */
#ifndef KILN_TOML_H
#define KILN_TOML_H

#include <stdbool.h>
#include <stddef.h>

#include "core/util.h"

enum toml_type { TOML_STRING, TOML_INT, TOML_BOOL, TOML_ARRAY };

struct toml_entry {
    char *table; /* "" at the top level, else the header's name: "profile.ci.run" */
    char *key;
    int line;    /* of the key */
    enum toml_type type;
    char *str;        /* TOML_STRING */
    long long num;    /* TOML_INT */
    bool boolean;     /* TOML_BOOL */
    char **items;     /* TOML_ARRAY: strings */
    size_t nitems;
};

struct toml_table {
    char *name;
    int line;
};

struct toml_doc {
    struct toml_entry *entries;
    size_t nentries;
    struct toml_table *tables; /* every [header], in file order */
    size_t ntables;
};

/* Parses text (len bytes, need not be NUL-terminated). On error returns
 * false with "FILE:LINE: message" in e; the doc is then empty. */
bool toml_parse(const char *text, size_t len, const char *file, struct toml_doc *doc, kiln_err *e);
void toml_free(struct toml_doc *doc);
const char *toml_a_type(enum toml_type t); /* "a string", "an integer" */

#endif
