/* verdict.c - how a boot ended, and what that means (see watch.h): test
 * mode's rules (exit 33 and no [FAIL] marker and every --expect seen),
 * run mode's (QEMU's status), and --expect-fail's inversion. The reason
 * texts are what --expect-fail=REGEX matches, so they are part of the
 * interface (docs/running.md lists them). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "tools/kiln/run/watch.h"

/* --- the verdict --------------------------------------------------------------------------- */

__attribute__((format(printf, 2, 3))) static void because(struct verdict *v, const char *fmt, ...) {
    size_t n = strlen(v->reason);
    if (n) n += (size_t)snprintf(v->reason + n, sizeof v->reason - n, "; ");
    if (n >= sizeof v->reason) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(v->reason + n, sizeof v->reason - n, fmt, ap);
    va_end(ap);
}

void verdict_compute(const struct run_config *c, const struct outcome *o, struct verdict *v) {
    memset(v, 0, sizeof *v);
    int success = (int)c->v[K_SUCCESS_CODE].num; /* --success-code, 33 by default */
    if (o->interrupted) {
        because(v, "interrupted");
        v->boot_failed = true;
        v->exit_code = 130;
        return;
    }
    if (o->guest_stuck) because(v, "QEMU stopped the guest: %s", o->guest_stuck);
    if (o->no_boot) because(v, "no bootable device (%s)", o->no_boot);
    if (o->guest_reset) because(v, "the guest reset (%s); kiln stopped it (--allow-reboot lets it reboot)", o->guest_reset);
    bool stopped = o->guest_stuck || o->no_boot || o->guest_reset; /* kiln stopped QEMU: its status says nothing */
    if (o->timed_out) because(v, "timed out after %d s", o->timeout_s);
    if (c->test && !o->timed_out && !o->pass_on_hit && !stopped) {
        if (!o->exited) {
            because(v, "QEMU was killed by signal %d (%s)", o->signal, strsignal(o->signal));
        } else if (o->exit_code != success) {
            const char *why = o->exit_code == 35 ? " (the kernel reported failure)"
                              : o->exit_code == 0 ? " (a shutdown, or a triple fault with -no-reboot)"
                                                  : "";
            because(v, "expected exit %d, QEMU exited %d%s", success, o->exit_code, why);
            if (o->exit_code != 35 && o->exit_code != 0 && o->qemu_error) because(v, "QEMU: %s", o->qemu_error);
        }
    }
    if (c->test) {
        if (o->nfail) because(v, "%u [FAIL] marker%s", o->nfail, o->nfail == 1 ? "" : "s");
    }
    if (o->expect_matched < o->nexpect) because(v, "missing \"%s\"", o->first_missing);
    v->boot_failed = v->reason[0] != 0;
    if (c->test) {
        v->exit_code = !v->boot_failed ? 0 : o->timed_out ? 124 : 1;
    } else if (o->timed_out) {
        v->exit_code = 124;
    } else if (stopped) {
        v->exit_code = 1;
    } else if (o->expect_matched < o->nexpect) {
        v->exit_code = 1;
    } else if (o->pass_on_hit) {
        v->exit_code = 0;
    } else if (o->exited && o->exit_code == success) {
        v->exit_code = 0; /* the kernel said it succeeded: a runner (cargo) sees 0 */
    } else if (o->exited) {
        v->exit_code = o->exit_code;
        if (o->exit_code) because(v, "QEMU exited %d", o->exit_code), v->boot_failed = true;
    } else {
        v->exit_code = 128 + o->signal;
        because(v, "QEMU was killed by signal %d (%s)", o->signal, strsignal(o->signal));
        v->boot_failed = true;
    }
    const struct rc_value *xf = &c->v[K_EXPECT_FAIL];
    if (!xf->num) {
        v->passed = !v->boot_failed;
        return;
    }
    char reason[sizeof v->reason];
    memcpy(reason, v->reason, sizeof reason);
    if (!v->boot_failed) {
        v->passed = false;
        v->exit_code = 1;
        snprintf(v->reason, sizeof v->reason, "expected a failure (--expect-fail), but the boot passed");
        return;
    }
    if (xf->str && *xf->str) {
        regex_t re;
        bool match = false;
        if (regcomp(&re, xf->str, REG_EXTENDED | REG_NOSUB) == 0) {
            match = regexec(&re, reason, 0, NULL, 0) == 0;
            regfree(&re);
        }
        if (!match) {
            v->passed = false;
            v->exit_code = 1;
            snprintf(v->reason, sizeof v->reason, "failed, but not as expected: %.300s (--expect-fail wants a reason matching \"%.300s\")",
                     reason, xf->str);
            return;
        }
    }
    v->passed = true;
    v->exit_code = 0;
    snprintf(v->reason, sizeof v->reason, "failed as expected: %.700s", reason);
}

