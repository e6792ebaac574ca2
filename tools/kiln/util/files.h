/* files.h - files for the whole tool: reading one into memory, writing one
 * atomically, directories, file names, and where this kiln's own files
 * (data directory, pkg-config files) are. */
#ifndef KILN_TOOL_FILES_H
#define KILN_TOOL_FILES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/util.h"
#include "tools/kiln/util/arena.h"

/* Whole file into memory (at most max bytes); dies with a clear message.
 * A regular file is sized before anything is read; a pipe (`--config
 * <(...)`) is read in chunks up to max; anything else (a device such as
 * /dev/zero, a socket) is refused before reading. */
uint8_t *read_file(const char *path, size_t *size, size_t max);
/* The same for a file that must be regular (a kernel, a module: up to
 * GiBs, so never read from something that cannot be sized first). */
uint8_t *read_regular_file(const char *path, size_t *size, size_t max);
bool file_exists(const char *path);
/* Is path an ELF file (its magic)? Dies when it cannot read it. */
bool file_is_elf(const char *path);
/* The file name without its directory and extension ("build/k.elf" -> "k"). */
const char *path_stem(struct arena *a, const char *path);

/* Output written to a temporary file next to the target and renamed into
 * place only when complete, so a failure never leaves a partial file: the
 * temporary file is removed at exit (after die()) and on SIGINT, SIGTERM
 * and SIGHUP. */
struct out_file {
    char *path, *tmp;
    int fd;
};
void out_open(struct out_file *o, const char *path);
void out_write_at(struct out_file *o, const void *buf, size_t n, uint64_t off);
void out_truncate(struct out_file *o, uint64_t size);
/* After another program wrote o->tmp by name (it may have replaced the
 * file): open it again, so further writes reach what will be renamed. */
void out_reopen(struct out_file *o);
void out_commit(struct out_file *o);

/* A directory and its parents. mkdir_try says why it could not. */
bool mkdir_try(const char *path, kiln_err *e);
void mkdir_p(const char *path); /* dies on failure */
const char *tmp_dir(void);      /* $TMPDIR or /tmp */

/* Kiln's data directory (kernel-example, the gdb script, the loader
 * binaries; in a source tree, the tree), or NULL. */
const char *kiln_datadir(void);
/* The directory of kiln.pc (the kernel library's pkg-config files) that
 * belongs to this kiln, installed or in a build tree, or NULL. */
const char *kiln_pkgconfig_dir(void);

#endif
