/* strmap.c - see strmap.h. */
#include "tools/kiln/util/strmap.h"

#include <stdint.h>
#include <string.h>

static size_t hash(const char *s, size_t len) { /* FNV-1a */
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < len; i++) h = (h ^ (unsigned char)s[i]) * 0x100000001b3ull;
    return (size_t)(h ^ (h >> 29));
}

static struct strmap_slot *find(const struct strmap *m, const char *key, size_t len) {
    size_t mask = m->cap - 1;
    for (size_t i = hash(key, len) & mask;; i = (i + 1) & mask) {
        struct strmap_slot *s = &m->slot[i];
        if (!s->key || (s->len == len && !memcmp(s->key, key, len))) return s;
    }
}

bool strmap_get(const struct strmap *m, const char *key, size_t len, size_t *val) {
    if (!m->cap) return false;
    const struct strmap_slot *s = find(m, key, len);
    if (!s->key) return false;
    *val = s->val;
    return true;
}

void strmap_put(struct arena *a, struct strmap *m, const char *key, size_t len, size_t val) {
    if ((m->n + 1) * 2 > m->cap) {
        struct strmap old = *m;
        m->cap = old.cap ? old.cap * 2 : 16;
        m->slot = arena_alloc(a, m->cap * sizeof *m->slot); /* zeroed: empty */
        for (size_t i = 0; i < old.cap; i++)
            if (old.slot[i].key) *find(m, old.slot[i].key, old.slot[i].len) = old.slot[i];
    }
    struct strmap_slot *s = find(m, key, len);
    if (!s->key) m->n++;
    *s = (struct strmap_slot){key, len, val};
}
