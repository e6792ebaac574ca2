/* watch.h - what a boot's serial output and exit mean: the serial watch
 * (--expect in order, --reply, --pass-on, [PASS]/[FAIL] markers, the last
 * lines for failure reports) in watch.c, and the verdict (test mode's
 * rules, --expect-fail) in verdict.c. Both are pure: bytes and facts in,
 * state and verdict out, so the unit tests reach every case. */
#ifndef KILN_TOOL_WATCH_H
#define KILN_TOOL_WATCH_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>

#include "tools/kiln/config/config.h"

#define QEMU_SUCCESS_EXIT 33 /* isa-debug-exit: (0x10 << 1) | 1 */
#define TAIL_LINES 20

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
    const char *no_boot;     /* the firmware said on serial that it found nothing to boot */
    char *input;             /* bytes for the guest (replies, typed keys), not yet written */
    size_t ninput, capinput;
};

bool watch_init(struct serial_watch *w, struct run_config *c, kiln_err *e);
void watch_feed(struct serial_watch *w, const char *buf, size_t n);
void watch_eof(struct serial_watch *w); /* ends a last unterminated line */
/* Queues bytes for the guest's serial input. */
void watch_queue_input(struct serial_watch *w, const char *s, size_t n);
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
    const char *guest_reset;   /* run mode: the guest reset ("a triple fault", "a reset"); kiln stopped it */
    const char *reset_state;   /* the CPU state QEMU dumped at that reset */
    const char *no_boot;       /* the firmware found nothing to boot (its message); kiln stopped it */
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

#endif
