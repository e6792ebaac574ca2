/* phases.c - `make bench`'s split of a guest-instruction count by phase and
 * function (host program):
 *     phases COUNTS SYMBOLS
 * COUNTS is insncount.so's output ("PC INSNS" per block start, hex and
 * decimal). SYMBOLS has one line per function, "REGION BASE START SIZE NAME"
 * (hex; nm -S output with a region name and a load base in front). BASE
 * "auto" means the region was loaded where the firmware chose (BOOTX64.EFI
 * under OVMF): its base is found as the page-aligned shift that puts the
 * most block starts on the region's function starts.
 * Prints "total N", then "region NAME N" for each region and "firmware N"
 * for everything outside them, then "func REGION NAME N" for each function
 * executed, most instructions first. With BLOCKS, also writes there each
 * block as "PC INSNS REGION" (hex, decimal, a region's name or firmware). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_REGIONS 8

struct sym {
    uint64_t start, size, insns;
    int region;
    char name[256];
};
struct count {
    uint64_t pc, insns;
};

static char regions[MAX_REGIONS][32];
static int auto_base[MAX_REGIONS], nregions;
static uint64_t region_insns[MAX_REGIONS];
static struct sym *syms;
static size_t nsyms;
static struct count *counts;
static size_t ncounts;

static void *grow(void *p, size_t n, size_t size) {
    if (n & (n - 1)) return p; /* grow at powers of two */
    void *q = realloc(p, (n ? 2 * n : 1) * size);
    if (!q) {
        fprintf(stderr, "phases: out of memory\n");
        exit(1);
    }
    return q;
}

static int region_id(const char *name, int is_auto) {
    for (int i = 0; i < nregions; i++)
        if (!strcmp(regions[i], name)) return i;
    if (nregions == MAX_REGIONS || strlen(name) >= sizeof regions[0]) {
        fprintf(stderr, "phases: too many regions or region name too long: %s\n", name);
        exit(1);
    }
    strcpy(regions[nregions], name);
    auto_base[nregions] = is_auto;
    return nregions++;
}

static void read_counts(const char *path) {
    FILE *f = fopen(path, "r");
    if (!f) {
        perror(path);
        exit(1);
    }
    struct count c;
    while (fscanf(f, "%" SCNx64 " %" SCNu64, &c.pc, &c.insns) == 2) {
        counts = grow(counts, ncounts, sizeof *counts);
        counts[ncounts++] = c;
    }
    fclose(f);
}

static void read_syms(const char *path) {
    FILE *f = fopen(path, "r");
    if (!f) {
        perror(path);
        exit(1);
    }
    char region[64], base[32], name[256];
    uint64_t start, size;
    while (fscanf(f, "%63s %31s %" SCNx64 " %" SCNx64 " %255s", region, base, &start, &size, name) == 5) {
        struct sym s = {0};
        s.region = region_id(region, !strcmp(base, "auto"));
        s.start = start + (strcmp(base, "auto") ? strtoull(base, NULL, 16) : 0);
        s.size = size;
        snprintf(s.name, sizeof s.name, "%s", name);
        syms = grow(syms, nsyms, sizeof *syms);
        syms[nsyms++] = s;
    }
    fclose(f);
}

static int cmp_count(const void *a, const void *b) {
    uint64_t x = ((const struct count *)a)->pc, y = ((const struct count *)b)->pc;
    return x < y ? -1 : x > y;
}

static int has_pc(uint64_t pc) {
    size_t lo = 0, hi = ncounts;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (counts[mid].pc < pc) lo = mid + 1;
        else hi = mid;
    }
    return lo < ncounts && counts[lo].pc == pc;
}

/* The load base of an "auto" region: every block start whose page offset
 * matches a function's proposes a base; the base under which the most
 * function starts are block starts wins. */
static void find_base(int r) {
    uint64_t best = 0;
    size_t best_hits = 0;
    for (size_t k = 0; k < nsyms; k++) {
        if (syms[k].region != r) continue;
        for (size_t i = 0; i < ncounts; i++) {
            if ((counts[i].pc & 0xfff) != (syms[k].start & 0xfff) || counts[i].pc < syms[k].start) continue;
            uint64_t base = counts[i].pc - syms[k].start;
            if (base == best) continue;
            size_t hits = 0;
            for (size_t j = 0; j < nsyms; j++) hits += syms[j].region == r && has_pc(base + syms[j].start);
            if (hits > best_hits) best = base, best_hits = hits;
        }
        break; /* one function's candidates are enough: the entry runs */
    }
    if (best_hits < 3) {
        fprintf(stderr, "phases: region %s: cannot find where it was loaded\n", regions[r]);
        return;
    }
    for (size_t j = 0; j < nsyms; j++)
        if (syms[j].region == r) syms[j].start += best;
    printf("base %s 0x%" PRIx64 "\n", regions[r], best);
}

static int cmp_insns(const void *a, const void *b) {
    uint64_t x = ((const struct sym *)a)->insns, y = ((const struct sym *)b)->insns;
    return x > y ? -1 : x < y;
}

int main(int argc, char **argv) {
    if (argc != 3 && argc != 4) {
        fprintf(stderr, "usage: phases COUNTS SYMBOLS [BLOCKS]\n");
        return 2;
    }
    FILE *blocks = argc == 4 ? fopen(argv[3], "w") : NULL;
    if (argc == 4 && !blocks) {
        fprintf(stderr, "phases: cannot write %s\n", argv[3]);
        return 1;
    }
    read_counts(argv[1]);
    read_syms(argv[2]);
    qsort(counts, ncounts, sizeof *counts, cmp_count);
    uint64_t total = 0, firmware = 0;
    for (size_t i = 0; i < ncounts; i++) total += counts[i].insns;
    printf("total %" PRIu64 "\n", total);
    for (int r = 0; r < nregions; r++)
        if (auto_base[r]) find_base(r);
    /* A block belongs to the function its start lies in. */
    for (size_t i = 0; i < ncounts; i++) {
        struct sym *hit = NULL;
        for (size_t j = 0; j < nsyms && !hit; j++)
            if (counts[i].pc >= syms[j].start && counts[i].pc - syms[j].start < syms[j].size) hit = &syms[j];
        if (blocks)
            fprintf(blocks, "%" PRIx64 " %" PRIu64 " %s\n", counts[i].pc, counts[i].insns, hit ? regions[hit->region] : "firmware");
        if (!hit) {
            firmware += counts[i].insns;
            continue;
        }
        hit->insns += counts[i].insns;
        region_insns[hit->region] += counts[i].insns;
    }
    if (blocks && fclose(blocks) != 0) {
        fprintf(stderr, "phases: writing %s failed\n", argv[3]);
        return 1;
    }
    for (int r = 0; r < nregions; r++) printf("region %s %" PRIu64 "\n", regions[r], region_insns[r]);
    printf("firmware %" PRIu64 "\n", firmware);
    qsort(syms, nsyms, sizeof *syms, cmp_insns);
    for (size_t j = 0; j < nsyms && syms[j].insns; j++)
        printf("func %s %s %" PRIu64 "\n", regions[syms[j].region], syms[j].name, syms[j].insns);
    return 0;
}
