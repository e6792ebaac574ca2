/* arena.h - allocations freed together: a configuration and everything it
 * points to, a command's strings. Allocation cannot fail (it dies). */
#ifndef KILN_TOOL_ARENA_H
#define KILN_TOOL_ARENA_H

#include <stddef.h>

struct arena {
    void **p;
    size_t n, cap;
};
void *arena_alloc(struct arena *a, size_t n); /* zeroed */
char *arena_strdup(struct arena *a, const char *s); /* NULL for NULL */
char *arena_strndup(struct arena *a, const char *s, size_t n);
__attribute__((format(printf, 2, 3))) char *arena_printf(struct arena *a, const char *fmt, ...);
void arena_free(struct arena *a);
/* Room for one more element in arr, an array of n elements of size bytes
 * with room for *cap: arr itself, or a bigger copy. */
void *arena_grow(struct arena *a, void *arr, size_t n, size_t *cap, size_t size);

#endif
