/* boot.h - one boot of `kiln run` or `kiln test`, from a resolved
 * configuration to a verdict (boot.c): the image (imgcache.c builds a
 * kernel's image into the cache), QEMU, OVMF and the accelerator; the
 * command line; starting QEMU, and starting it again with TCG when KVM
 * fails under --accel auto; the output files a run writes. */
#ifndef KILN_BOOT_H
#define KILN_BOOT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "tools/kiln/qemu.h"
#include "tools/kiln/runconfig.h"
#include "tools/kiln/session.h"
#include "tools/kiln/tool.h"
#include "tools/kiln/watch.h"

/* The command line of `kiln run` or `kiln test` (cmd), into cli: dies with
 * "CMD: what is wrong (see kiln CMD --help)"; for --help prints usage and
 * returns false. Then warns about KILN_* variables in the environment that
 * kiln does not know (a typo would otherwise be silently ignored). extra,
 * ctx: the command's own options, as for rc_parse_cli. */
bool boot_command_line(struct arena *a, const char *cmd, int argc, char **argv, rc_extra_fn *extra, void *ctx,
                       void (*usage)(void), struct rc_cli *cli);

struct boot {
    const char *name;
    struct run_config cfg; /* resolved */
    bool is_elf;           /* the target is a kernel (kiln builds the image) */
    const char *image;     /* what QEMU boots */
    bool image_cached;     /* the image was in the cache already */
    const char *qemu;      /* the binary */
    const char *ovmf_code, *ovmf_vars; /* firmware uefi */
    const char *vars_copy; /* this run's copy of ovmf_vars (a temporary file) */
    const char *note;      /* --dry-run: what would stop a real run */
    struct accel_decision accel;
    bool kvm;              /* this start uses KVM */
    int timeout_s;         /* 0 with gdb */
    char **argv;
    int argc;
    bool started;
    bool live, forward_stdin; /* as given to boot_start, for a restart */
    struct session_log logs[SESSION_LOGS];
    struct serial_watch watch;
    struct session sess;
    double first_start; /* a boot restarted with TCG counts from its first start */
    double seconds;
    struct verdict verdict;
};

/* Finds the image (building a kernel's image into the cache unless
 * dry_run), QEMU and OVMF; chooses the accelerator; checks what the
 * configuration needs of them (KVM for accel kvm, a display for gui). Dies
 * on errors; a dry run notes them instead. */
void boot_prepare(struct boot *b, bool dry_run);
/* Copies the OVMF variables, builds the command line and starts QEMU.
 * logs: the serial output's copies (fd -1: none). */
bool boot_start(struct boot *b, bool live, bool forward_stdin, const int logs[SESSION_LOGS], struct rc_err *e);
/* After the session ended: when it tried KVM under --accel auto and KVM
 * failed, records that in the cache, says so (once per process) and
 * starts the same boot again with TCG. Returns 1 when it did, 0 when there
 * was nothing to do, -1 on an error (in e). */
int boot_retry(struct boot *b, struct rc_err *e);
/* After the session is done: the verdict; removes the temporary files. */
void boot_finish(struct boot *b);
void boot_print_tail(struct boot *b, FILE *f, const char *indent);
void boot_print_dry_run(FILE *f, struct boot *b);
void boot_free(struct boot *b);
/* "gdb -x tools/gdb/kiln.gdb -ex 'symbol-file KERNEL' -ex 'target remote :1234'" */
const char *gdb_command(struct boot *b);

/* --- the files a run writes ---------------------------------------------------------- */

/* What is wrong with path as a copy of the serial output (a regular file,
 * created or truncated; a FIFO or a terminal, written in place), or NULL. */
const char *log_target_problem(struct arena *a, const char *path);
/* Opens it (what names it in messages: "--log x.log"); dies on errors.
 * For a FIFO without a reader it says so and waits for one. */
int log_open(const char *path, const char *what);
/* Empties a log for a restarted boot (a regular file; others are left). */
void log_rewind(int fd);
/* A report (--junit) is written to a new file renamed over path: path must
 * be a regular file or not exist, and its directory writable. Dies
 * otherwise, before anything runs. */
void report_target_check(const char *path, const char *what);

/* --- the image cache (imgcache.c) ------------------------------------------------------ */

const char *cache_dir(struct arena *a); /* $KILN_CACHE, $XDG_CACHE_HOME/kiln or ~/.cache/kiln */
const char *tmp_dir(void);              /* $TMPDIR or /tmp */
void mkdir_p(const char *path);         /* dies on failure */
bool mkdir_try(const char *path, char *why, size_t whysz);
bool file_is_elf(const char *path);     /* dies when it cannot read it */

/* Fills the image options from the configuration and returns where the
 * image for exactly these inputs lives in the cache; *cfg_text is the
 * image config text with its templates expanded (NULL without one). */
const char *imgcache_path(struct run_config *c, struct image_opts *o, char **cfg_text);
/* Builds that image, atomically, and prunes images unused for a month. */
void imgcache_build(struct run_config *c, const char *image, struct image_opts *o, const char *cfg_text);

/* SHA-256, the image cache's key. */
struct sha256 {
    uint32_t h[8];
    uint8_t buf[64];
    size_t nbuf;
    uint64_t len;
};
void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t n);
void sha256_hex(struct sha256 *s, char out[65]);

#endif
