/* arena.c - allocations freed together (see arena.h). */
#include "tools/kiln/util/arena.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/kiln/util/die.h"

void *arena_alloc(struct arena *a, size_t n) {
    if (a->n == a->cap) {
        a->cap = a->cap ? a->cap * 2 : 32;
        void **p = xmalloc(a->cap * sizeof *p);
        if (a->n) memcpy(p, a->p, a->n * sizeof *p);
        free(a->p);
        a->p = p;
    }
    void *m = xcalloc(1, n);
    a->p[a->n++] = m;
    return m;
}

char *arena_strndup(struct arena *a, const char *s, size_t n) {
    char *d = arena_alloc(a, n + 1);
    memcpy(d, s, n);
    d[n] = 0;
    return d;
}

char *arena_strdup(struct arena *a, const char *s) { return s ? arena_strndup(a, s, strlen(s)) : NULL; }

char *arena_printf(struct arena *a, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *s = arena_alloc(a, (size_t)(n < 0 ? 0 : n) + 1);
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

void *arena_grow(struct arena *a, void *arr, size_t n, size_t *cap, size_t size) {
    if (n < *cap) return arr;
    *cap = *cap ? *cap * 2 : 8;
    void *p = arena_alloc(a, *cap * size);
    if (n) memcpy(p, arr, n * size);
    return p;
}

void arena_free(struct arena *a) {
    for (size_t i = 0; i < a->n; i++) free(a->p[i]);
    free(a->p);
    memset(a, 0, sizeof *a);
}
