/* toml.c - see toml.h. A hand-written parser over the whole text: arrays
 * may span lines, so it works on characters, not lines, and counts
 * newlines as it goes for the error messages. The input is hostile: the
 * parser never recurses (an array holds strings only, so a nested '[' is
 * an error where it stands), finds a key set twice through a hash index
 * (linear time for any number of keys), and frees everything on failure. */
#include "tools/kiln/config/toml.h"

#include <limits.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/kiln/util/die.h"

/* An index of the entries (or the tables) by name, so finding a key set
 * twice costs one probe per key, not a pass over all earlier keys: open
 * addressing, each slot an index + 1 into doc->entries (doc->tables), 0
 * empty; never more than half full. */
struct index {
    size_t *slot;
    size_t cap;
};

struct parser {
    const char *p, *end;
    int line;
    const char *file;
    kiln_err *e;
    struct toml_doc *doc;
    size_t cap_entries, cap_tables;
    const char *table; /* current table name (owned by doc->tables) */
    struct index keys, tables;
};

/* FNV-1a over the table name, a NUL, and the key (NULL for a table). */
static size_t name_hash(const char *table, const char *key) {
    uint64_t h = 0xcbf29ce484222325ull;
    for (const char *s = table;; s++) {
        h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
        if (!*s) break;
    }
    for (const char *s = key; s && *s; s++) h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
    return (size_t)(h ^ (h >> 29));
}

static bool entry_is(const struct toml_doc *d, size_t i, const char *table, const char *key) {
    return key ? !strcmp(d->entries[i].table, table) && !strcmp(d->entries[i].key, key)
               : !strcmp(d->tables[i].name, table);
}

/* The slot of (table, key) (key NULL: the table itself): where it is, or
 * the empty slot where it goes. */
static size_t *ix_slot(const struct index *ix, const struct toml_doc *d, const char *table, const char *key) {
    size_t mask = ix->cap - 1;
    for (size_t i = name_hash(table, key) & mask;; i = (i + 1) & mask)
        if (!ix->slot[i] || entry_is(d, ix->slot[i] - 1, table, key)) return &ix->slot[i];
}

/* Room for element n (the index then holds n + 1): rebuilt twice as big
 * when it would be more than half full. */
static void ix_reserve(struct index *ix, const struct toml_doc *d, size_t n, bool tables) {
    if (ix->cap && (n + 1) * 2 <= ix->cap) return;
    free(ix->slot);
    ix->cap = ix->cap ? ix->cap * 2 : 64;
    ix->slot = xcalloc(ix->cap, sizeof *ix->slot);
    for (size_t i = 0; i < n; i++) {
        size_t *s = tables ? ix_slot(ix, d, d->tables[i].name, NULL)
                           : ix_slot(ix, d, d->entries[i].table, d->entries[i].key);
        *s = i + 1;
    }
}

/* Room for one more element in arr (n elements of size bytes, room for
 * *cap): arr itself or a bigger copy, the old one freed. */
static void *grow(void *arr, size_t n, size_t *cap, size_t size) {
    if (n < *cap) return arr;
    *cap = *cap ? *cap * 2 : 8;
    void *p = xmalloc(*cap * size);
    if (n) memcpy(p, arr, n * size);
    free(arr);
    return p;
}

/* A growable string. */
struct sbuf {
    char *s;
    size_t n, cap;
};

static void sb_putc(struct sbuf *b, char c) {
    if (b->n + 2 > b->cap) {
        b->cap = b->cap ? b->cap * 2 : 32;
        char *s = xmalloc(b->cap);
        if (b->n) memcpy(s, b->s, b->n);
        free(b->s);
        b->s = s;
    }
    b->s[b->n++] = c;
    b->s[b->n] = 0;
}

static char *sb_take(struct sbuf *b) {
    if (!b->s) return xstrdup("");
    char *s = b->s;
    b->s = NULL;
    b->n = b->cap = 0;
    return s;
}

__attribute__((format(printf, 2, 3))) static bool fail(struct parser *ps, const char *fmt, ...) {
    char *msg = ps->e->msg;
    size_t size = sizeof ps->e->msg;
    int n = snprintf(msg, size, "%s:%d: ", ps->file, ps->line);
    if (n < 0) n = 0;
    if ((size_t)n < size) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg + n, size - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return false;
}

static bool at_end(const struct parser *ps) { return ps->p >= ps->end; }
static char peek(const struct parser *ps) { return at_end(ps) ? 0 : *ps->p; }
static char peek2(const struct parser *ps) { return ps->p + 1 < ps->end ? ps->p[1] : 0; }

static void skip_ws(struct parser *ps) {
    while (!at_end(ps) && (*ps->p == ' ' || *ps->p == '\t')) ps->p++;
}

static void skip_comment(struct parser *ps) {
    if (peek(ps) == '#')
        while (!at_end(ps) && *ps->p != '\n') ps->p++;
}

/* After a value or a header: blanks, an optional comment, then a newline
 * (consumed) or the end of the text. */
static bool end_of_line(struct parser *ps, const char *what) {
    skip_ws(ps);
    skip_comment(ps);
    if (at_end(ps)) return true;
    if (*ps->p == '\r' && peek2(ps) == '\n') ps->p++;
    if (*ps->p != '\n') return fail(ps, "unexpected '%c' after %s (one %s per line)", *ps->p, what, what);
    ps->p++;
    ps->line++;
    return true;
}

/* Blanks, comments and newlines (inside arrays, between statements). */
static void skip_ws_nl(struct parser *ps) {
    for (;;) {
        skip_ws(ps);
        skip_comment(ps);
        if (peek(ps) == '\r' && peek2(ps) == '\n') ps->p++;
        if (peek(ps) != '\n') return;
        ps->p++;
        ps->line++;
    }
}

static bool is_bare(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

static bool bare_key(struct parser *ps, char **out, const char *what) {
    const char *s = ps->p;
    while (!at_end(ps) && is_bare(*ps->p)) ps->p++;
    if (ps->p == s) {
        char c = peek(ps);
        if (c == '"' || c == '\'') return fail(ps, "quoted %ss are not supported; use letters, digits, '_' and '-'", what);
        if (c == 0 || c == '\n' || c == '\r') return fail(ps, "expected a %s", what);
        return fail(ps, "unexpected '%c' where a %s should be", c, what);
    }
    *out = xmalloc((size_t)(ps->p - s) + 1);
    memcpy(*out, s, (size_t)(ps->p - s));
    (*out)[ps->p - s] = 0;
    return true;
}

static void put_utf8(struct sbuf *b, unsigned long cp) {
    if (cp < 0x80) {
        sb_putc(b, (char)cp);
    } else if (cp < 0x800) {
        sb_putc(b, (char)(0xc0 | (cp >> 6)));
        sb_putc(b, (char)(0x80 | (cp & 0x3f)));
    } else if (cp < 0x10000) {
        sb_putc(b, (char)(0xe0 | (cp >> 12)));
        sb_putc(b, (char)(0x80 | ((cp >> 6) & 0x3f)));
        sb_putc(b, (char)(0x80 | (cp & 0x3f)));
    } else {
        sb_putc(b, (char)(0xf0 | (cp >> 18)));
        sb_putc(b, (char)(0x80 | ((cp >> 12) & 0x3f)));
        sb_putc(b, (char)(0x80 | ((cp >> 6) & 0x3f)));
        sb_putc(b, (char)(0x80 | (cp & 0x3f)));
    }
}

static int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* "..." with TOML's escapes, or '...' taken literally; both on one line. */
static bool string(struct parser *ps, char **out) {
    char q = *ps->p;
    if (ps->p + 2 < ps->end && ps->p[1] == q && ps->p[2] == q)
        return fail(ps, "multi-line strings (%c%c%c) are not supported", q, q, q);
    ps->p++;
    struct sbuf b = {0};
    for (;;) {
        if (at_end(ps) || *ps->p == '\n' || *ps->p == '\r') {
            free(b.s);
            return fail(ps, "unterminated string (strings end on the line they start)");
        }
        char c = *ps->p++;
        if (c == q) break;
        if ((unsigned char)c < 0x20 && c != '\t') {
            free(b.s);
            return fail(ps, "control character 0x%02x in a string (write it as an escape)", (unsigned char)c);
        }
        if (c == 0x7f) {
            free(b.s);
            return fail(ps, "control character 0x7f in a string");
        }
        if (c != '\\' || q == '\'') {
            sb_putc(&b, c);
            continue;
        }
        char e = at_end(ps) ? 0 : *ps->p++;
        switch (e) {
        case 'b': sb_putc(&b, '\b'); break;
        case 't': sb_putc(&b, '\t'); break;
        case 'n': sb_putc(&b, '\n'); break;
        case 'f': sb_putc(&b, '\f'); break;
        case 'r': sb_putc(&b, '\r'); break;
        case 'e': sb_putc(&b, 0x1b); break;
        case '"': sb_putc(&b, '"'); break;
        case '\\': sb_putc(&b, '\\'); break;
        case 'u':
        case 'U': {
            int digits = e == 'u' ? 4 : 8;
            unsigned long cp = 0;
            for (int i = 0; i < digits; i++) {
                int v = at_end(ps) ? -1 : hexval(*ps->p);
                if (v < 0) {
                    free(b.s);
                    return fail(ps, "\\%c needs %d hex digits", e, digits);
                }
                cp = cp << 4 | (unsigned long)v;
                ps->p++;
            }
            if (cp == 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
                free(b.s);
                return fail(ps, "\\%c%0*lX is not a Unicode scalar value kiln accepts", e, digits, cp);
            }
            put_utf8(&b, cp);
            break;
        }
        default:
            free(b.s);
            if (e == 0 || e == '\n' || e == '\r') return fail(ps, "unterminated string (strings end on the line they start)");
            return fail(ps, "unknown escape \\%c in a string (use \\\\ for a backslash, or a 'literal string')", e);
        }
    }
    *out = sb_take(&b);
    return true;
}

static bool digit_in_base(char c, int base) {
    int v = hexval(c);
    return v >= 0 && v < base;
}

static bool integer(struct parser *ps, long long *out) {
    const char *s = ps->p;
    bool neg = false;
    int base = 10;
    if (*ps->p == '+' || *ps->p == '-') neg = *ps->p++ == '-';
    if (peek(ps) == '0' && (peek2(ps) == 'x' || peek2(ps) == 'o' || peek2(ps) == 'b')) {
        if (ps->p != s) return fail(ps, "a sign is not allowed on a hex, octal or binary integer");
        base = peek2(ps) == 'x' ? 16 : peek2(ps) == 'o' ? 8 : 2;
        ps->p += 2;
    }
    unsigned long long v = 0;
    bool any = false, last_us = false;
    const char *first = ps->p;
    while (!at_end(ps) && (digit_in_base(*ps->p, base) || *ps->p == '_')) {
        if (*ps->p == '_') {
            if (!any || last_us) return fail(ps, "'_' in a number must sit between two digits");
            last_us = true;
            ps->p++;
            continue;
        }
        unsigned d = (unsigned)hexval(*ps->p);
        if (v > (ULLONG_MAX - d) / (unsigned)base) return fail(ps, "integer too large");
        v = v * (unsigned)base + d;
        any = true;
        last_us = false;
        ps->p++;
    }
    if (!any) return fail(ps, "expected a value (a \"string\", an integer, true, false or [\"an\", \"array\"])");
    if (last_us) return fail(ps, "'_' in a number must sit between two digits");
    if (base == 10 && *first == '0' && ps->p - first > 1) return fail(ps, "leading zeros are not allowed in an integer");
    char c = peek(ps);
    if (c == '.' || c == 'e' || c == 'E') return fail(ps, "floating-point numbers are not supported");
    if (c == ':' || c == '-' || c == 'T') return fail(ps, "dates and times are not supported");
    if (is_bare(c)) return fail(ps, "unexpected '%c' in a number", c);
    if (neg ? v > (unsigned long long)LLONG_MAX + 1 : v > (unsigned long long)LLONG_MAX)
        return fail(ps, "integer too large");
    *out = neg ? (long long)(0 - v) : (long long)v;
    return true;
}

static bool word(struct parser *ps, const char *w) {
    size_t n = strlen(w);
    if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, w, n)) return false;
    if (ps->p + n < ps->end && is_bare(ps->p[n])) return false;
    ps->p += n;
    return true;
}

static bool value(struct parser *ps, struct toml_entry *e);

static bool array(struct parser *ps, struct toml_entry *e) {
    ps->p++; /* [ */
    size_t cap = 0;
    e->type = TOML_ARRAY;
    for (;;) {
        skip_ws_nl(ps);
        if (at_end(ps)) return fail(ps, "unterminated array (missing ']')");
        if (*ps->p == ']') {
            ps->p++;
            return true;
        }
        char c = *ps->p;
        /* Nothing but strings may be an item, so an inner '[' is an error
         * at once: the parser never recurses, and no nesting depth can
         * exhaust the stack. */
        if (c == '[') return fail(ps, "arrays may only hold strings (found an array)");
        if (c != '"' && c != '\'') {
            struct toml_entry tmp = {0};
            bool ok = value(ps, &tmp); /* not an array: no recursion */
            free(tmp.str);
            if (!ok) return false;
            return fail(ps, "arrays may only hold strings (found %s)", toml_a_type(tmp.type));
        }
        char *s;
        if (!string(ps, &s)) return false;
        e->items = grow(e->items, e->nitems, &cap, sizeof *e->items);
        e->items[e->nitems++] = s;
        skip_ws_nl(ps);
        if (peek(ps) == ',') {
            ps->p++;
            continue;
        }
        if (peek(ps) == ']') continue;
        if (at_end(ps)) return fail(ps, "unterminated array (missing ']')");
        return fail(ps, "expected ',' or ']' in an array, found '%c'", *ps->p);
    }
}

static bool value(struct parser *ps, struct toml_entry *e) {
    char c = peek(ps);
    if (c == '"' || c == '\'') {
        e->type = TOML_STRING;
        return string(ps, &e->str);
    }
    if (c == '[') return array(ps, e);
    if (c == '{') return fail(ps, "inline tables ({...}) are not supported; use a [table]");
    bool t = word(ps, "true");
    if (t || word(ps, "false")) {
        e->type = TOML_BOOL;
        e->boolean = t;
        return true;
    }
    if (word(ps, "inf") || word(ps, "nan") || word(ps, "+inf") || word(ps, "-inf") || word(ps, "+nan") ||
        word(ps, "-nan"))
        return fail(ps, "floating-point numbers are not supported");
    if ((c >= '0' && c <= '9') || c == '+' || c == '-') {
        e->type = TOML_INT;
        return integer(ps, &e->num);
    }
    if (c == 0 || c == '\n' || c == '\r' || c == '#') return fail(ps, "missing value after '='");
    if (is_bare(c)) return fail(ps, "a string value needs quotes: \"...\"");
    return fail(ps, "unexpected '%c' where a value should be", c);
}

static void free_entry(struct toml_entry *e) {
    free(e->key);
    free(e->str);
    for (size_t i = 0; i < e->nitems; i++) free(e->items[i]);
    free(e->items);
}

static bool header(struct parser *ps) {
    int line = ps->line;
    ps->p++; /* [ */
    if (peek(ps) == '[') return fail(ps, "arrays of tables ([[...]]) are not supported");
    struct sbuf name = {0};
    for (;;) {
        skip_ws(ps);
        char *part;
        if (!bare_key(ps, &part, "table name")) {
            free(name.s);
            return false;
        }
        if (name.n) sb_putc(&name, '.');
        for (char *q = part; *q; q++) sb_putc(&name, *q);
        free(part);
        skip_ws(ps);
        if (peek(ps) == '.') {
            ps->p++;
            continue;
        }
        if (peek(ps) == ']') {
            ps->p++;
            break;
        }
        free(name.s);
        return fail(ps, "expected ']' to end the table header");
    }
    char *n = sb_take(&name);
    struct toml_doc *d = ps->doc;
    ix_reserve(&ps->tables, d, d->ntables, true);
    size_t *slot = ix_slot(&ps->tables, d, n, NULL);
    if (*slot) {
        free(n);
        const struct toml_table *first = &d->tables[*slot - 1];
        return fail(ps, "table [%s] declared twice (first on line %d)", first->name, first->line);
    }
    d->tables = grow(d->tables, d->ntables, &ps->cap_tables, sizeof *d->tables);
    d->tables[d->ntables++] = (struct toml_table){n, line};
    *slot = d->ntables;
    ps->table = n;
    return end_of_line(ps, "table header");
}

static bool keyval(struct parser *ps) {
    struct toml_entry e = {0};
    e.line = ps->line;
    if (!bare_key(ps, &e.key, "key")) return false;
    skip_ws(ps);
    if (peek(ps) == '.') {
        free(e.key);
        return fail(ps, "dotted keys are not supported; put the key under a [table] header");
    }
    if (peek(ps) != '=') {
        free(e.key);
        return fail(ps, "expected '=' after the key");
    }
    ps->p++;
    skip_ws(ps);
    if (!value(ps, &e) || !end_of_line(ps, "value")) {
        free_entry(&e);
        return false;
    }
    struct toml_doc *d = ps->doc;
    ix_reserve(&ps->keys, d, d->nentries, false);
    size_t *slot = ix_slot(&ps->keys, d, ps->table, e.key);
    if (*slot) {
        const struct toml_entry *first = &d->entries[*slot - 1];
        ps->line = e.line;
        free_entry(&e);
        return fail(ps, "'%s' is set twice in this table (first on line %d)", first->key, first->line);
    }
    d->entries = grow(d->entries, d->nentries, &ps->cap_entries, sizeof *d->entries);
    e.table = xstrdup(ps->table);
    d->entries[d->nentries++] = e;
    *slot = d->nentries;
    return true;
}

bool toml_parse(const char *text, size_t len, const char *file, struct toml_doc *doc, kiln_err *e) {
    struct parser ps = {.p = text, .end = text + len, .line = 1, .file = file, .e = e,
                        .doc = doc, .table = ""};
    memset(doc, 0, sizeof *doc);
    if (len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3)) ps.p += 3; /* a UTF-8 byte-order mark */
    if (memchr(text, 0, len)) {
        ps.line = 1;
        for (const char *q = text; *q; q++) ps.line += *q == '\n';
        fail(&ps, "NUL byte in the file");
        return false;
    }
    bool ok = true;
    while (ok) {
        skip_ws_nl(&ps);
        if (at_end(&ps)) break;
        ok = *ps.p == '[' ? header(&ps) : keyval(&ps);
    }
    free(ps.keys.slot);
    free(ps.tables.slot);
    if (!ok) toml_free(doc);
    return ok;
}

void toml_free(struct toml_doc *doc) {
    for (size_t i = 0; i < doc->nentries; i++) {
        free_entry(&doc->entries[i]);
        free(doc->entries[i].table);
    }
    for (size_t i = 0; i < doc->ntables; i++) free(doc->tables[i].name);
    free(doc->entries);
    free(doc->tables);
    memset(doc, 0, sizeof *doc);
}

const char *toml_a_type(enum toml_type t) {
    switch (t) {
    case TOML_STRING: return "a string";
    case TOML_INT: return "an integer";
    case TOML_BOOL: return "a boolean";
    case TOML_ARRAY: return "an array";
    }
    return "a value";
}
