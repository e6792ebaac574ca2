/* strmap.h - strings to numbers in an arena, for the configuration's
 * names that must be found without a pass over every earlier one (the
 * template variables, the profile names): a file with N names then costs
 * O(N), not O(N^2). Open addressing, at most half full, rebuilt twice as
 * big when it would be fuller; the keys are not copied (they must live as
 * long as the map: the same arena). */
#ifndef KILN_TOOL_STRMAP_H
#define KILN_TOOL_STRMAP_H

#include <stdbool.h>
#include <stddef.h>

#include "tools/kiln/util/arena.h"

struct strmap_slot {
    const char *key; /* NULL: empty */
    size_t len, val;
};
struct strmap {
    struct strmap_slot *slot;
    size_t cap, n;
};

/* The value of key (len bytes): true and *val, or false. */
bool strmap_get(const struct strmap *m, const char *key, size_t len, size_t *val);
/* Sets key's value (adds the key if it is new). */
void strmap_put(struct arena *a, struct strmap *m, const char *key, size_t len, size_t val);

#endif
