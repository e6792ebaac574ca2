/* oneboot.c - one boot of `kiln run` or `kiln test` (see oneboot.h): the
 * image, QEMU, OVMF and the accelerator; starting QEMU, and starting it
 * again with TCG when KVM fails under --accel auto; the verdict; what
 * --dry-run shows. */
#include "tools/kiln/run/oneboot.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "format/pxe.h"
#include "tools/kiln/image/image.h"
#include "tools/kiln/run/guest.h"
#include "tools/kiln/run/imgcache.h"
#include "tools/kiln/run/run.h"
#include "tools/kiln/util/cleanup.h"
#include "tools/kiln/util/die.h"
#include "tools/kiln/util/files.h"
#include "tools/kiln/util/shellwords.h"

extern char **environ;

#define KVM_RECORD_MAX_BYTES 4096

/* A boot of this process found KVM failing: the boots still to start that
 * would try it use TCG. */
static bool kvm_broken_now;

bool boot_command_line(struct arena *a, enum rc_cmd cmd, int argc, char **argv, rc_extra_fn *extra, void *ctx,
                       void (*usage)(void), struct rc_cli *cli) {
    kiln_err e;
    const struct rc_source base = {RC_CLI, NULL, 0, NULL, NULL};
    const char *name = cmd == RC_TEST ? "test" : "run";
    if (!rc_parse_cli(a, cmd, argc, argv, &base, cli, extra, ctx, &e))
        die("%s: %s (see kiln %s --help)", name, e.msg, name);
    if (cli->help) {
        usage();
        return false;
    }
    rc_warn_unknown_env((const char *const *)environ);
    return true;
}

static void guest_watches(struct run_config *c, bool *resets, bool *fw);

/* --- the target ------------------------------------------------------------------------ */

static bool from_cli(const struct rc_source *s) { return s->layer == RC_CLI || s->layer == RC_PLAN; }

/* A disk image is booted as it is: options that shape an image are
 * mistakes when typed for this boot, and ignored when they come from
 * kiln.toml (which may describe the project's kernel). */
static void check_image_target(struct boot *b) {
    struct run_config *c = &b->cfg;
    const char *target = b->image;
    const enum rc_key image_keys[] = {K_CMDLINE, K_IMAGE_CONFIG, K_KIND, K_LOADER_LOG, K_LOADER_FB, K_LOADER_SERIAL,
                                      K_KERNEL_NAME, K_SIGN_KEY, K_SIGN_CERT};
    for (size_t i = 0; i < ARRAY_LEN(image_keys); i++) {
        const struct rc_value *v = &c->v[image_keys[i]];
        if (v->set && from_cli(&v->src))
            die("%s: %s is a disk image, not a kernel ELF: image options apply only when kiln builds the image",
                rc_source_str(&c->a, &v->src), target);
    }
    const struct rc_list *mods = rc_clist(c, K_MODULES);
    for (size_t i = 0; i < mods->n; i++)
        if (from_cli(&mods->items[i].src))
            die("%s: %s is a disk image, not a kernel ELF: image options apply only when kiln builds the image",
                rc_source_str(&c->a, &mods->items[i].src), target);
    if (c->v[K_FIRMWARE].num != FW_BIOS) {
        int fd = open(target, O_RDONLY | O_CLOEXEC);
        char sig[8] = {0};
        if (fd >= 0 && pread(fd, sig, 8, 512) == 8 && memcmp(sig, "EFI PART", 8))
            warnx("%s has no GPT, so UEFI firmware will not find its EFI system partition (make it with --kind hybrid or uefi)",
                  target);
        if (fd >= 0) close(fd);
    }
}

/* What TARGET is: true for a kernel ELF, false for a disk or ISO image
 * (an ISO boots as a CD: boot_prepare); dies,
 * naming what it found, for anything kiln cannot boot. */
static bool identify_target(const char *target) {
    int fd = open(target, O_RDONLY | O_CLOEXEC);
    if (fd < 0) die("%s: %s", target, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) die("%s: not a regular file", target);
    static uint8_t head[36 * 1024];
    size_t n = 0;
    ssize_t r;
    while (n < sizeof head && (r = pread(fd, head + n, sizeof head - n, (off_t)n)) != 0) {
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) die("%s: %s", target, strerror(errno));
        n += (size_t)r;
    }
    close(fd);
    const char *what;
    switch (target_identify(head, n, target, &what)) {
    case TARGET_ELF: return true;
    case TARGET_DISK:
    case TARGET_ISO: return false;
    case TARGET_OTHER: break;
    }
    die("%s is %s, not something kiln run can boot: give it a kernel ELF (kiln builds the image) or a disk image "
        "(kiln image makes one)",
        target, what);
}

/* Network boot (--net): a kernel is built into a --kind pxe folder, a
 * folder is served as it is; QEMU's own DHCP and TFTP serve it
 * (qemu_argv). A --kind pxe kernel and a folder imply --net. */
static void choose_net(struct boot *b, bool folder) {
    struct run_config *c = &b->cfg;
    struct rc_value *net = &c->v[K_NET], *kind = &c->v[K_KIND];
    bool explicit_kind = kind->src.layer != RC_DEFAULT;
    if (!net->num && !folder && !(b->is_elf && kind->num == KIND_PXE)) return;
    if (!folder && !b->is_elf)
        die("%s: %s is a disk image; the network boots a kernel ELF (kiln builds its folder) or a folder made by "
            "`kiln image --kind pxe`",
            rc_named(c, K_NET), b->image);
    if (b->is_elf && explicit_kind && kind->num != KIND_PXE)
        die("kind %s (%s) cannot boot from the network (%s): use kind pxe", kind_name((enum image_kind)kind->num),
            rc_source_str(&c->a, &kind->src), rc_named(c, K_NET));
    if (c->v[K_FIRMWARE].num == FW_UBOOT)
        die("firmware uboot (%s): kiln run boots U-Boot from a disk only; boot from the network with firmware bios "
            "or uefi",
            rc_source_str(&c->a, &c->v[K_FIRMWARE].src));
    if (folder) {
        const char *need[] = {PXE_PAYLOAD_NAME, c->v[K_FIRMWARE].num == FW_UEFI ? PXE_UEFI_NAME : PXE_BIOS_NAME};
        for (size_t i = 0; i < ARRAY_LEN(need); i++)
            if (!file_exists(arena_printf(&c->a, "%s/%s", b->image, need[i])))
                warnx("%s has no %s: not a folder made by `kiln image --kind pxe`? (the boot will fail)", b->image,
                      need[i]);
    }
    kind->num = KIND_PXE;
    net->num = 1;
}

/* --- the accelerator -------------------------------------------------------------------- */

static const char *kvm_record_path(struct arena *a) { return arena_printf(a, "%s/kvm-broken", cache_dir(a)); }

/* The text of a small regular file, or NULL. */
static char *read_small(struct arena *a, const char *path, struct stat *st) {
    if (stat(path, st) != 0 || !S_ISREG(st->st_mode) || st->st_size > KVM_RECORD_MAX_BYTES) return NULL;
    FILE *f = fopen(path, "r");
    if (!f) return NULL;
    char *buf = arena_alloc(a, KVM_RECORD_MAX_BYTES + 1);
    size_t n = fread(buf, 1, KVM_RECORD_MAX_BYTES, f);
    bool bad = ferror(f);
    fclose(f);
    if (bad) return NULL;
    buf[n] = 0;
    return buf;
}

static void choose_accel(struct boot *b, bool dry_run) {
    struct run_config *c = &b->cfg;
    const struct rc_value *v = &c->v[K_ACCEL];
    struct accel_facts f = {.asked = (enum rc_accel)v->num, .asked_src = rc_source_str(&c->a, &v->src)};
    kiln_err why = {""};
    if (f.asked != ACCEL_TCG) {
        f.kvm_usable = qemu_kvm_usable("/dev/kvm", &why);
        f.kvm_why = why.msg;
    }
    if (f.asked == ACCEL_AUTO && f.kvm_usable) {
        struct stat st;
        f.record_path = kvm_record_path(&c->a);
        f.record = read_small(&c->a, f.record_path, &st);
        if (f.record) {
            f.record_age_days = difftime(time(NULL), st.st_mtime) / 86400;
            f.qemu_version = qemu_version(&c->a, b->qemu);
        }
    }
    accel_decide(&c->a, &f, &b->accel);
    if (b->accel.use == USE_REFUSE) {
        if (!dry_run) die("%s", b->accel.why);
        b->note = b->accel.why;
    }
    b->kvm = b->accel.use == USE_KVM;
    if (f.asked == ACCEL_AUTO && c->v[K_VERBOSE].num && !dry_run)
        fprintf(stderr, "kiln: accel auto (%s): %s: %s\n", f.asked_src, b->kvm ? "KVM" : "TCG", b->accel.why);
}

/* Remembers that KVM failed, for later runs: $cache/kvm-broken, written
 * whole or not at all. Not being able to is worth a warning only. */
static void record_kvm_broken(struct boot *b, const char *reason) {
    struct arena *a = &b->cfg.a;
    const char *dir = cache_dir(a), *path = kvm_record_path(a);
    kiln_err why;
    if (!mkdir_try(dir, &why)) {
        warnx("cannot remember that KVM fails here: %s", why.msg);
        return;
    }
    const char *text = kvm_record_format(a, qemu_version(a, b->qemu), reason);
    char *tmp = arena_printf(a, "%s.XXXXXX", path);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        warnx("cannot remember that KVM fails here: %s: %s", tmp, strerror(errno));
        return;
    }
    size_t len = strlen(text);
    bool ok = write(fd, text, len) == (ssize_t)len;
    int err = ok ? 0 : errno;
    if (close(fd) != 0 && ok) ok = false, err = errno;
    if (ok && rename(tmp, path) != 0) ok = false, err = errno;
    if (!ok) {
        unlink(tmp);
        warnx("cannot remember that KVM fails here: %s: %s", path, strerror(err ? err : EIO));
    }
}

/* --- preparing and starting ------------------------------------------------------------------ */

void boot_prepare(struct boot *b, bool dry_run) {
    struct run_config *c = &b->cfg;
    const char *const *envp = (const char *const *)environ;
    kiln_err e;
    const char *target = c->v[K_KERNEL].str;
    struct stat st;
    bool folder = stat(target, &st) == 0 && S_ISDIR(st.st_mode);
    b->is_elf = !folder && identify_target(target);
    if (!b->is_elf) {
        b->image = target;
        check_image_target(b);
    }
    choose_net(b, folder);
    if (!rc_check_target(c, b->is_elf, &e)) die("%s", e.msg);
    /* An ISO boots as a CD unless --disk (or kiln.toml, KILN_DISK) chose a disk controller. */
    bool iso = b->is_elf ? c->v[K_KIND].num == KIND_ISO : image_is_iso(target);
    b->cdrom = iso && c->v[K_DISK].src.layer == RC_DEFAULT;
    if (b->is_elf) {
        struct image_opts o = {.kernel = target};
        char *cfg_text;
        b->image = imgcache_path(c, &o, &cfg_text);
        b->image_cached = file_exists(c->v[K_NET].num ? arena_printf(&c->a, "%s/" PXE_PAYLOAD_NAME, b->image) : b->image);
        if (!dry_run && !b->image_cached) imgcache_build(c, b->image, &o, cfg_text);
        else if (!dry_run) utimensat(AT_FDCWD, b->image, NULL, 0); /* recently used: not pruned */
    }

    /* A dry run shows what it can and says what a real run would refuse. */
    bool have_qemu = qemu_find_binary(c, envp, &b->qemu, &e);
    if (!have_qemu) {
        if (!dry_run) die("%s", e.msg);
        b->qemu = c->v[K_QEMU].str;
        b->note = arena_strdup(&c->a, e.msg);
    }
    if (c->v[K_SECURE_BOOT].num) {
        b->ovmf_code = OVMF_SB_CODE;
        b->ovmf_vars = OVMF_SB_VARS;
        if (access(OVMF_SB_CODE, R_OK) || access(OVMF_SB_VARS, R_OK)) {
            const char *msg = arena_printf(&c->a, "%s needs Debian's Secure Boot OVMF, %s and %s: apt-get install ovmf",
                                           rc_named(c, K_SECURE_BOOT), OVMF_SB_CODE, OVMF_SB_VARS);
            if (!dry_run) die("%s", msg);
            b->note = msg;
        }
    } else if (c->v[K_FIRMWARE].num == FW_UEFI &&
               !qemu_find_ovmf(&c->a, envp, "", &b->ovmf_code, &b->ovmf_vars, &e)) {
        if (!dry_run) die("%s", e.msg);
        b->ovmf_code = "OVMF_CODE.fd";
        b->ovmf_vars = "OVMF_VARS.fd";
        b->note = arena_strdup(&c->a, e.msg);
    }
    if (c->v[K_FIRMWARE].num == FW_UBOOT && !qemu_find_uboot(&c->a, envp, "", &b->uboot_rom, &e)) {
        if (!dry_run) die("%s", e.msg);
        b->uboot_rom = "u-boot.rom";
        b->note = arena_strdup(&c->a, e.msg);
    }
    choose_accel(b, dry_run);
    if (c->v[K_GUI].num && have_qemu) {
        /* Without a window QEMU would serve the screen over VNC, unasked. A
         * QEMU that cannot answer will say what is wrong when it runs. */
        static const char *const args[] = {"-display", "help", NULL};
        kiln_err why;
        const char *help = qemu_ask(&c->a, b->qemu, args, &why);
        if (help && !qemu_display_has_window(help)) {
            const char *msg = arena_printf(&c->a, "%s needs QEMU's display support: apt-get install qemu-system-gui",
                                           rc_named(c, K_GUI));
            if (!dry_run) die("%s", msg);
            b->note = msg;
        }
    }
    b->timeout_s = c->v[K_GDB].num ? 0 : (int)c->v[K_TIMEOUT].num;
    if (dry_run) {
        struct qemu_inputs in = {
            b->qemu, b->image, b->ovmf_code,
            b->ovmf_vars ? arena_printf(&c->a, "%s/kiln-vars-XXXXXX.fd", tmp_dir()) : NULL,
            c->v[K_MONITOR].num ? arena_printf(&c->a, "%s/kiln-serial-PID-N.sock", tmp_dir()) : NULL, b->kvm, NULL, NULL,
            b->uboot_rom, NULL, b->cdrom};
        bool resets, fw;
        guest_watches(c, &resets, &fw);
        if (resets) in.reset_log = arena_printf(&c->a, "%s/kiln-resets-XXXXXX.log", tmp_dir());
        if (fw) in.fw_log = arena_printf(&c->a, "%s/kiln-firmware-XXXXXX.log", tmp_dir());
        if (c->v[K_SCREENSHOT].set) in.qmp_socket = arena_printf(&c->a, "%s/kiln-qmp-PID-N.sock", tmp_dir());
        if (!qemu_argv(c, &in, &b->argv, &b->argc, &e)) die("%s", e.msg);
    }
}

/* A fresh copy of the OVMF variables for one run: firmware settings never
 * leak from one boot into the next, and the installed file stays as it is. */
static const char *copy_vars(struct boot *b) {
    struct run_config *c = &b->cfg;
    char *path = arena_printf(&c->a, "%s/kiln-vars-XXXXXX.fd", tmp_dir());
    int fd = mkstemps(path, 3);
    if (fd < 0) die("%s: %s", path, strerror(errno));
    cleanup_add(path);
    size_t n;
    uint8_t *data = read_file(b->ovmf_vars, &n, (size_t)MIB(64));
    bool ok = write(fd, data, n) == (ssize_t)n;
    free(data);
    if (close(fd) != 0 || !ok) die("%s: write failed", path);
    return path;
}

/* An empty temporary file QEMU writes to, removed at exit. */
static const char *temp_file(struct boot *b, const char *what) {
    struct run_config *c = &b->cfg;
    char *path = arena_printf(&c->a, "%s/kiln-%s-XXXXXX.log", tmp_dir(), what);
    int fd = mkstemps(path, 4);
    if (fd < 0) die("%s: %s", path, strerror(errno));
    cleanup_add(path);
    close(fd);
    return path;
}

/* Does the user's qemu_args have an option (or a word containing text)? */
static bool qemu_args_have(struct run_config *c, const char *word, const char *text) {
    const struct rc_list *qa = rc_clist(c, K_QEMU_ARGS);
    for (size_t i = 0; i < qa->n; i++)
        if ((word && !strcmp(qa->items[i].str, word)) || (text && strstr(qa->items[i].str, text))) return true;
    return false;
}

/* Run mode stops a guest that resets (unless the user logs QEMU's events
 * with -d or -D: QEMU keeps one log). Every boot stops when the firmware
 * finds nothing to boot (unless port 0x402 is the user's). */
static void guest_watches(struct run_config *c, bool *resets, bool *fw) {
    *resets = !c->test && !c->v[K_ALLOW_REBOOT].num && !qemu_args_have(c, "-d", NULL) && !qemu_args_have(c, "-D", NULL);
    *fw = !qemu_args_have(c, NULL, "0x402");
}

static void remove_temps(struct boot *b) {
    const char **t[] = {&b->vars_copy, &b->reset_log, &b->fw_log};
    for (size_t i = 0; i < ARRAY_LEN(t); i++) {
        if (*t[i]) cleanup_remove(*t[i]);
        *t[i] = NULL;
    }
}

bool boot_start(struct boot *b, bool live, bool forward_stdin, const int logs[SESSION_LOGS], kiln_err *e) {
    struct run_config *c = &b->cfg;
    static unsigned seq;
    if (b->kvm && b->accel.fallback && kvm_broken_now) b->kvm = false;
    b->live = live;
    b->forward_stdin = forward_stdin;
    for (size_t i = 0; i < SESSION_LOGS; i++) b->logs[i] = (struct session_log){logs ? logs[i] : -1, 0};
    b->vars_copy = b->ovmf_vars ? copy_vars(b) : NULL;
    const char *sock = c->v[K_MONITOR].num
                           ? arena_printf(&c->a, "%s/kiln-serial-%d-%u.sock", tmp_dir(), (int)getpid(), seq++)
                           : NULL;
    bool resets, fw;
    guest_watches(c, &resets, &fw);
    b->reset_log = resets ? temp_file(b, "resets") : NULL;
    b->fw_log = fw ? temp_file(b, "firmware") : NULL;
    const char *png = c->v[K_SCREENSHOT].set ? c->v[K_SCREENSHOT].str : b->shot_png;
    if (b->shot.socket) screenshot_close(&b->shot); /* a restart with TCG */
    memset(&b->shot, 0, sizeof b->shot);
    if (png) {
        unsigned n = seq++;
        b->shot.png = png;
        b->shot.socket = arena_printf(&c->a, "%s/kiln-qmp-%d-%u.sock", tmp_dir(), (int)getpid(), n);
        b->shot.ppm = arena_printf(&c->a, "%s/kiln-screen-%d-%u.ppm", tmp_dir(), (int)getpid(), n);
        cleanup_add(b->shot.ppm);
        if (!screenshot_listen(&b->shot, e)) return false;
    }
    struct qemu_inputs in = {b->qemu,      b->image,  b->ovmf_code, b->vars_copy,
                             sock,         b->kvm,    b->reset_log, b->fw_log,
                             b->uboot_rom, png ? b->shot.socket : NULL, b->cdrom};
    if (!qemu_argv(c, &in, &b->argv, &b->argc, e) || !watch_init(&b->watch, c, e)) {
        watch_free(&b->watch);
        return false;
    }
    if (!b->started) b->first_start = now_s();
    b->started = true;
    b->sess = (struct session){.argv = b->argv, .live = live, .forward_stdin = forward_stdin,
                               .monitor = c->v[K_MONITOR].num != 0, .kvm_trial = b->kvm && b->accel.fallback,
                               .serial_socket = sock, .timeout_s = b->timeout_s, .watch = &b->watch,
                               .reset_log = b->reset_log, .fw_log = b->fw_log, .shot = png ? &b->shot : NULL,
                               .shot_on_expect = c->v[K_SCREENSHOT].set};
    memcpy(b->sess.log, b->logs, sizeof b->logs);
    if (c->v[K_VERBOSE].num) fprintf(stderr, "kiln: running %s\n", shell_join(&c->a, b->argv));
    return session_start(&b->sess, e);
}

int boot_retry(struct boot *b, kiln_err *e) {
    struct session *s = &b->sess;
    if (!b->started || !b->kvm || !b->accel.fallback || !s->kvm_failed || s->interrupted || qemu_signalled) return 0;
    static bool said;
    char why[sizeof s->kvm_why];
    /* All of QEMU's report is in by now (the first sight of it may not
     * have been); unless it was so long that its start is gone. */
    if (!kvm_failure(s->err, s->nerr, why, sizeof why)) memcpy(why, s->kvm_why, sizeof why);
    kvm_broken_now = true;
    record_kvm_broken(b, why);
    if (!said) {
        fflush(stdout);
        fprintf(stderr, "%skiln: KVM does not work here (%s); using TCG\n", b->live && b->watch.len ? "\n" : "", why);
        said = true;
    }
    session_free(s);
    watch_free(&b->watch);
    remove_temps(b);
    int fds[SESSION_LOGS];
    for (size_t i = 0; i < SESSION_LOGS; i++) {
        fds[i] = b->logs[i].fd;
        if (fds[i] >= 0) log_rewind(fds[i]);
    }
    b->kvm = false;
    return boot_start(b, b->live, b->forward_stdin, fds, e) ? 1 : -1;
}

void boot_finish(struct boot *b) {
    struct outcome o;
    session_outcome(&b->sess, &o);
    b->seconds = (b->sess.exited ? b->sess.end : now_s()) - b->first_start;
    verdict_compute(&b->cfg, &o, &b->verdict);
    /* The verdict's texts point into the session, which lives on; the
     * files go. */
    remove_temps(b);
    if (b->shot.socket) screenshot_close(&b->shot);
}

void boot_free(struct boot *b) {
    if (b->started) {
        session_free(&b->sess);
        watch_free(&b->watch);
    }
    remove_temps(b);
    if (b->shot.socket) screenshot_close(&b->shot);
    rc_free(&b->cfg);
}

struct tail_ctx {
    FILE *f;
    const char *indent;
};

/* A serial line for a terminal or a log reader: escape sequences
 * (colours, cursor moves of firmware consoles) and control characters
 * dropped. */
static void print_line(void *ctx, const char *line) {
    struct tail_ctx *t = ctx;
    fprintf(t->f, "%s| ", t->indent);
    for (const unsigned char *p = (const unsigned char *)line; *p; p++) {
        if (*p == 0x1b && p[1] == '[') {
            for (p += 2; *p && !(*p >= 0x40 && *p <= 0x7e); p++) {}
            if (!*p) break;
        } else if (*p >= 0x20 || *p == '\t') {
            fputc(*p, t->f);
        }
    }
    fputc('\n', t->f);
}

void boot_print_tail(struct boot *b, FILE *f, const char *indent) {
    if (!b->started || (!b->watch.ntail && !b->watch.len)) {
        fprintf(f, "%s(no serial output)\n", indent);
        return;
    }
    struct tail_ctx t = {f, indent};
    fprintf(f, "%slast serial output:\n", indent);
    watch_tail(&b->watch, print_line, &t);
}

void boot_print_dry_run(FILE *f, struct boot *b) {
    struct run_config *c = &b->cfg;
    fprintf(f, "# the resolved configuration, each value with its source\n");
    rc_print(f, c);
    if (b->is_elf)
        fprintf(f, "%-13s = %s  (built from the kernel %s; %s)\n", "image", b->image, c->v[K_KERNEL].str,
                b->image_cached ? "in the cache" : "not built yet");
    else if (b->cdrom)
        fprintf(f, "%-13s = %s  (an ISO image, booted as a CD: read-only)\n", "image", b->image);
    else
        fprintf(f, "%-13s = %s  (a disk image, booted as it is: snapshot=on, never written)\n", "image", b->image);
    fprintf(f, "%-13s = %s\n", "qemu binary", b->qemu);
    if (b->ovmf_code) {
        fprintf(f, "%-13s = %s\n", "ovmf code", b->ovmf_code);
        fprintf(f, "%-13s = %s  (copied to a new temporary file for each run)\n", "ovmf vars", b->ovmf_vars);
    }
    if (b->uboot_rom) fprintf(f, "%-13s = %s\n", "u-boot rom", b->uboot_rom);
    if (b->accel.use != USE_REFUSE)
        fprintf(f, "%-13s = %s%s%s%s\n", "accelerator", b->kvm ? "kvm" : "tcg", b->accel.why ? "  (" : "",
                b->accel.why ? b->accel.why : "", b->accel.why ? ")" : "");
    if (c->v[K_GDB].num && c->v[K_TIMEOUT].num) fprintf(f, "# note: no timeout while debugging (%s)\n", rc_named(c, K_GDB));
    if (c->v[K_SERIAL_LOG].set) {
        const char *p = log_target_problem(&c->a, c->v[K_SERIAL_LOG].str);
        if (p) fprintf(f, "# note: a real run would stop here: %s: %s\n", rc_named(c, K_SERIAL_LOG), p);
    }
    if (b->note) fprintf(f, "# note: a real run would stop here: %s\n", b->note);
    fprintf(f, "\n# the QEMU command line\n");
    qemu_print_command(f, &c->a, b->argv);
}

/* The gdb command that attaches to QEMU's gdb stub with the kernel's
 * symbols and tools/gdb/kiln.gdb (next to the tool in the source tree, or
 * installed in share/kiln). */
const char *gdb_command(struct boot *b) {
    struct arena *a = &b->cfg.a;
    const char *cmd = "gdb";
    char exe[PATH_MAX], cwd[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = 0;
        *strrchr(exe, '/') = 0;
        const char *cands[] = {"../tools/gdb/kiln.gdb", "../share/kiln/kiln.gdb"};
        for (size_t i = 0; i < ARRAY_LEN(cands); i++) {
            char *real = realpath(arena_printf(a, "%s/%s", exe, cands[i]), NULL);
            if (!real) continue;
            const char *show = real;
            size_t cl = getcwd(cwd, sizeof cwd) ? strlen(cwd) : 0;
            if (cl && !strncmp(real, cwd, cl) && real[cl] == '/') show = real + cl + 1;
            cmd = arena_printf(a, "%s -x %s", cmd, shell_quote(a, show));
            free(real);
            break;
        }
    }
    if (b->is_elf)
        cmd = arena_printf(a, "%s -ex %s", cmd, shell_quote(a, arena_printf(a, "symbol-file %s", b->cfg.v[K_KERNEL].str)));
    return arena_printf(a, "%s -ex 'target remote :1234'", cmd);
}
