/* vaspace.c - reserved ranges of the kernel's address space (vaspace.h). */
#include "core/vaspace.h"

#include "core/kstring.h"


static void insert(struct va_space *vs, uint64_t start, uint64_t last, const char *what) {
    unsigned i = 0;
    while (i < vs->n && vs->r[i].start < start) i++;
    memmove(&vs->r[i + 1], &vs->r[i], (vs->n - i) * sizeof vs->r[0]);
    vs->r[i] = (struct va_range){start, last, what};
    vs->n++;
}

void va_init(struct va_space *vs, uint64_t dyn_start, uint64_t dyn_end, bool aslr, uint64_t seed) {
    va_init_levels(vs, dyn_start, dyn_end, aslr, seed, 4);
}

void va_init_levels(struct va_space *vs, uint64_t dyn_start, uint64_t dyn_end, bool aslr, uint64_t seed,
                    unsigned levels) {
    uint64_t hole_first = UINT64_C(1) << (va_bits(levels) - 1);
    vs->n = 0;
    vs->dyn_start = dyn_start;
    vs->dyn_end = dyn_end;
    vs->aslr = aslr;
    vs->rng = seed ? seed : UINT64_C(0x9e3779b97f4a7c15);
    insert(vs, 0, PAGE_SIZE - 1, "the null page");
    insert(vs, hole_first, ~hole_first,
           levels == 5 ? "the non-canonical hole of 5-level paging" : "the non-canonical hole");
}

static const struct va_range *collision(const struct va_space *vs, uint64_t start, uint64_t last) {
    for (unsigned i = 0; i < vs->n; i++)
        if (start <= vs->r[i].last && vs->r[i].start <= last) return &vs->r[i];
    return 0;
}

bool va_reserve(struct va_space *vs, uint64_t start, uint64_t size, const char *what, kiln_err *e) {
    uint64_t last;
    if (size == 0) return true;
    if (!add_ok(start, size - 1, &last))
        return err_set(e, "layout: %s at 0x%llx (+0x%llx) wraps past the top of the address space", what,
                       (unsigned long long)start, (unsigned long long)size);
    const struct va_range *c = collision(vs, start, last);
    if (c)
        return err_set(e, "layout: %s (0x%llx-0x%llx) overlaps %s (0x%llx-0x%llx)", what,
                       (unsigned long long)start, (unsigned long long)last, c->what,
                       (unsigned long long)c->start, (unsigned long long)c->last);
    if (vs->n == VA_MAX_RANGES) return err_set(e, "layout: too many ranges (placing %s)", what);
    insert(vs, start, last, what);
    return true;
}

static uint64_t next_rand(struct va_space *vs) {
    uint64_t x = vs->rng;
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    return vs->rng = x;
}

/* Lowest address >= from with addr % align == offset, or false on overflow. */
static bool first_slot(uint64_t from, uint64_t align, uint64_t offset, uint64_t *out) {
    uint64_t base;
    if (from < offset) from = offset;
    if (!align_up_checked(from - offset, align, &base) || !add_ok(base, offset, out)) return false;
    return true;
}

static bool fit_from(const struct va_space *vs, uint64_t from, uint64_t size, uint64_t align, uint64_t offset,
                     uint64_t *out) {
    uint64_t addr, last;
    if (!first_slot(from, align, offset, &addr)) return false;
    for (;;) {
        if (!add_ok(addr, size - 1, &last) || last > vs->dyn_end - 1) return false;
        const struct va_range *c = collision(vs, addr, last);
        if (!c) {
            *out = addr;
            return true;
        }
        if (c->last == UINT64_MAX || !first_slot(c->last + 1, align, offset, &addr)) return false;
    }
}

bool va_alloc(struct va_space *vs, uint64_t size, uint64_t align, uint64_t offset, const char *what,
              uint64_t *out, kiln_err *e) {
    if (size == 0) size = PAGE_SIZE;
    if (!is_pow2(align) || align < PAGE_SIZE || offset >= align || (offset & (PAGE_SIZE - 1)))
        return err_set(e, "layout: bad alignment for %s", what);
    uint64_t addr = 0;
    bool ok = false;
    if (vs->aslr && vs->dyn_end - vs->dyn_start > size) {
        uint64_t span = vs->dyn_end - vs->dyn_start - size;
        ok = fit_from(vs, vs->dyn_start + next_rand(vs) % span, size, align, offset, &addr);
    }
    if (!ok) ok = fit_from(vs, vs->dyn_start, size, align, offset, &addr);
    if (!ok)
        return err_set(e, "layout: no room for %s (0x%llx bytes) in the dynamic range 0x%llx-0x%llx", what,
                       (unsigned long long)size, (unsigned long long)vs->dyn_start,
                       (unsigned long long)vs->dyn_end);
    if (!va_reserve(vs, addr, size, what, e)) return false;
    *out = addr;
    return true;
}
