/* qemu.h - QEMU for `kiln run` and `kiln test`: finding QEMU, OVMF and a
 * usable KVM; building the command line from a resolved run_config;
 * watching the serial output (--expect, --reply, --pass-on, [PASS]/[FAIL]
 * markers); running QEMU processes, several at once, and turning how one
 * ended into a verdict. The pure parts (command line, watch, verdict) are
 * separate from the process handling so the unit tests reach them. */
#ifndef KILN_QEMU_H
#define KILN_QEMU_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "tools/kiln/runconfig.h"

#define QEMU_SUCCESS_EXIT 33 /* isa-debug-exit: (0x10 << 1) | 1 */
#define TAIL_LINES 20

/* --- finding things --------------------------------------------------------- */

/* The QEMU binary: the configured name (K_QEMU: KILN_QEMU, kiln.toml, --qemu)
 * as a path, or searched in PATH. */
bool qemu_find_binary(struct run_config *c, const char *const *envp, const char **path, struct rc_err *e);

/* OVMF code and variables: KILN_OVMF_CODE / KILN_OVMF_VARS, else the first
 * pair found under root ("" in real use) in the usual distribution paths. */
bool qemu_find_ovmf(struct arena *a, const char *const *envp, const char *root, const char **code, const char **vars,
                    struct rc_err *e);

/* Can QEMU use KVM here? Opens dev ("/dev/kvm") read-write and asks for
 * the API version (12). */
bool qemu_kvm_usable(const char *dev, char *why, size_t whysz);

/* --- the command line ------------------------------------------------------------- */

struct qemu_inputs {
    const char *qemu;          /* the binary */
    const char *image;         /* the disk image (never written: snapshot=on) */
    const char *ovmf_code;     /* firmware uefi: read-only flash */
    const char *ovmf_vars;     /* firmware uefi: this run's own copy of the variables */
    const char *serial_socket; /* --monitor: serial on this Unix socket (QEMU connects); else stdio */
};

/* QEMU's argv, NULL-terminated, in c's arena. */
bool qemu_argv(struct run_config *c, const struct qemu_inputs *in, char ***argv, int *argc, struct rc_err *e);

/* A word quoted for a POSIX shell when it needs it. */
const char *shell_quote(struct arena *a, const char *s);
/* The command on one line, shell-quoted. */
const char *shell_join(struct arena *a, char *const *argv);
/* The command over several lines, an option and its value on each, ready to
 * paste into a shell. */
void qemu_print_command(FILE *f, struct arena *a, char *const *argv);

/* --- watching serial output ----------------------------------------------------------- */

struct watch_reply {
    regex_t re;
    const char *pattern;
    char *text;
    size_t len;
    bool fired;
};

struct serial_watch {
    regex_t *expect;
    const char **expect_src; /* each pattern as written */
    size_t nexpect, next_expect;
    struct watch_reply *reply;
    size_t nreply;
    regex_t pass_on;
    bool has_pass_on, pass_on_hit;
    unsigned npass, nfail;   /* "[PASS] ..." and "[FAIL] ..." lines */
    char **markers;          /* those lines, for JUnit */
    size_t nmarkers;
    char *line;              /* the line being received */
    size_t len, cap;
    char *tail[TAIL_LINES];  /* the last complete lines, a ring */
    size_t ntail;            /* lines seen in all */
    char *input;             /* bytes for the guest (replies), not yet written */
    size_t ninput, capinput;
};

bool watch_init(struct serial_watch *w, struct run_config *c, struct rc_err *e);
void watch_feed(struct serial_watch *w, const char *buf, size_t n);
void watch_eof(struct serial_watch *w); /* ends a last unterminated line */
/* Calls fn for each of the last lines (oldest first), the unfinished one too. */
void watch_tail(const struct serial_watch *w, void (*fn)(void *ctx, const char *line), void *ctx);
void watch_free(struct serial_watch *w);

/* --- the verdict ---------------------------------------------------------------------- */

struct outcome {
    bool timed_out, pass_on_hit, interrupted;
    const char *guest_stuck; /* QEMU stopped the guest and waits forever (a KVM failure) */
    bool exited;       /* exit_code is valid */
    int exit_code;     /* QEMU's exit status */
    int signal;        /* when QEMU was killed by a signal (and not by us) */
    int timeout_s;
    unsigned npass, nfail;
    size_t expect_matched, nexpect;
    const char *first_missing; /* the first --expect not seen */
    const char *qemu_error;    /* QEMU's last line on stderr, if any */
};

struct verdict {
    bool passed;      /* counts as a pass (after --expect-fail) */
    bool boot_failed; /* the boot failed (before --expect-fail) */
    int exit_code;    /* what `kiln run` returns */
    char reason[768]; /* why the boot failed, or why it passed when that needs saying */
};

/* test mode: exit 33 and no [FAIL] and every --expect seen, or --pass-on
 * seen after every --expect. Run mode: QEMU's status. */
void verdict_compute(const struct run_config *c, const struct outcome *o, struct verdict *v);

/* --- processes ----------------------------------------------------------------------------- */

struct session {
    /* set by the caller before session_start */
    char **argv;
    bool live;          /* copy serial output to stdout as it arrives (and QEMU's stderr to ours) */
    bool forward_stdin; /* the user's input goes to the guest's serial port */
    bool monitor;       /* QEMU's stdio is the terminal; serial comes over serial_socket */
    const char *serial_socket;
    int log_fd;         /* a copy of the serial output, or -1 */
    int timeout_s;      /* 0: none */
    struct serial_watch *watch;

    /* state */
    pid_t pid;
    int out_fd, in_fd, err_fd, listen_fd;
    double start, end, stop_at;
    bool running, exited, stopping, timed_out, interrupted, stdin_eof;
    int status; /* from waitpid */
    const char *guest_stuck;
    char *err;  /* QEMU's stderr, the last 8 KiB */
    size_t nerr;
    char last_err[512]; /* its last line, for struct outcome */
};

/* Set when SIGINT, SIGTERM or SIGHUP arrived; the loops stop everything. */
extern volatile int qemu_signalled;
void qemu_install_signals(void);

/* Starts QEMU. */
bool session_start(struct session *s, struct rc_err *e);
/* Waits up to max_ms for anything to happen in the running sessions and
 * handles it: output, input, timeouts, exits. */
void sessions_poll(struct session **s, size_t n, int max_ms);
bool session_done(const struct session *s);
/* Asks QEMU to stop (SIGTERM, SIGKILL a few seconds later). */
void session_stop(struct session *s);
void session_outcome(struct session *s, struct outcome *o);
void session_free(struct session *s);

/* --- one boot: run.c (kiln run), shared with test.c (kiln test) ------------------- */

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
    int timeout_s;         /* 0 with --gdb */
    char **argv;
    int argc;
    bool started;
    struct serial_watch watch;
    struct session sess;
    double seconds;
    struct verdict verdict;
};

/* Finds the image (building a kernel's image into the cache unless
 * dry_run), QEMU and OVMF; checks KVM. Dies on errors. */
void boot_prepare(struct boot *b, bool dry_run);
/* Copies the OVMF variables, builds the command line and starts QEMU. */
bool boot_start(struct boot *b, bool live, bool forward_stdin, int log_fd, struct rc_err *e);
/* After the session is done: the verdict; removes the temporary files. */
void boot_finish(struct boot *b);
void boot_print_tail(struct boot *b, FILE *f, const char *indent);
void boot_print_dry_run(FILE *f, struct boot *b);
void boot_free(struct boot *b);
/* "gdb -x tools/gdb/kiln.gdb -ex 'symbol-file KERNEL' -ex 'target remote :1234'" */
const char *gdb_command(struct boot *b);

const char *cache_dir(struct arena *a); /* $KILN_CACHE, $XDG_CACHE_HOME/kiln or ~/.cache/kiln */
const char *tmp_dir(void);              /* $TMPDIR or /tmp */
void mkdir_p(const char *path);         /* dies on failure */

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

/* Temporary files removed at exit, also after an error or a signal. */
void cleanup_add(const char *path);
void cleanup_remove(const char *path); /* removes the file now */

double now_s(void);

#endif
