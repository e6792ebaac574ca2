/* oneboot.h - one boot of `kiln run` or `kiln test`, from a resolved
 * configuration to a verdict (oneboot.c): the image (imgcache.c builds a
 * kernel's image into the cache), QEMU, OVMF and the accelerator; the
 * command line; starting QEMU, and starting it again with TCG when KVM
 * fails under --accel auto. */
#ifndef KILN_TOOL_ONEBOOT_H
#define KILN_TOOL_ONEBOOT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "tools/kiln/config/config.h"
#include "tools/kiln/run/qemu.h"
#include "tools/kiln/run/screenshot.h"
#include "tools/kiln/run/session.h"
#include "tools/kiln/run/watch.h"

/* The command line of `kiln run` or `kiln test` (cmd), into cli: dies with
 * "CMD: what is wrong (see kiln CMD --help)"; for --help prints usage and
 * returns false. Then warns about KILN_* variables in the environment that
 * kiln does not know (a typo would otherwise be silently ignored). extra,
 * ctx: the command's own options, as for rc_parse_cli. */
bool boot_command_line(struct arena *a, enum rc_cmd cmd, int argc, char **argv, rc_extra_fn *extra, void *ctx,
                       void (*usage)(void), struct rc_cli *cli);

struct boot {
    const char *name;
    struct run_config cfg; /* resolved */
    bool is_elf;           /* the target is a kernel (kiln builds the image) */
    const char *image;     /* what QEMU boots */
    bool cdrom;            /* as a CD: an ISO (kind iso, or an ISO 9660 file) unless a disk was chosen */
    bool image_cached;     /* the image was in the cache already */
    const char *qemu;      /* the binary */
    const char *ovmf_code, *ovmf_vars; /* firmware uefi */
    const char *uboot_rom;  /* firmware uboot */
    const char *vars_copy; /* this run's copy of ovmf_vars (a temporary file) */
    const char *reset_log; /* this run's -d cpu_reset log (a temporary file), or NULL */
    const char *fw_log;    /* this run's firmware debug port output (a temporary file), or NULL */
    const char *shot_png;  /* kiln test: where a failed boot's screenshot goes (else --screenshot's) */
    struct screenshot shot; /* with a PNG path: QEMU's QMP socket and the picture */
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
bool boot_start(struct boot *b, bool live, bool forward_stdin, const int logs[SESSION_LOGS], kiln_err *e);
/* After the session ended: when it tried KVM under --accel auto and KVM
 * failed, records that in the cache, says so (once per process) and
 * starts the same boot again with TCG. Returns 1 when it did, 0 when there
 * was nothing to do, -1 on an error (in e). */
int boot_retry(struct boot *b, kiln_err *e);
/* After the session is done: the verdict; removes the temporary files. */
void boot_finish(struct boot *b);
void boot_print_tail(struct boot *b, FILE *f, const char *indent);
void boot_print_dry_run(FILE *f, struct boot *b);
void boot_free(struct boot *b);
/* "gdb -x tools/gdb/kiln.gdb -ex 'symbol-file KERNEL' -ex 'target remote :1234'" */
const char *gdb_command(struct boot *b);

#endif
