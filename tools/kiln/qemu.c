/* qemu.c - see qemu.h. */
#include "tools/kiln/qemu.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tools/kiln/tool.h"

#define KVM_GET_API_VERSION_IOCTL _IO(0xae, 0x00) /* <linux/kvm.h> KVM_GET_API_VERSION */
#define KVM_API_VERSION 12
#define LINE_MAX_BYTES 4096
#define ERR_KEEP 8192
#define MAX_MARKERS 100000

double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* --- finding things ---------------------------------------------------------------- */

static bool executable(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

bool qemu_find_binary(struct run_config *c, const char *const *envp, const char **path, struct rc_err *e) {
    const struct rc_value *v = &c->v[K_QEMU];
    const char *name = v->str;
    const char *src = rc_source_str(&c->a, &v->src);
    if (strchr(name, '/')) {
        if (!executable(name)) return rc_fail(e, "QEMU '%s' (%s): not found or not executable", name, src);
        *path = name;
        return true;
    }
    const char *p = rc_getenv(envp, "PATH");
    if (!p) p = "/usr/local/bin:/usr/bin:/bin";
    while (*p) {
        size_t n = strcspn(p, ":");
        const char *cand = arena_printf(&c->a, "%.*s/%s", (int)n, n ? p : ".", name);
        if (executable(cand)) {
            *path = cand;
            return true;
        }
        p += n + (p[n] == ':');
    }
    if (v->src.layer == RC_DEFAULT)
        return rc_fail(e, "%s not found in PATH: install QEMU (apt-get install qemu-system-x86) or set KILN_QEMU",
                       name);
    return rc_fail(e, "QEMU '%s' (%s) not found in PATH", name, src);
}

static const char *const ovmf_paths[][2] = {
    {"/usr/share/OVMF/OVMF_CODE_4M.fd", "/usr/share/OVMF/OVMF_VARS_4M.fd"}, /* Debian 12, Ubuntu 22.04+ */
    {"/usr/share/OVMF/OVMF_CODE.fd", "/usr/share/OVMF/OVMF_VARS.fd"},       /* older Debian and Ubuntu */
    {"/usr/share/edk2/x64/OVMF_CODE.4m.fd", "/usr/share/edk2/x64/OVMF_VARS.4m.fd"}, /* Arch */
    {"/usr/share/edk2/x64/OVMF_CODE.fd", "/usr/share/edk2/x64/OVMF_VARS.fd"},
    {"/usr/share/edk2/ovmf/OVMF_CODE.fd", "/usr/share/edk2/ovmf/OVMF_VARS.fd"}, /* Fedora */
    {"/usr/share/edk2-ovmf/x64/OVMF_CODE.fd", "/usr/share/edk2-ovmf/x64/OVMF_VARS.fd"},
    {"/usr/share/qemu/edk2-x86_64-code.fd", "/usr/share/qemu/edk2-i386-vars.fd"}, /* QEMU's own build */
};

/* The variables file that belongs to a code file: CODE -> VARS in the name. */
static const char *vars_for(struct arena *a, const char *code) {
    const char *base = strrchr(code, '/');
    base = base ? base + 1 : code;
    if (!strcmp(base, "edk2-x86_64-code.fd"))
        return arena_printf(a, "%.*sedk2-i386-vars.fd", (int)(base - code), code);
    const char *m = strstr(base, "CODE");
    if (!m) m = strstr(base, "code");
    if (!m) return NULL;
    return arena_printf(a, "%.*s%s%s", (int)(m - code), code, m[0] == 'C' ? "VARS" : "vars", m + 4);
}

static bool regular(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

bool qemu_find_ovmf(struct arena *a, const char *const *envp, const char *root, const char **code, const char **vars,
                    struct rc_err *e) {
    const char *ec = rc_getenv(envp, "KILN_OVMF_CODE"), *ev = rc_getenv(envp, "KILN_OVMF_VARS");
    if (ec && !*ec) ec = NULL;
    if (ev && !*ev) ev = NULL;
    if (ec && !regular(ec)) return rc_fail(e, "KILN_OVMF_CODE=%s: no such file", ec);
    if (ev && !regular(ev)) return rc_fail(e, "KILN_OVMF_VARS=%s: no such file", ev);
    if (ec) {
        *code = ec;
        if (ev) {
            *vars = ev;
            return true;
        }
        const char *v = vars_for(a, ec);
        if (!v || !regular(v))
            return rc_fail(e, "KILN_OVMF_CODE=%s: no matching variables file%s%s; set KILN_OVMF_VARS", ec,
                           v ? " " : "", v ? v : "");
        *vars = v;
        return true;
    }
    const char *tried = "";
    for (size_t i = 0; i < ARRAY_LEN(ovmf_paths); i++) {
        const char *c = arena_printf(a, "%s%s", root, ovmf_paths[i][0]);
        const char *v = arena_printf(a, "%s%s", root, ovmf_paths[i][1]);
        tried = arena_printf(a, "%s%s%s", tried, i ? ", " : "", c);
        if (regular(c) && (ev || regular(v))) {
            *code = c;
            *vars = ev ? ev : v;
            return true;
        }
    }
    return rc_fail(e, "firmware uefi needs OVMF, and none was found (looked for %s): install it (apt-get install "
                      "ovmf) or set KILN_OVMF_CODE and KILN_OVMF_VARS",
                   tried);
}

bool qemu_kvm_usable(const char *dev, char *why, size_t whysz) {
    int fd = open(dev, O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        snprintf(why, whysz, "%s: %s", dev, strerror(errno));
        return false;
    }
    int v = ioctl(fd, KVM_GET_API_VERSION_IOCTL, 0);
    int err = errno;
    close(fd);
    if (v != KVM_API_VERSION) {
        if (v < 0) snprintf(why, whysz, "%s: KVM_GET_API_VERSION failed: %s", dev, strerror(err));
        else snprintf(why, whysz, "%s: KVM API version %d, QEMU needs %d", dev, v, KVM_API_VERSION);
        return false;
    }
    return true;
}

/* --- the command line -------------------------------------------------------------------- */

/* A file name inside a QEMU option list: commas are doubled. */
static const char *opt_escape(struct arena *a, const char *s) {
    size_t n = 0;
    for (const char *p = s; *p; p++) n += *p == ',' ? 2 : 1;
    char *d = arena_alloc(a, n + 1), *q = d;
    for (const char *p = s; *p; p++) {
        *q++ = *p;
        if (*p == ',') *q++ = ',';
    }
    return d;
}

struct argvec {
    struct arena *a;
    char **v;
    size_t n, cap;
};

__attribute__((format(printf, 2, 3))) static void push(struct argvec *av, const char *fmt, ...) {
    av->v = arena_grow(av->a, av->v, av->n, &av->cap, sizeof *av->v);
    va_list ap;
    va_start(ap, fmt);
    int len = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *s = arena_alloc(av->a, (size_t)len + 1);
    va_start(ap, fmt);
    vsnprintf(s, (size_t)len + 1, fmt, ap);
    va_end(ap);
    av->v[av->n++] = s;
    av->v = arena_grow(av->a, av->v, av->n, &av->cap, sizeof *av->v); /* room for the NULL at the end */
    av->v[av->n] = NULL;
}

bool qemu_argv(struct run_config *c, const struct qemu_inputs *in, char ***argv, int *argc, struct rc_err *e) {
    struct argvec av = {&c->a, NULL, 0, 0};
    const struct rc_value *v = c->v;
    bool pc = v[K_MACHINE].num == MACHINE_PC;
    push(&av, "%s", in->qemu);
    push(&av, "-machine"), push(&av, "%s", pc ? "pc" : "q35");
    if (v[K_ACCEL].num == ACCEL_KVM) push(&av, "-accel"), push(&av, "kvm"), push(&av, "-cpu"), push(&av, "host");
    else push(&av, "-accel"), push(&av, "tcg");
    push(&av, "-m"), push(&av, "%ld", v[K_MEMORY].num);
    push(&av, "-smp"), push(&av, "%ld", v[K_CPUS].num);
    if (v[K_FIRMWARE].num == FW_UEFI) {
        if (!in->ovmf_code || !in->ovmf_vars) return rc_fail(e, "internal: firmware uefi without OVMF files");
        push(&av, "-drive"), push(&av, "if=pflash,format=raw,readonly=on,file=%s", opt_escape(&c->a, in->ovmf_code));
        push(&av, "-drive"), push(&av, "if=pflash,format=raw,file=%s", opt_escape(&c->a, in->ovmf_vars));
    }
    push(&av, "-drive"), push(&av, "if=none,id=disk0,format=raw,file=%s,snapshot=on", opt_escape(&c->a, in->image));
    switch ((enum rc_disk)v[K_DISK].num) {
    case DISK_IDE:
        if (!pc) return rc_fail(e, "disk ide needs machine pc (q35 has no legacy IDE controller): use disk ahci");
        push(&av, "-device"), push(&av, "ide-hd,drive=disk0,bootindex=0");
        break;
    case DISK_AHCI:
        if (pc) {
            push(&av, "-device"), push(&av, "ahci,id=ahci0");
            push(&av, "-device"), push(&av, "ide-hd,drive=disk0,bus=ahci0.0,bootindex=0");
        } else { /* q35's ICH9 has an AHCI controller built in, its ports are ide.0 .. ide.5 */
            push(&av, "-device"), push(&av, "ide-hd,drive=disk0,bus=ide.0,bootindex=0");
        }
        break;
    case DISK_NVME: push(&av, "-device"), push(&av, "nvme,serial=kiln0,drive=disk0,bootindex=0"); break;
    case DISK_VIRTIO: push(&av, "-device"), push(&av, "virtio-blk-pci,drive=disk0,bootindex=0"); break;
    case DISK_USB:
        push(&av, "-device"), push(&av, "qemu-xhci,id=xhci");
        push(&av, "-device"), push(&av, "usb-storage,bus=xhci.0,drive=disk0,bootindex=0");
        break;
    }
    if (in->serial_socket) {
        push(&av, "-chardev"), push(&av, "socket,id=serial0,path=%s", opt_escape(&c->a, in->serial_socket));
        push(&av, "-serial"), push(&av, "chardev:serial0");
    } else {
        push(&av, "-serial"), push(&av, "stdio");
    }
    push(&av, "-monitor"), push(&av, v[K_MONITOR].num ? "stdio" : "none");
    if (!v[K_GUI].num) push(&av, "-display"), push(&av, "none");
    if (!v[K_NET].num) push(&av, "-nic"), push(&av, "none");
    if (v[K_DEBUGCON].set) push(&av, "-debugcon"), push(&av, "file:%s", v[K_DEBUGCON].str);
    if (c->test) {
        push(&av, "-device"), push(&av, "isa-debug-exit,iobase=0xf4,iosize=0x04");
        push(&av, "-no-reboot");
    }
    if (v[K_GDB].num) push(&av, "-s"), push(&av, "-S");
    const struct rc_list *qa = rc_clist(c, K_QEMU_ARGS);
    for (size_t i = 0; i < qa->n; i++) push(&av, "%s", qa->items[i].str);
    *argv = av.v;
    *argc = (int)av.n;
    return true;
}

const char *shell_quote(struct arena *a, const char *s) {
    if (*s && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_@%+=:,./-") == strlen(s))
        return s;
    size_t n = 2;
    for (const char *p = s; *p; p++) n += *p == '\'' ? 4 : 1;
    char *d = arena_alloc(a, n + 1), *q = d;
    *q++ = '\'';
    for (const char *p = s; *p; p++) {
        if (*p == '\'') memcpy(q, "'\\''", 4), q += 4;
        else *q++ = *p;
    }
    *q++ = '\'';
    return d;
}

const char *shell_join(struct arena *a, char *const *argv) {
    const char *s = "";
    for (size_t i = 0; argv[i]; i++) s = arena_printf(a, "%s%s%s", s, i ? " " : "", shell_quote(a, argv[i]));
    return s;
}

void qemu_print_command(FILE *f, struct arena *a, char *const *argv) {
    fputs(shell_quote(a, argv[0]), f);
    for (size_t i = 1; argv[i]; i++) {
        fprintf(f, " \\\n    %s", shell_quote(a, argv[i]));
        if (argv[i][0] == '-' && argv[i + 1] && argv[i + 1][0] != '-') fprintf(f, " %s", shell_quote(a, argv[++i]));
    }
    fputc('\n', f);
}

/* --- watching serial output -------------------------------------------------------------- */

static bool compile(regex_t *re, const char *pattern, const char *what, struct rc_err *e) {
    int rc = regcomp(re, pattern, REG_EXTENDED | REG_NOSUB);
    if (rc) {
        char buf[256];
        regerror(rc, re, buf, sizeof buf);
        return rc_fail(e, "%s \"%s\": bad regular expression: %s", what, pattern, buf);
    }
    return true;
}

bool watch_init(struct serial_watch *w, struct run_config *c, struct rc_err *e) {
    memset(w, 0, sizeof *w);
    const struct rc_list *ex = rc_clist(c, K_EXPECT), *rp = rc_clist(c, K_REPLY);
    w->expect = xcalloc(ex->n, sizeof *w->expect);
    w->expect_src = xcalloc(ex->n, sizeof *w->expect_src);
    for (size_t i = 0; i < ex->n; i++, w->nexpect++) {
        if (!compile(&w->expect[i], ex->items[i].str, "--expect", e)) return false;
        w->expect_src[i] = ex->items[i].str;
    }
    w->reply = xcalloc(rp->n, sizeof *w->reply);
    for (size_t i = 0; i < rp->n; i++) {
        char *pat, *text, err[256];
        size_t len;
        if (!rc_reply_split(&c->a, rp->items[i].str, &pat, &text, &len, err, sizeof err))
            return rc_fail(e, "--reply %s: %s", rp->items[i].str, err);
        if (!compile(&w->reply[i].re, pat, "--reply", e)) return false;
        w->reply[i].pattern = pat;
        w->reply[i].text = text;
        w->reply[i].len = len;
        w->nreply++;
    }
    const struct rc_value *po = &c->v[K_PASS_ON];
    if (po->set && *po->str) {
        if (!compile(&w->pass_on, po->str, "--pass-on", e)) return false;
        w->has_pass_on = true;
    }
    w->cap = 256;
    w->line = xmalloc(w->cap);
    w->line[0] = 0;
    return true;
}

static void queue_input(struct serial_watch *w, const char *s, size_t n) {
    if (w->ninput + n > w->capinput) {
        w->capinput = (w->ninput + n) * 2;
        char *b = xmalloc(w->capinput);
        if (w->ninput) memcpy(b, w->input, w->ninput);
        free(w->input);
        w->input = b;
    }
    memcpy(w->input + w->ninput, s, n);
    w->ninput += n;
}

static void check_replies(struct serial_watch *w) {
    for (size_t i = 0; i < w->nreply; i++) {
        struct watch_reply *r = &w->reply[i];
        if (!r->fired && regexec(&r->re, w->line, 0, NULL, 0) == 0) {
            r->fired = true;
            queue_input(w, r->text, r->len);
        }
    }
}

static void line_done(struct serial_watch *w) {
    w->line[w->len] = 0;
    check_replies(w);
    const char *l = w->line + strspn(w->line, " \t");
    bool pass = !strncmp(l, "[PASS]", 6), fail = !strncmp(l, "[FAIL]", 6);
    if (pass || fail) {
        if (pass) w->npass++;
        else w->nfail++;
        if (w->nmarkers < MAX_MARKERS) {
            if ((w->nmarkers & (w->nmarkers - 1)) == 0) { /* grow at powers of two */
                char **m = xmalloc((w->nmarkers ? w->nmarkers * 2 : 1) * sizeof *m);
                if (w->nmarkers) memcpy(m, w->markers, w->nmarkers * sizeof *m);
                free(w->markers);
                w->markers = m;
            }
            w->markers[w->nmarkers++] = xstrdup(l);
        }
    }
    if (w->next_expect < w->nexpect && regexec(&w->expect[w->next_expect], w->line, 0, NULL, 0) == 0)
        w->next_expect++;
    if (w->has_pass_on && !w->pass_on_hit && regexec(&w->pass_on, w->line, 0, NULL, 0) == 0) w->pass_on_hit = true;
    size_t slot = w->ntail % TAIL_LINES;
    free(w->tail[slot]);
    w->tail[slot] = xstrdup(w->line);
    w->ntail++;
    w->len = 0;
    w->line[0] = 0;
}

void watch_feed(struct serial_watch *w, const char *buf, size_t n) {
    for (size_t i = 0; i < n; i++) {
        char ch = buf[i];
        if (ch == '\n') {
            line_done(w);
            continue;
        }
        if (ch == '\r' || ch == 0) continue;
        if (w->len == LINE_MAX_BYTES) line_done(w);
        if (w->len + 2 > w->cap) {
            w->cap *= 2;
            char *l = xmalloc(w->cap);
            memcpy(l, w->line, w->len);
            free(w->line);
            w->line = l;
        }
        w->line[w->len++] = ch;
    }
    w->line[w->len] = 0;
    if (w->len) check_replies(w);
}

void watch_eof(struct serial_watch *w) {
    if (w->len) line_done(w);
}

void watch_tail(const struct serial_watch *w, void (*fn)(void *ctx, const char *line), void *ctx) {
    size_t want = TAIL_LINES - (w->len ? 1 : 0);
    size_t have = w->ntail < TAIL_LINES ? w->ntail : TAIL_LINES;
    size_t n = have < want ? have : want;
    for (size_t i = w->ntail - n; i < w->ntail; i++) fn(ctx, w->tail[i % TAIL_LINES]);
    if (w->len) fn(ctx, w->line);
}

void watch_free(struct serial_watch *w) {
    for (size_t i = 0; i < w->nexpect; i++) regfree(&w->expect[i]);
    for (size_t i = 0; i < w->nreply; i++) regfree(&w->reply[i].re);
    if (w->has_pass_on) regfree(&w->pass_on);
    for (size_t i = 0; i < TAIL_LINES; i++) free(w->tail[i]);
    for (size_t i = 0; i < w->nmarkers; i++) free(w->markers[i]);
    free(w->markers);
    free(w->expect);
    free(w->expect_src);
    free(w->reply);
    free(w->line);
    free(w->input);
    memset(w, 0, sizeof *w);
}

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
    if (o->interrupted) {
        because(v, "interrupted");
        v->boot_failed = true;
        v->exit_code = 130;
        return;
    }
    if (o->guest_stuck) because(v, "QEMU stopped the guest: %s", o->guest_stuck);
    if (o->timed_out) because(v, "timed out after %d s", o->timeout_s);
    if (c->test && !o->timed_out && !o->pass_on_hit && !o->guest_stuck) {
        if (!o->exited) {
            because(v, "QEMU was killed by signal %d (%s)", o->signal, strsignal(o->signal));
        } else if (o->exit_code != QEMU_SUCCESS_EXIT) {
            const char *why = o->exit_code == 35 ? " (the kernel reported failure)"
                              : o->exit_code == 0 ? " (a shutdown, or a triple fault with -no-reboot)"
                                                  : "";
            because(v, "expected exit %d, QEMU exited %d%s", QEMU_SUCCESS_EXIT, o->exit_code, why);
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
    } else if (o->guest_stuck) {
        v->exit_code = 1;
    } else if (o->expect_matched < o->nexpect) {
        v->exit_code = 1;
    } else if (o->pass_on_hit) {
        v->exit_code = 0;
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

/* --- processes --------------------------------------------------------------------------- */

volatile int qemu_signalled;

static void on_signal(int sig) { qemu_signalled = sig; }

/* Everything to undo at exit: temporary files, QEMUs still running. */
static char **cleanup_files;
static size_t ncleanup;
static pid_t live_pids[256];

static void cleanup_at_exit(void) {
    for (size_t i = 0; i < ARRAY_LEN(live_pids); i++)
        if (live_pids[i] > 0) {
            kill(live_pids[i], SIGKILL);
            waitpid(live_pids[i], NULL, 0);
            live_pids[i] = 0;
        }
    for (size_t i = 0; i < ncleanup; i++) {
        unlink(cleanup_files[i]);
        free(cleanup_files[i]);
    }
    free(cleanup_files);
    cleanup_files = NULL;
    ncleanup = 0;
}

static void register_exit(void) {
    static bool done;
    if (!done) atexit(cleanup_at_exit);
    done = true;
}

void qemu_install_signals(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal; /* no SA_RESTART: poll() returns EINTR */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    register_exit();
}

void cleanup_add(const char *path) {
    register_exit();
    char **n = xmalloc((ncleanup + 1) * sizeof *n);
    if (ncleanup) memcpy(n, cleanup_files, ncleanup * sizeof *n);
    free(cleanup_files);
    cleanup_files = n;
    cleanup_files[ncleanup++] = xstrdup(path);
}

void cleanup_remove(const char *path) {
    unlink(path);
    for (size_t i = 0; i < ncleanup; i++)
        if (!strcmp(cleanup_files[i], path)) {
            free(cleanup_files[i]);
            cleanup_files[i] = cleanup_files[--ncleanup];
            return;
        }
}

static void track_pid(pid_t old, pid_t new) {
    for (size_t i = 0; i < ARRAY_LEN(live_pids); i++)
        if (live_pids[i] == old) {
            live_pids[i] = new;
            return;
        }
}

static void close_fd(int *fd) {
    if (*fd >= 0) close(*fd);
    *fd = -1;
}

static void nonblock(int fd) { fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK); }

bool session_start(struct session *s, struct rc_err *e) {
    s->pid = -1;
    s->out_fd = s->in_fd = s->err_fd = s->listen_fd = -1;
    int in[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1}, ex[2];
    if (s->monitor) {
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        if (strlen(s->serial_socket) >= sizeof sa.sun_path)
            return rc_fail(e, "%s: socket path too long", s->serial_socket);
        strcpy(sa.sun_path, s->serial_socket);
        s->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (s->listen_fd < 0 || bind(s->listen_fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
            listen(s->listen_fd, 1) != 0)
            return rc_fail(e, "%s: cannot listen: %s", s->serial_socket, strerror(errno));
        cleanup_add(s->serial_socket);
        nonblock(s->listen_fd);
    } else if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC)) {
        return rc_fail(e, "pipe: %s", strerror(errno));
    }
    if (pipe2(ex, O_CLOEXEC)) return rc_fail(e, "pipe: %s", strerror(errno));
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) return rc_fail(e, "fork: %s", strerror(errno));
    if (pid == 0) {
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        signal(SIGPIPE, SIG_DFL);
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        signal(SIGHUP, SIG_DFL);
        if (!s->monitor && (dup2(in[0], 0) < 0 || dup2(out[1], 1) < 0 || dup2(err[1], 2) < 0)) _exit(127);
        execv(s->argv[0], s->argv);
        int n = errno;
        if (write(ex[1], &n, sizeof n) < 0) _exit(127);
        _exit(127);
    }
    close(ex[1]);
    int child_errno = 0;
    ssize_t r;
    do r = read(ex[0], &child_errno, sizeof child_errno);
    while (r < 0 && errno == EINTR);
    close(ex[0]);
    if (!s->monitor) {
        close(in[0]), close(out[1]), close(err[1]);
        s->in_fd = in[1], s->out_fd = out[0], s->err_fd = err[0];
        nonblock(s->in_fd), nonblock(s->out_fd), nonblock(s->err_fd);
    }
    if (r > 0) {
        waitpid(pid, NULL, 0);
        close_fd(&s->in_fd), close_fd(&s->out_fd), close_fd(&s->err_fd), close_fd(&s->listen_fd);
        return rc_fail(e, "cannot run %s: %s", s->argv[0], strerror(child_errno));
    }
    s->pid = pid;
    track_pid(0, pid);
    s->running = true;
    s->start = now_s();
    return true;
}

void session_stop(struct session *s) {
    if (s->stopping || !s->running || s->exited) return;
    kill(s->pid, SIGTERM);
    s->stopping = true;
    s->stop_at = now_s() + 3; /* then SIGKILL */
}

static void write_all(int fd, const char *buf, size_t n) {
    while (n) {
        ssize_t w = write(fd, buf, n);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0 && errno == EAGAIN) {
            struct pollfd p = {fd, POLLOUT, 0};
            poll(&p, 1, 100);
            continue;
        }
        if (w <= 0) return;
        buf += w, n -= (size_t)w;
    }
}

static void flush_input(struct session *s) {
    struct serial_watch *w = s->watch;
    if (!w->ninput) return;
    if (s->in_fd < 0) {
        w->ninput = 0;
        return;
    }
    ssize_t n = write(s->in_fd, w->input, w->ninput);
    if (n > 0) {
        memmove(w->input, w->input + n, w->ninput - (size_t)n);
        w->ninput -= (size_t)n;
    } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
        w->ninput = 0; /* QEMU is gone */
    }
}

static void on_output(struct session *s) {
    char buf[4096];
    ssize_t n = read(s->out_fd, buf, sizeof buf);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
    if (n <= 0) {
        close_fd(&s->out_fd);
        if (s->monitor) s->in_fd = -1; /* the same socket */
        watch_eof(s->watch);
        return;
    }
    if (s->live) write_all(1, buf, (size_t)n);
    if (s->log_fd >= 0) write_all(s->log_fd, buf, (size_t)n);
    watch_feed(s->watch, buf, (size_t)n);
    flush_input(s);
    if (s->watch->pass_on_hit) session_stop(s);
}

static void on_stderr(struct session *s) {
    char buf[4096];
    ssize_t n = read(s->err_fd, buf, sizeof buf);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
    if (n <= 0) {
        close_fd(&s->err_fd);
        return;
    }
    /* Once kiln stops QEMU, its "terminating on signal 15" is no news. */
    if (s->live && !s->stopping) write_all(2, buf, (size_t)n);
    _Static_assert(sizeof buf <= ERR_KEEP, "one read fits in the kept stderr");
    if (!s->err) s->err = xmalloc(ERR_KEEP);
    if (s->nerr + (size_t)n > ERR_KEEP) { /* keep the newest bytes */
        size_t drop = s->nerr + (size_t)n - ERR_KEEP;
        memmove(s->err, s->err + drop, s->nerr - drop);
        s->nerr -= drop;
    }
    memcpy(s->err + s->nerr, buf, (size_t)n);
    s->nerr += (size_t)n;
    /* A KVM that cannot run the guest makes QEMU pause it forever: stop
     * now, with the reason, rather than at the timeout. */
    if (!s->guest_stuck && memmem(s->err, s->nerr, "KVM internal error", 18)) {
        s->guest_stuck = "KVM internal error (this KVM cannot run the guest; use --accel tcg)";
        session_stop(s);
    }
}

static void on_accept(struct session *s) {
    int fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0) return;
    close_fd(&s->listen_fd);
    cleanup_remove(s->serial_socket);
    s->out_fd = s->in_fd = fd;
}

static void on_stdin(struct session **ss, size_t n) {
    char buf[1024];
    ssize_t r = read(0, buf, sizeof buf);
    if (r < 0 && (errno == EAGAIN || errno == EINTR)) return;
    for (size_t i = 0; i < n; i++) {
        if (!ss[i]->forward_stdin || ss[i]->stdin_eof) continue;
        if (r <= 0) ss[i]->stdin_eof = true;
        else queue_input(ss[i]->watch, buf, (size_t)r);
        flush_input(ss[i]);
    }
}

void sessions_poll(struct session **ss, size_t n, int max_ms) {
    struct pollfd *p = xcalloc(n * 4 + 1, sizeof *p);
    struct {
        struct session *s;
        int what; /* 0 out, 1 err, 2 listen, 3 in */
    } *who = xcalloc(n * 4 + 1, sizeof *who);
    size_t np = 0;
    bool want_stdin = false;
    double t = now_s();
    int wait_ms = max_ms;
    for (size_t i = 0; i < n; i++) {
        struct session *s = ss[i];
        if (!s->running) continue;
        bool out = s->in_fd >= 0 && s->watch->ninput > 0; /* input waiting for the guest */
        if (s->out_fd >= 0) {
            short ev = POLLIN | (out && s->in_fd == s->out_fd ? POLLOUT : 0); /* one socket both ways */
            p[np] = (struct pollfd){s->out_fd, ev, 0}, who[np].s = s, who[np++].what = 0;
        }
        if (s->err_fd >= 0) p[np] = (struct pollfd){s->err_fd, POLLIN, 0}, who[np].s = s, who[np++].what = 1;
        if (s->listen_fd >= 0) p[np] = (struct pollfd){s->listen_fd, POLLIN, 0}, who[np].s = s, who[np++].what = 2;
        if (out && s->in_fd != s->out_fd) p[np] = (struct pollfd){s->in_fd, POLLOUT, 0}, who[np].s = s, who[np++].what = 3;
        if (s->forward_stdin && !s->stdin_eof) want_stdin = true;
        /* Wake up for the timeout, the SIGKILL after a SIGTERM, and often
         * enough to reap a QEMU that exited without closing anything. */
        double until = s->stopping ? s->stop_at : s->timeout_s ? s->start + s->timeout_s : t + 1;
        int ms = (int)((until - t) * 1000) + 1;
        if (ms < wait_ms) wait_ms = ms < 0 ? 0 : ms;
    }
    if (wait_ms > 200) wait_ms = 200;
    size_t nstdin = np;
    if (want_stdin) p[np++] = (struct pollfd){0, POLLIN, 0};
    int r = poll(p, (nfds_t)np, wait_ms);
    if (r > 0) {
        for (size_t i = 0; i < np; i++) {
            if (!p[i].revents) continue;
            if (i == nstdin && want_stdin) {
                on_stdin(ss, n);
                continue;
            }
            struct session *s = who[i].s;
            switch (who[i].what) {
            case 0:
                if (p[i].revents & POLLOUT) flush_input(s);
                if ((p[i].revents & ~POLLOUT) && s->out_fd == p[i].fd) on_output(s);
                break;
            case 1:
                if (s->err_fd == p[i].fd) on_stderr(s);
                break;
            case 2:
                if (s->listen_fd == p[i].fd) on_accept(s);
                break;
            case 3: flush_input(s); break;
            }
        }
    }
    free(p);
    free(who);
    t = now_s();
    for (size_t i = 0; i < n; i++) {
        struct session *s = ss[i];
        if (!s->running) continue;
        if (!s->exited) {
            int st;
            pid_t w = waitpid(s->pid, &st, WNOHANG);
            if (w == s->pid) {
                s->exited = true;
                s->status = st;
                s->end = t;
                track_pid(s->pid, 0);
                close_fd(&s->listen_fd);
                if (s->serial_socket) cleanup_remove(s->serial_socket);
            }
        }
        if (!s->exited && !s->stopping && s->timeout_s && t - s->start >= s->timeout_s) {
            s->timed_out = true;
            session_stop(s);
        }
        if (!s->exited && s->stopping && t >= s->stop_at) {
            kill(s->pid, SIGKILL);
            s->stop_at = t + 3600;
        }
        if (s->exited && s->out_fd < 0 && s->err_fd < 0) {
            s->running = false;
            if (s->in_fd >= 0 && s->in_fd != s->out_fd) close_fd(&s->in_fd);
            s->in_fd = -1;
        }
    }
}

bool session_done(const struct session *s) { return !s->running; }

void session_outcome(struct session *s, struct outcome *o) {
    memset(o, 0, sizeof *o);
    const struct serial_watch *w = s->watch;
    o->timed_out = s->timed_out;
    o->guest_stuck = s->guest_stuck;
    o->pass_on_hit = w->pass_on_hit;
    o->interrupted = s->interrupted;
    o->exited = WIFEXITED(s->status);
    o->exit_code = o->exited ? WEXITSTATUS(s->status) : -1;
    o->signal = WIFSIGNALED(s->status) ? WTERMSIG(s->status) : 0;
    o->timeout_s = s->timeout_s;
    o->npass = w->npass;
    o->nfail = w->nfail;
    o->expect_matched = w->next_expect;
    o->nexpect = w->nexpect;
    o->first_missing = w->next_expect < w->nexpect ? w->expect_src[w->next_expect] : NULL;
    /* QEMU's last line on stderr explains an exit status of 1. */
    s->last_err[0] = 0;
    if (s->nerr) {
        size_t end = s->nerr;
        while (end && (s->err[end - 1] == '\n' || s->err[end - 1] == '\r')) end--;
        size_t start = end;
        while (start && s->err[start - 1] != '\n') start--;
        snprintf(s->last_err, sizeof s->last_err, "%.*s", (int)(end - start), s->err + start);
        if (s->last_err[0]) o->qemu_error = s->last_err;
    }
}

void session_free(struct session *s) {
    if (s->in_fd == s->out_fd) s->in_fd = -1; /* one socket */
    close_fd(&s->in_fd);
    close_fd(&s->out_fd);
    close_fd(&s->err_fd);
    close_fd(&s->listen_fd);
    free(s->err);
    s->err = NULL;
}
