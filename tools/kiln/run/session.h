/* session.h - QEMU processes (session.c): starting QEMU with its serial
 * port and stderr on pipes (or the serial port on a Unix socket with
 * --monitor), several at once in one poll loop; feeding the serial watch,
 * the log files and the terminal; timeouts; stopping; a KVM that fails.
 * The QEMUs still running at exit are killed (util/cleanup.h). */
#ifndef KILN_TOOL_SESSION_H
#define KILN_TOOL_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "tools/kiln/config/config.h"
#include "tools/kiln/run/guest.h"
#include "tools/kiln/run/screenshot.h"
#include "tools/kiln/run/watch.h"

#define SESSION_LOGS 2 /* copies of the serial output: --log-dir's file and --log */

struct session_log {
    int fd;  /* -1: none */
    int err; /* the first write error (errno), after which the log is not written */
};

struct session {
    /* set by the caller before session_start */
    char **argv;
    bool live;          /* copy serial output to stdout as it arrives (and QEMU's stderr to ours) */
    bool forward_stdin; /* the user's input goes to the guest's serial port */
    bool monitor;       /* QEMU's stdio is the terminal; serial comes over serial_socket */
    bool kvm_trial;     /* KVM on trial (--accel auto): QEMU's KVM failure report is not shown */
    const char *serial_socket;
    struct session_log log[SESSION_LOGS];
    int timeout_s;      /* 0: none */
    struct serial_watch *watch;
    const char *reset_log; /* QEMU's -d cpu_reset log, or NULL: a reset of the running guest stops it */
    const char *fw_log;    /* the firmware's debug port (0x402) output, or NULL */
    struct screenshot *shot; /* taken when kiln stops QEMU (or every --expect matched), or NULL */
    bool shot_on_expect;     /* --screenshot: also when every --expect matched */

    /* state */
    pid_t pid;
    int out_fd, in_fd, err_fd, listen_fd;
    double start, end, stop_at;
    bool running, exited, stopping, timed_out, interrupted, stdin_eof;
    bool kvm_failed;    /* QEMU said KVM cannot run the guest (kvm_failure) */
    char kvm_why[256];  /* what it said */
    int status; /* from waitpid */
    const char *guest_stuck;
    char *err;  /* QEMU's stderr, the last 8 KiB */
    size_t nerr;
    char *errline; /* KVM on trial, live: a line of stderr not yet shown */
    size_t nerrline;
    bool err_muted; /* QEMU reported a KVM failure: the rest of its stderr is not shown */
    char last_err[512]; /* its last line, for struct outcome */
    int reset_fd, fw_fd;   /* reset_log and fw_log, read as QEMU writes them */
    char *reset_text;      /* reset_log so far (up to RESET_LOG_KEEP bytes) */
    size_t nreset;
    char fw_tail[64];      /* the end of fw_log read so far: a message cut between two reads */
    size_t nfw_tail;
    const char *reset_cause; /* the guest reset ("a triple fault", "a reset"): stopped */
    char reset_state[2048];  /* the CPU state QEMU dumped at that reset */
    const char *no_boot;     /* the firmware found nothing to boot: its message; stopped */
    struct term_filter term; /* the serial output shown live, without screen control */
    bool shot_tried;         /* the screenshot was asked for (once) */
};

/* Set when SIGINT, SIGTERM or SIGHUP arrived; the loops stop everything. */
extern volatile int qemu_signalled;
void qemu_install_signals(void);

/* Starts QEMU. */
bool session_start(struct session *s, kiln_err *e);
/* Waits up to max_ms for anything to happen in the running sessions and
 * handles it: output, input, timeouts, exits. */
void sessions_poll(struct session **s, size_t n, int max_ms);
bool session_done(const struct session *s);
/* Asks QEMU to stop (SIGTERM, SIGKILL a few seconds later). */
void session_stop(struct session *s);
void session_outcome(struct session *s, struct outcome *o);
void session_free(struct session *s);

double now_s(void);

#endif
