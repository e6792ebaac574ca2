/* qemu.c - finding QEMU, OVMF and a usable KVM, asking QEMU about itself,
 * and choosing the accelerator (see qemu.h). */
#include "tools/kiln/run/qemu.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tools/kiln/util/die.h"

#define KVM_GET_API_VERSION_IOCTL _IO(0xae, 0x00) /* <linux/kvm.h> KVM_GET_API_VERSION */
#define KVM_API_VERSION 12
#define ASK_MAX_BYTES 65536
#define ASK_TIMEOUT_MS 10000

/* --- finding things ---------------------------------------------------------------- */

static bool executable(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

bool qemu_find_binary(struct run_config *c, const char *const *envp, const char **path, kiln_err *e) {
    const struct rc_value *v = &c->v[K_QEMU];
    const char *name = v->str;
    const char *src = rc_source_str(&c->a, &v->src);
    if (strchr(name, '/')) {
        if (!executable(name)) return err_set(e, "QEMU '%s' (%s): not found or not executable", name, src);
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
        return err_set(e, "%s not found in PATH: install QEMU (apt-get install qemu-system-x86) or set KILN_QEMU",
                       name);
    return err_set(e, "QEMU '%s' (%s) not found in PATH", name, src);
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
                    kiln_err *e) {
    const char *ec = rc_getenv(envp, "KILN_OVMF_CODE"), *ev = rc_getenv(envp, "KILN_OVMF_VARS");
    if (ec && !*ec) ec = NULL;
    if (ev && !*ev) ev = NULL;
    if (ec && !regular(ec)) return err_set(e, "KILN_OVMF_CODE=%s: no such file", ec);
    if (ev && !regular(ev)) return err_set(e, "KILN_OVMF_VARS=%s: no such file", ev);
    if (ec) {
        *code = ec;
        if (ev) {
            *vars = ev;
            return true;
        }
        const char *v = vars_for(a, ec);
        if (!v || !regular(v))
            return err_set(e, "KILN_OVMF_CODE=%s: no matching variables file%s%s; set KILN_OVMF_VARS", ec,
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
    return err_set(e, "firmware uefi needs OVMF, and none was found (looked for %s): install it (apt-get install "
                      "ovmf) or set KILN_OVMF_CODE and KILN_OVMF_VARS",
                   tried);
}

bool qemu_find_uboot(struct arena *a, const char *const *envp, const char *root, const char **rom, kiln_err *e) {
    const char *env = rc_getenv(envp, "KILN_UBOOT_ROM");
    if (env && *env) {
        if (!regular(env)) return err_set(e, "KILN_UBOOT_ROM=%s: no such file", env);
        *rom = env;
        return true;
    }
    const char *p = arena_printf(a, "%s/usr/lib/u-boot/qemu-x86_64/u-boot.rom", root);
    if (!regular(p))
        return err_set(e, "firmware uboot needs U-Boot's QEMU build, and %s is not there: install it (apt-get install "
                          "u-boot-qemu) or set KILN_UBOOT_ROM",
                       p);
    *rom = p;
    return true;
}

bool qemu_kvm_usable(const char *dev, kiln_err *e) {
    int fd = open(dev, O_RDWR | O_CLOEXEC);
    if (fd < 0) return err_set(e, "%s: %s", dev, strerror(errno));
    int v = ioctl(fd, KVM_GET_API_VERSION_IOCTL, 0);
    int err = errno;
    close(fd);
    if (v < 0) return err_set(e, "%s: KVM_GET_API_VERSION failed: %s", dev, strerror(err));
    if (v != KVM_API_VERSION) return err_set(e, "%s: KVM API version %d, QEMU needs %d", dev, v, KVM_API_VERSION);
    return true;
}


/* --- asking QEMU -------------------------------------------------------------------- */

char *qemu_ask(struct arena *a, const char *qemu, const char *const *args, kiln_err *e) {
    int out[2];
    if (pipe2(out, O_CLOEXEC) != 0) return err_set(e, "pipe: %s", strerror(errno)), NULL;
    size_t nargs = 0;
    while (args[nargs]) nargs++;
    char **argv = arena_alloc(a, (nargs + 2) * sizeof *argv);
    argv[0] = arena_strdup(a, qemu);
    for (size_t i = 0; i < nargs; i++) argv[i + 1] = arena_strdup(a, args[i]);
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        close(out[0]), close(out[1]);
        return err_set(e, "fork: %s", strerror(errno)), NULL;
    }
    if (pid == 0) {
        int null = open("/dev/null", O_RDWR);
        if (null < 0 || dup2(null, 0) < 0 || dup2(out[1], 1) < 0 || dup2(null, 2) < 0) _exit(127);
        signal(SIGPIPE, SIG_DFL);
        execv(argv[0], argv);
        _exit(127);
    }
    close(out[1]);
    char *buf = arena_alloc(a, ASK_MAX_BYTES + 1);
    size_t n = 0;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    bool timed_out = false;
    for (;;) {
        struct timespec t;
        clock_gettime(CLOCK_MONOTONIC, &t);
        long left = ASK_TIMEOUT_MS - ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000);
        if (left <= 0) {
            timed_out = true;
            break;
        }
        struct pollfd pfd = {out[0], POLLIN, 0};
        int r = poll(&pfd, 1, (int)left);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) continue;
        if (n == ASK_MAX_BYTES) break; /* enough */
        ssize_t got = read(out[0], buf + n, ASK_MAX_BYTES - n);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) break;
        n += (size_t)got;
    }
    close(out[0]);
    if (timed_out || n == ASK_MAX_BYTES) kill(pid, SIGKILL);
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {}
    buf[n] = 0;
    if (timed_out) return err_set(e, "%s %s: no answer in %d s", qemu, args[0], ASK_TIMEOUT_MS / 1000), NULL;
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
        return err_set(e, "%s %s: exit status %d", qemu, args[0], WIFEXITED(st) ? WEXITSTATUS(st) : -1), NULL;
    return buf;
}

const char *qemu_version(struct arena *a, const char *qemu) {
    static const char *const args[] = {"-version", NULL};
    kiln_err e;
    char *out = qemu_ask(a, qemu, args, &e);
    if (!out) return NULL;
    out[strcspn(out, "\r\n")] = 0;
    return *out ? out : NULL;
}

bool qemu_display_has_window(const char *help) {
    /* QEMU without -display tries gtk, sdl and cocoa in this order and
     * serves VNC when none of them is there. */
    static const char *const windows[] = {"gtk", "sdl", "cocoa"};
    for (const char *l = help; *l;) {
        size_t n = strcspn(l, "\r\n");
        for (size_t i = 0; i < ARRAY_LEN(windows); i++)
            if (n == strlen(windows[i]) && !strncmp(l, windows[i], n)) return true;
        l += n;
        l += strspn(l, "\r\n");
    }
    return false;
}

/* --- the accelerator ------------------------------------------------------------------------ */

const char *kvm_record_format(struct arena *a, const char *qemu_version, const char *reason) {
    return arena_printf(a,
                        "# kiln: KVM failed here, so `--accel auto` uses TCG until this file is %d days old or\n"
                        "# QEMU's version changes. Remove the file to try KVM again.\n"
                        "qemu: %s\n"
                        "reason: %s\n",
                        KVM_RECORD_MAX_AGE_DAYS, qemu_version ? qemu_version : "unknown", reason);
}

bool kvm_record_parse(struct arena *a, const char *text, struct kvm_record *r) {
    memset(r, 0, sizeof *r);
    for (const char *l = text; *l;) {
        size_t n = strcspn(l, "\n");
        if (n > 6 && !strncmp(l, "qemu: ", 6)) r->qemu_version = arena_strndup(a, l + 6, n - 6);
        else if (n > 8 && !strncmp(l, "reason: ", 8)) r->reason = arena_strndup(a, l + 8, n - 8);
        l += n;
        if (*l) l++;
    }
    return r->qemu_version && r->reason;
}

void accel_decide(struct arena *a, const struct accel_facts *f, struct accel_decision *d) {
    memset(d, 0, sizeof *d);
    switch (f->asked) {
    case ACCEL_TCG: d->use = USE_TCG; return;
    case ACCEL_KVM:
        if (f->kvm_usable) {
            d->use = USE_KVM;
            return;
        }
        d->use = USE_REFUSE;
        d->why = arena_printf(a, "accel kvm (%s): KVM is not usable: %s; accel tcg needs no KVM, and accel auto "
                                 "uses KVM only where it works",
                              f->asked_src, f->kvm_why);
        return;
    case ACCEL_AUTO: break;
    }
    d->use = USE_TCG;
    if (!f->kvm_usable) {
        d->why = arena_printf(a, "KVM is not usable: %s", f->kvm_why);
        return;
    }
    struct kvm_record r;
    if (f->record && kvm_record_parse(a, f->record, &r) && f->record_age_days <= KVM_RECORD_MAX_AGE_DAYS &&
        f->qemu_version && !strcmp(r.qemu_version, f->qemu_version)) {
        d->why = arena_printf(a, "KVM failed here before: %s (%s)", r.reason, f->record_path);
        return;
    }
    d->use = USE_KVM;
    d->fallback = true;
    d->why = "KVM is usable; the boot runs again with TCG if KVM fails";
}

bool kvm_failure(const char *text, size_t n, char *reason, size_t size) {
    /* QEMU's own words when KVM cannot run this guest: at start, while
     * running, or (QEMU 7.2 on a paravirtual KVM) an abort in its KVM glue
     * after the host refused an MSR. */
    static const char *const marks[] = {"KVM internal error", "failed to initialize kvm",
                                        "Could not access KVM kernel module", "failed to set MSR",
                                        "/kvm/kvm.c:"};
    for (size_t i = 0; i < ARRAY_LEN(marks); i++) {
        const char *p = memmem(text, n, marks[i], strlen(marks[i]));
        if (!p) continue;
        const char *end = memchr(p, '\n', n - (size_t)(p - text));
        if (!end) end = text + n;
        while (end > p && (end[-1] == '\r' || end[-1] == ' ' || end[-1] == '.')) end--;
        bool emulation = i == 0 && memmem(text, n, "emulation failure", 17);
        snprintf(reason, size, "%.*s%s", (int)(end - p), p, emulation ? "; emulation failure" : "");
        return true;
    }
    return false;
}
