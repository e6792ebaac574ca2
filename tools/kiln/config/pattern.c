/* pattern.c - see pattern.h. */
#include "tools/kiln/config/pattern.h"

#include <stddef.h>
#include <string.h>

#define COST_CAP ((size_t)PATTERN_MAX_COST + 1) /* costs saturate here */

static size_t sat_add(size_t a, size_t b) { return a + b > COST_CAP ? COST_CAP : a + b; }
static size_t sat_mul(size_t a, size_t b) { return b && a > COST_CAP / b ? COST_CAP : a * b > COST_CAP ? COST_CAP : a * b; }

/* One open group (the whole pattern is the outermost): the cost of its
 * finished alternatives, of the current one, and of its last atom (what a
 * repetition applies to). */
struct frame {
    size_t done, cur, last;
    bool have_atom, after_rep;
};

/* The end of a bracket expression starting at p ('['): the index after
 * its ']', or 0 if it is not closed. */
static size_t bracket_end(const char *re, size_t p) {
    size_t i = p + 1;
    if (re[i] == '^') i++;
    if (re[i] == ']') i++; /* a ']' first is a member */
    for (; re[i]; i++) {
        if (re[i] == ']') return i + 1;
        if (re[i] == '[' && (re[i + 1] == ':' || re[i + 1] == '=' || re[i + 1] == '.')) {
            char kind = re[i + 1];
            const char *close = NULL;
            for (size_t j = i + 2; re[j] && re[j + 1]; j++)
                if (re[j] == kind && re[j + 1] == ']') {
                    close = re + j;
                    break;
                }
            if (!close) return 0;
            i = (size_t)(close - re) + 1;
        }
    }
    return 0;
}

/* Digits at re + *i (advanced past them), at most PATTERN_MAX_COUNT:
 * how many there were, or -1 for a larger count. */
static int count_digits(const char *re, size_t *i, unsigned long *v) {
    int n = 0;
    for (*v = 0; re[*i] >= '0' && re[*i] <= '9'; (*i)++, n++)
        if ((*v = *v * 10 + (unsigned long)(re[*i] - '0')) > PATTERN_MAX_COUNT) return -1;
    return n;
}

#define NOT_INTERVAL 0
#define BAD_INTERVAL ((size_t)-1)

/* "{m}", "{m,}", "{m,n}" at re + p: the index after it and the count the
 * expansion uses (n, or m + 1 for {m,}); NOT_INTERVAL if it is none, or
 * BAD_INTERVAL (e set) for a count over the limit. */
static size_t interval(const char *re, size_t p, unsigned long *count, kiln_err *e) {
    unsigned long m, n;
    size_t i = p + 1;
    int dm = count_digits(re, &i, &m), dn = 0;
    n = m;
    if (dm > 0 && re[i] == ',') {
        i++;
        dn = count_digits(re, &i, &n);
        if (dn == 0) n = m + 1;
    }
    if (dm < 0 || dn < 0) {
        err_set(e, "repetition count at byte %zu is more than %d", p + 1, PATTERN_MAX_COUNT);
        return BAD_INTERVAL;
    }
    if (dm == 0 || re[i] != '}') return NOT_INTERVAL;
    *count = n > m ? n : m;
    return i + 1;
}

bool pattern_check(const char *re, kiln_err *e) {
    size_t len = strnlen(re, PATTERN_MAX_LEN + 1);
    if (len > PATTERN_MAX_LEN) return err_set(e, "longer than %d bytes", PATTERN_MAX_LEN);
    struct frame st[PATTERN_MAX_DEPTH + 1] = {{0}};
    size_t depth = 0;
    for (size_t i = 0; i < len;) {
        struct frame *f = &st[depth];
        char c = re[i];
        unsigned long count = 0;
        size_t next = c == '{' ? interval(re, i, &count, e) : NOT_INTERVAL;
        if (next == BAD_INTERVAL) return false;
        if (c == '*' || c == '+' || c == '?' || next != NOT_INTERVAL) {
            if (f->after_rep)
                return err_set(e, "repetition of a repetition at byte %zu (such as a** or a{2}{3}): put the "
                                  "inner one in a group if you mean it",
                               i + 1);
            if (!f->have_atom) { /* nothing to repeat: taken as a literal */
                f->cur = sat_add(f->cur, 1);
                f->last = 1;
            }
            /* glibc copies the repeated part: x+ is x x*, x{m,n} is n copies. */
            size_t factor = c == '{' ? (count ? count : 1) : 2;
            size_t rep = sat_add(sat_mul(f->last, factor), 1);
            f->cur = sat_add(f->cur - f->last, rep);
            f->last = rep;
            f->have_atom = true;
            f->after_rep = true;
            i = c == '{' ? next : i + 1;
        } else if (c == '(') {
            if (depth == PATTERN_MAX_DEPTH)
                return err_set(e, "groups nested more than %d deep at byte %zu", PATTERN_MAX_DEPTH, i + 1);
            st[++depth] = (struct frame){0};
            i++;
        } else if (c == ')' && depth > 0) {
            size_t group = sat_add(sat_add(f->done, f->cur), 1);
            f = &st[--depth];
            f->cur = sat_add(f->cur, group);
            f->last = group;
            f->have_atom = true;
            f->after_rep = false;
            i++;
        } else if (c == '|') {
            f->done = sat_add(sat_add(f->done, f->cur), 1);
            f->cur = f->last = 0;
            f->have_atom = f->after_rep = false;
            i++;
        } else {
            if (c == '\\') {
                if (i + 1 >= len) return err_set(e, "ends in a lone backslash");
                if (re[i + 1] >= '1' && re[i + 1] <= '9')
                    return err_set(e, "back-reference \\%c at byte %zu: not supported (its matching time can "
                                      "grow exponentially)",
                                   re[i + 1], i + 1);
                next = i + 2;
            } else if (c == '[') {
                next = bracket_end(re, i);
                if (!next) return err_set(e, "unterminated bracket expression '[' at byte %zu", i + 1);
            } else {
                next = i + 1;
            }
            f->cur = sat_add(f->cur, 1);
            f->last = 1;
            f->have_atom = true;
            f->after_rep = false;
            i = next;
        }
        if (sat_add(st[0].done, st[0].cur) > PATTERN_MAX_COST || sat_add(f->done, f->cur) > PATTERN_MAX_COST)
            return err_set(e, "too complex: its repetitions expand to more than %d elements (at byte %zu)",
                           PATTERN_MAX_COST, i);
    }
    if (depth) return err_set(e, "unmatched '('");
    /* an unmatched ')' is regcomp()'s to judge */
    return true;
}
