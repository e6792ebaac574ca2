/* qemu.h - QEMU for `kiln run` and `kiln test`: finding QEMU, OVMF and a
 * usable KVM, asking QEMU about itself (version, displays), choosing the
 * accelerator (accel_decide), and building the command line from a
 * resolved run_config. Everything here is a pure function or a short
 * question to the system; the QEMU processes of a boot are in session.h,
 * the serial watch and verdicts in watch.h, a whole boot in oneboot.h.
 *
 * The implementation: qemu.c (finding, asking, deciding) and qemuargs.c
 * (the command line). */
#ifndef KILN_TOOL_QEMU_H
#define KILN_TOOL_QEMU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "tools/kiln/config/config.h"

/* --- finding things --------------------------------------------------------- */

/* The QEMU binary: the configured name (K_QEMU: KILN_QEMU, kiln.toml, --qemu)
 * as a path, or searched in PATH. */
bool qemu_find_binary(struct run_config *c, const char *const *envp, const char **path, kiln_err *e);

/* OVMF code and variables: KILN_OVMF_CODE / KILN_OVMF_VARS, else the first
 * pair found under root ("" in real use) in the usual distribution paths. */
bool qemu_find_ovmf(struct arena *a, const char *const *envp, const char *root, const char **code, const char **vars,
                    kiln_err *e);

/* U-Boot's x86_64 QEMU build (its UEFI runs EFI/BOOT/BOOTX64.EFI): the
 * file KILN_UBOOT_ROM names, else Debian's u-boot-qemu under root. */
bool qemu_find_uboot(struct arena *a, const char *const *envp, const char *root, const char **rom, kiln_err *e);
/* --secure-boot: Debian's OVMF build with Secure Boot enforced and its test
 * keys (the "snakeoil" pair in /usr/share/ovmf) enrolled. */
#define OVMF_SB_CODE "/usr/share/OVMF/OVMF_CODE_4M.snakeoil.fd"
#define OVMF_SB_VARS "/usr/share/OVMF/OVMF_VARS_4M.snakeoil.fd"

/* Can QEMU use KVM here? Opens dev ("/dev/kvm") read-write and asks for
 * the API version (12). */
bool qemu_kvm_usable(const char *dev, kiln_err *e);

/* Runs `QEMU ARGS...` (stdin and stderr /dev/null, at most 10 s) and
 * returns what it printed on stdout (at most 64 KiB), or NULL with e set. */
char *qemu_ask(struct arena *a, const char *qemu, const char *const *args, kiln_err *e);
/* The first line of `QEMU -version`, or NULL. */
const char *qemu_version(struct arena *a, const char *qemu);
/* Does `QEMU -display help` list a display QEMU opens a window with when
 * no -display is given (gtk, sdl, cocoa)? Without one QEMU silently
 * serves the screen over VNC instead. */
bool qemu_display_has_window(const char *display_help);

/* --- the accelerator ----------------------------------------------------------- */

#define KVM_RECORD_MAX_AGE_DAYS 30

enum accel_use { USE_TCG, USE_KVM, USE_REFUSE };

/* What the choice depends on, gathered by the caller. */
struct accel_facts {
    enum rc_accel asked;
    const char *asked_src;    /* where the setting came from, for messages */
    bool kvm_usable;          /* qemu_kvm_usable("/dev/kvm") */
    const char *kvm_why;      /* why not */
    const char *record;       /* the text of the kvm-broken file in the cache, NULL: none */
    const char *record_path;
    double record_age_days;
    const char *qemu_version; /* qemu_version(); NULL: unknown */
};

struct accel_decision {
    enum accel_use use;
    bool fallback;   /* KVM on trial (auto): a KVM failure reruns the boot with TCG */
    const char *why; /* the reason for the choice, or the error (USE_REFUSE) */
};

/* tcg: TCG. kvm: KVM when usable, else refused (no fallback: it was asked
 * for). auto: TCG when KVM is not usable or a kvm-broken record younger
 * than KVM_RECORD_MAX_AGE_DAYS names this QEMU version; otherwise KVM on
 * trial. */
void accel_decide(struct arena *a, const struct accel_facts *f, struct accel_decision *d);

/* The record of a KVM that failed, $cache/kvm-broken. */
struct kvm_record {
    const char *qemu_version, *reason;
};
const char *kvm_record_format(struct arena *a, const char *qemu_version, const char *reason);
bool kvm_record_parse(struct arena *a, const char *text, struct kvm_record *r);

/* Does QEMU's stderr (text, n bytes) say this KVM cannot run the guest?
 * Then what it said, in a line, into reason (size bytes): "KVM internal
 * error. Suberror: 1; emulation failure", "failed to initialize kvm:
 * Operation not permitted". (A finding, not an error of this function.) */
bool kvm_failure(const char *text, size_t n, char *reason, size_t size);

/* --- the command line ------------------------------------------------------------- */

struct qemu_inputs {
    const char *qemu;          /* the binary */
    const char *image;         /* the disk image (never written: snapshot=on) */
    const char *ovmf_code;     /* firmware uefi: read-only flash */
    const char *ovmf_vars;     /* firmware uefi: this run's own copy of the variables */
    const char *serial_socket; /* --monitor: serial on this Unix socket (QEMU connects); else stdio */
    bool kvm;                  /* -accel kvm -cpu host; else -accel tcg */
    const char *reset_log;     /* -d cpu_reset -D this file (kiln stops a guest that resets), or NULL */
    const char *fw_log;        /* the firmware's debug port 0x402 to this file, or NULL */
    const char *uboot_rom;     /* firmware uboot: the -bios image */
    const char *qmp_socket;    /* QEMU's QMP monitor connects to this socket (screenshots), or NULL */
    bool cdrom;                /* the image as a CD (read-only): IDE on pc, the ICH9 AHCI port on q35 */
};

/* QEMU's argv, NULL-terminated, in c's arena. */
bool qemu_argv(struct run_config *c, const struct qemu_inputs *in, char ***argv, int *argc, kiln_err *e);

/* A file name as the value of a QEMU option (file=, path=): commas doubled;
 * for a -drive file=, a relative name with a ':' before any '/' gets "./"
 * so QEMU does not read "x:" as a protocol. */
const char *qemu_opt_value(struct arena *a, const char *path);
const char *qemu_drive_file(struct arena *a, const char *path);

/* The command over several lines, an option and its value on each, ready to
 * paste into a shell. */
void qemu_print_command(FILE *f, struct arena *a, char *const *argv);

#endif
