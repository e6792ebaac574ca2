/* insncount.c - a QEMU TCG plugin for `make bench`: counts the guest
 * instructions executed, per translation-block start address, and writes
 * them out when QEMU exits:
 *     qemu-system-x86_64 -plugin build/bench/insncount.so,out=FILE ...
 * FILE gets one line per block start, "PC INSNS" (hex, decimal), where PC
 * is QEMU's block address (linear: CS base + IP in real mode) and INSNS is
 * every instruction executed in blocks starting there. tests/bench/phases.awk
 * maps them to the loader's functions with its symbols.
 *
 * Built on the host against the plugin header of Debian's QEMU source
 * (tests/bench/plugin-header.sh); nothing of QEMU's is in the tree.
 * Counting uses inline adds (no callback per block), so the guest runs at
 * about half its usual TCG speed. A block cut short by an exception counts
 * whole: the error is a few instructions per fault or interrupt. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <qemu-plugin.h>

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

/* One counter per (block start, block length): a block retranslated with
 * the same shape adds to the same counter. Open addressing, grown at 50%. */
struct block {
    uint64_t pc;
    uint64_t execs; /* incremented inline by the translated code */
    uint32_t insns;
    uint32_t used;
};

static struct block **table;
static size_t cap, used;
static char out_path[4096];

static size_t slot(uint64_t pc, uint32_t n, size_t c) {
    uint64_t h = (pc ^ ((uint64_t)n << 48)) * UINT64_C(0x9e3779b97f4a7c15);
    return (size_t)(h >> 20) & (c - 1);
}

static int grow(void) {
    size_t ncap = cap ? cap * 2 : 65536;
    struct block **nt = calloc(ncap, sizeof *nt);
    if (!nt) return -1;
    for (size_t i = 0; i < cap; i++) {
        if (!table[i]) continue;
        size_t j = slot(table[i]->pc, table[i]->insns, ncap);
        while (nt[j]) j = (j + 1) & (ncap - 1);
        nt[j] = table[i];
    }
    free(table);
    table = nt;
    cap = ncap;
    return 0;
}

/* The counter for a block; blocks are never freed (the inline add keeps a
 * pointer to them for as long as the translation lives). */
static struct block *lookup(uint64_t pc, uint32_t n) {
    if ((used + 1) * 2 > cap && grow() != 0) return NULL;
    size_t j = slot(pc, n, cap);
    while (table[j]) {
        if (table[j]->pc == pc && table[j]->insns == n) return table[j];
        j = (j + 1) & (cap - 1);
    }
    struct block *b = calloc(1, sizeof *b);
    if (!b) return NULL;
    b->pc = pc;
    b->insns = n;
    table[j] = b;
    used++;
    return b;
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb) {
    (void)id;
    struct block *b = lookup(qemu_plugin_tb_vaddr(tb), (uint32_t)qemu_plugin_tb_n_insns(tb));
    if (!b) {
        qemu_plugin_outs("insncount: out of memory\n");
        abort();
    }
    qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64, &b->execs, 1);
}

static int by_pc(const void *a, const void *b) {
    const struct block *x = *(struct block *const *)a, *y = *(struct block *const *)b;
    return x->pc < y->pc ? -1 : x->pc > y->pc;
}

static void on_exit(qemu_plugin_id_t id, void *data) {
    (void)id, (void)data;
    size_t n = 0;
    for (size_t i = 0; i < cap; i++)
        if (table[i] && table[i]->execs) table[n++] = table[i];
    qsort(table, n, sizeof *table, by_pc);
    FILE *f = fopen(out_path, "w");
    if (!f) {
        qemu_plugin_outs("insncount: cannot write the output file\n");
        return;
    }
    /* Blocks of different lengths at one address become one line. */
    for (size_t i = 0; i < n;) {
        uint64_t pc = table[i]->pc, insns = 0;
        for (; i < n && table[i]->pc == pc; i++) insns += table[i]->execs * table[i]->insns;
        fprintf(f, "%" PRIx64 " %" PRIu64 "\n", pc, insns);
    }
    if (fclose(f) != 0) qemu_plugin_outs("insncount: writing the output file failed\n");
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc, char **argv) {
    (void)info;
    for (int i = 0; i < argc; i++) {
        if (strncmp(argv[i], "out=", 4) == 0 && strlen(argv[i] + 4) < sizeof out_path) {
            strcpy(out_path, argv[i] + 4);
        } else {
            fprintf(stderr, "insncount: unknown or too long argument '%s' (out=FILE)\n", argv[i]);
            return -1;
        }
    }
    if (!out_path[0]) {
        fprintf(stderr, "insncount: no out=FILE argument\n");
        return -1;
    }
    if (grow() != 0) return -1;
    qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
    qemu_plugin_register_atexit_cb(id, on_exit, NULL);
    return 0;
}
