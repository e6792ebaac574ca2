/* tool.h - internals of the kiln host tool. */
#ifndef KILN_TOOL_H
#define KILN_TOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/util.h"

#define MAX_MODULES 62 /* payload entries: kernel, config, stage2 and these */

/* Prints "kiln: error: ..." (removing any half-written output file) and
 * exits 1. */
__attribute__((noreturn, format(printf, 1, 2))) void die(const char *fmt, ...);
__attribute__((format(printf, 1, 2))) void warnx(const char *fmt, ...);
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t m);
char *xstrdup(const char *s);

/* Whole file into memory (at most max bytes); dies with a clear message. */
uint8_t *read_file(const char *path, size_t *size, size_t max);
bool file_exists(const char *path);
/* The arguments of a command that takes exactly one path (check, info):
 * returns it, or NULL after printing "usage: kiln CMD METAVAR" and help for
 * -h/--help; dies on an option, a second path or none. */
const char *one_path_arg(int argc, char **argv, const char *cmd, const char *noun, const char *metavar,
                         const char *help);
/* Kiln's data directory (kernel-example, the gdb script, the loader
 * binaries; in a source tree, the tree), or NULL. */
const char *kiln_datadir(void);
/* The directory of kiln.pc (the kernel library's pkg-config files) that
 * belongs to this kiln, installed or in a build tree, or NULL. */
const char *kiln_pkgconfig_dir(void);

/* Output written to a temporary file next to the target and renamed into
 * place only when complete, so a failure never leaves a partial file. */
struct out_file {
    char *path, *tmp;
    int fd;
};
void out_open(struct out_file *o, const char *path);
void out_write_at(struct out_file *o, const void *buf, size_t n, uint64_t off);
void out_truncate(struct out_file *o, uint64_t size);
void out_commit(struct out_file *o);

/* image.c */
enum image_kind { KIND_HYBRID, KIND_BIOS, KIND_UEFI };
struct image_opts {
    const char *kernel, *out;
    const char *cmdline;     /* NULL: none */
    const char *config_file; /* NULL: none */
    const char *log_level;   /* NULL: default */
    const char *fb;          /* NULL: the kernel's wish */
    const char *serial;      /* NULL: default (on) */
    const char *stage1;      /* test hook: a different stage 1 binary */
    enum image_kind kind;
    const char *module_path[MAX_MODULES];
    const char *module_name[MAX_MODULES];
    int nmodules;
    bool quiet;
};
bool parse_kind(const char *s, enum image_kind *k);
const char *kind_name(enum image_kind k);
void image_build(const struct image_opts *o);
int cmd_image(int argc, char **argv);

/* check.c, info.c */
int cmd_check(int argc, char **argv);
int cmd_info(int argc, char **argv);

/* run.c, test.c: QEMU (the shared parts are in qemu.h) */
int cmd_run(int argc, char **argv);
int cmd_test(int argc, char **argv);

/* Loader binaries (blobs.S). */
extern const uint8_t kiln_stage1[], kiln_stage1_end[];
extern const uint8_t kiln_stage2[], kiln_stage2_end[];
extern const uint8_t kiln_efi[], kiln_efi_end[];

#endif
