/* run.c - `kiln run`: boot a kernel or a disk image in QEMU, and the parts
 * of a boot that `kiln test` shares: the image cache (a kernel ELF becomes
 * an image once per distinct input), firmware files, the QEMU command line,
 * starting QEMU and judging how it ended. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "common/version.h"
#include "tools/kiln/qemu.h"
#include "tools/kiln/runconfig.h"
#include "tools/kiln/tool.h"

extern char **environ;

#define MAX_INPUT_FILE ((size_t)GIB(2))
#define CACHE_MAX_AGE_DAYS 30

/* --- SHA-256 (FIPS 180-4), for the image cache key ------------------------------------- */

static const uint32_t sha_k[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static uint32_t ror(uint32_t x, int n) { return x >> n | x << (32 - n); }

static void sha_block(struct sha256 *s, const uint8_t *p) {
    uint32_t w[64], t[8];
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 | (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
    for (int i = 16; i < 64; i++) {
        uint32_t s0 = ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    memcpy(t, s->h, sizeof t);
    for (int i = 0; i < 64; i++) {
        uint32_t s1 = ror(t[4], 6) ^ ror(t[4], 11) ^ ror(t[4], 25);
        uint32_t ch = (t[4] & t[5]) ^ (~t[4] & t[6]);
        uint32_t x = t[7] + s1 + ch + sha_k[i] + w[i];
        uint32_t s0 = ror(t[0], 2) ^ ror(t[0], 13) ^ ror(t[0], 22);
        uint32_t maj = (t[0] & t[1]) ^ (t[0] & t[2]) ^ (t[1] & t[2]);
        uint32_t y = s0 + maj;
        memmove(t + 1, t, 7 * sizeof *t);
        t[4] += x;
        t[0] = x + y;
    }
    for (int i = 0; i < 8; i++) s->h[i] += t[i];
}

void sha256_init(struct sha256 *s) {
    static const uint32_t h0[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                   0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    memset(s, 0, sizeof *s);
    memcpy(s->h, h0, sizeof h0);
}

void sha256_update(struct sha256 *s, const void *data, size_t n) {
    const uint8_t *p = data;
    s->len += n;
    while (n) {
        if (s->nbuf == 0 && n >= 64) {
            sha_block(s, p);
            p += 64, n -= 64;
            continue;
        }
        size_t k = MIN(64 - s->nbuf, n);
        memcpy(s->buf + s->nbuf, p, k);
        s->nbuf += k, p += k, n -= k;
        if (s->nbuf == 64) sha_block(s, s->buf), s->nbuf = 0;
    }
}

void sha256_hex(struct sha256 *s, char out[65]) {
    uint64_t bits = s->len * 8;
    uint8_t pad = 0x80, zero = 0, len[8];
    sha256_update(s, &pad, 1);
    while (s->nbuf != 56) sha256_update(s, &zero, 1);
    for (int i = 0; i < 8; i++) len[i] = (uint8_t)(bits >> (56 - 8 * i));
    sha256_update(s, len, 8);
    for (int i = 0; i < 8; i++) snprintf(out + 8 * i, 9, "%08x", s->h[i]);
}

/* A field of the cache key: its name and length first, so no two
 * different inputs hash alike by shifting bytes between fields. */
static void key_field(struct sha256 *s, const char *name, const void *data, size_t n) {
    uint64_t len = n;
    sha256_update(s, name, strlen(name) + 1);
    sha256_update(s, &len, sizeof len);
    sha256_update(s, data, n);
}

/* --- the image cache ------------------------------------------------------------------- */

const char *cache_dir(struct arena *a) {
    const char *d = getenv("KILN_CACHE");
    if (d && *d) return d;
    d = getenv("XDG_CACHE_HOME");
    if (d && *d) return arena_printf(a, "%s/kiln", d);
    d = getenv("HOME");
    if (d && *d) return arena_printf(a, "%s/.cache/kiln", d);
    return arena_printf(a, "/tmp/kiln-cache-%u", (unsigned)getuid());
}

const char *tmp_dir(void) {
    const char *t = getenv("TMPDIR");
    return t && *t ? t : "/tmp";
}

void mkdir_p(const char *path) {
    char *p = xstrdup(path);
    for (char *s = p + 1;; s++) {
        if (*s && *s != '/') continue;
        char c = *s;
        *s = 0;
        if (mkdir(p, 0755) != 0 && errno != EEXIST) die("%s: cannot create the directory: %s", p, strerror(errno));
        *s = c;
        if (!c) break;
    }
    struct stat st;
    if (stat(p, &st) != 0 || !S_ISDIR(st.st_mode)) die("%s: not a directory", p);
    free(p);
}

/* Images unused for a month go when a new one is built. (Using an image
 * touches it; see boot_prepare.) */
static void prune_cache(const char *dir) {
    DIR *d = opendir(dir);
    if (!d) return;
    time_t limit = time(NULL) - (time_t)CACHE_MAX_AGE_DAYS * 24 * 3600;
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t n = strlen(de->d_name);
        if (n < 5 || strcmp(de->d_name + n - 4, ".img")) continue;
        char path[PATH_MAX];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_mtime < limit) unlink(path);
    }
    closedir(d);
}

static bool is_elf(const char *path) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) die("%s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) die("%s: not a regular file", path);
    uint8_t m[4] = {0};
    ssize_t n = read(fd, m, 4);
    close(fd);
    return n == 4 && !memcmp(m, "\x7f" "ELF", 4);
}

/* The kernel's file name without directory and extension, with only
 * characters that are safe in a file name. */
static const char *safe_stem(struct arena *a, const char *path) {
    char *s = arena_strdup(a, path_stem(a, path));
    for (char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '-' ||
              *p == '_' || *p == '.'))
            *p = '_';
    return s;
}

/* The image config text (image_config, --image-config) with its templates
 * expanded; NULL without one. */
static char *image_config_text(struct run_config *c) {
    const struct rc_value *v = &c->v[K_IMAGE_CONFIG];
    if (!v->set) return NULL;
    size_t n;
    char *raw = (char *)read_file(v->str, &n, 1 << 20);
    if (strlen(raw) != n) die("%s: NUL byte in the image config", v->str);
    char *out;
    struct rc_err e;
    bool ok = rc_expand(c, raw, v->str, &v->src, &out, &e);
    free(raw);
    if (!ok) die("%s", e.msg);
    return out;
}

/* Fills the image options from the configuration and returns where the
 * image for exactly these inputs lives in the cache. */
static const char *image_path(struct run_config *c, struct image_opts *o, char **cfg_text) {
    struct sha256 s;
    size_t n;
    sha256_init(&s);
    key_field(&s, "kiln-image-cache", "1", 1);
    key_field(&s, "version", KILN_LOADER_VERSION, strlen(KILN_LOADER_VERSION));
    key_field(&s, "stage1", kiln_stage1, (size_t)(kiln_stage1_end - kiln_stage1));
    key_field(&s, "stage2", kiln_stage2, (size_t)(kiln_stage2_end - kiln_stage2));
    /* The tool itself: every loader binary built into it (the UEFI one too)
     * and the code that lays images out, so a rebuilt kiln never reuses an
     * image an older one made. */
    if (access("/proc/self/exe", R_OK) == 0) {
        uint8_t *exe = read_file("/proc/self/exe", &n, MAX_INPUT_FILE);
        key_field(&s, "tool", exe, n);
        free(exe);
    }
    o->kind = (enum image_kind)c->v[K_KIND].num;
    key_field(&s, "kind", kind_name(o->kind), strlen(kind_name(o->kind)));
    const char *kbase = strrchr(o->kernel, '/');
    kbase = kbase ? kbase + 1 : o->kernel;
    key_field(&s, "kernel-name", kbase, strlen(kbase));
    uint8_t *k = read_file(o->kernel, &n, MAX_INPUT_FILE);
    key_field(&s, "kernel", k, n);
    free(k);
    if (c->v[K_CMDLINE].set) {
        o->cmdline = c->v[K_CMDLINE].str;
        key_field(&s, "cmdline", o->cmdline, strlen(o->cmdline));
    }
    *cfg_text = image_config_text(c);
    if (*cfg_text) key_field(&s, "config", *cfg_text, strlen(*cfg_text));
    const struct rc_list *mods = rc_clist(c, K_MODULES);
    if (mods->n > MAX_MODULES) die("more than %d modules", MAX_MODULES);
    for (size_t i = 0; i < mods->n; i++) {
        char *m = arena_strdup(&c->a, mods->items[i].str), *eq = strchr(m, '=');
        if (eq) *eq = 0;
        o->module_path[o->nmodules] = m;
        o->module_name[o->nmodules++] = eq ? eq + 1 : NULL;
        const char *name = eq ? eq + 1 : strrchr(m, '/') ? strrchr(m, '/') + 1 : m;
        key_field(&s, "module-name", name, strlen(name));
        uint8_t *data = read_file(m, &n, MAX_INPUT_FILE);
        key_field(&s, "module", data, n);
        free(data);
    }
    char hex[65];
    sha256_hex(&s, hex);
    return arena_printf(&c->a, "%s/images/%s-%.32s.img", cache_dir(&c->a), safe_stem(&c->a, o->kernel), hex);
}

/* Builds the image into the cache, atomically (image_build writes a
 * temporary file and renames it), so concurrent runs never see half an
 * image. */
static void build_image(struct boot *b, struct image_opts *o, const char *cfg_text) {
    struct run_config *c = &b->cfg;
    const char *dir = arena_strndup(&c->a, b->image, (size_t)(strrchr(b->image, '/') - b->image));
    mkdir_p(dir);
    char *cfg_path = NULL;
    if (cfg_text) {
        cfg_path = arena_printf(&c->a, "%s/config-XXXXXX", dir);
        int fd = mkstemp(cfg_path);
        if (fd < 0) die("%s: %s", cfg_path, strerror(errno));
        cleanup_add(cfg_path);
        size_t len = strlen(cfg_text);
        bool ok = write(fd, cfg_text, len) == (ssize_t)len;
        if (close(fd) != 0 || !ok) die("%s: write failed: %s", cfg_path, strerror(errno));
        o->config_file = cfg_path;
    }
    if (c->v[K_VERBOSE].num) fprintf(stderr, "kiln: building %s\n", b->image);
    o->out = b->image;
    image_build(o);
    if (cfg_path) cleanup_remove(cfg_path);
    prune_cache(dir);
}

/* --- one boot -------------------------------------------------------------------------- */

static bool from_cli(const struct rc_source *s) { return s->layer == RC_CLI || s->layer == RC_PLAN; }

/* A disk image is booted as it is: options that shape an image are
 * mistakes when typed for this boot, and ignored when they come from
 * kiln.toml (which may describe the project's kernel). */
static void check_image_target(struct boot *b) {
    struct run_config *c = &b->cfg;
    const char *target = b->image;
    const enum rc_key image_keys[] = {K_CMDLINE, K_IMAGE_CONFIG, K_KIND};
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
    if (c->v[K_FIRMWARE].num == FW_UEFI) {
        int fd = open(target, O_RDONLY | O_CLOEXEC);
        char sig[8] = {0};
        if (fd >= 0 && pread(fd, sig, 8, 512) == 8 && memcmp(sig, "EFI PART", 8))
            warnx("%s has no GPT, so OVMF will not find its EFI system partition (make it with --kind hybrid or uefi)",
                  target);
        if (fd >= 0) close(fd);
    }
}

void boot_prepare(struct boot *b, bool dry_run) {
    struct run_config *c = &b->cfg;
    const char *const *envp = (const char *const *)environ;
    struct rc_err e;
    const char *target = c->v[K_KERNEL].str;
    b->is_elf = is_elf(target);
    if (b->is_elf) {
        struct image_opts o = {.kernel = target};
        char *cfg_text;
        b->image = image_path(c, &o, &cfg_text);
        b->image_cached = file_exists(b->image);
        if (!dry_run && !b->image_cached) build_image(b, &o, cfg_text);
        else if (!dry_run) utimensat(AT_FDCWD, b->image, NULL, 0); /* recently used: not pruned */
    } else {
        b->image = target;
        check_image_target(b);
    }

    /* A dry run shows what it can and says what a real run would refuse. */
    if (!qemu_find_binary(c, envp, &b->qemu, &e)) {
        if (!dry_run) die("%s", e.msg);
        b->qemu = c->v[K_QEMU].str;
        b->note = arena_strdup(&c->a, e.msg);
    }
    if (c->v[K_FIRMWARE].num == FW_UEFI && !qemu_find_ovmf(&c->a, envp, "", &b->ovmf_code, &b->ovmf_vars, &e)) {
        if (!dry_run) die("%s", e.msg);
        b->ovmf_code = "OVMF_CODE.fd";
        b->ovmf_vars = "OVMF_VARS.fd";
        b->note = arena_strdup(&c->a, e.msg);
    }
    if (c->v[K_ACCEL].num == ACCEL_KVM) {
        char why[256];
        if (!qemu_kvm_usable("/dev/kvm", why, sizeof why)) {
            const char *msg = arena_printf(&c->a, "accel kvm (%s): KVM is not usable: %s; the default, tcg, needs "
                                                  "no KVM",
                                           rc_source_str(&c->a, &c->v[K_ACCEL].src), why);
            if (!dry_run) die("%s", msg);
            b->note = msg;
        }
    }
    b->timeout_s = c->v[K_GDB].num ? 0 : (int)c->v[K_TIMEOUT].num;
    if (dry_run) {
        struct qemu_inputs in = {
            b->qemu, b->image, b->ovmf_code,
            b->ovmf_vars ? arena_printf(&c->a, "%s/kiln-vars-XXXXXX.fd", tmp_dir()) : NULL,
            c->v[K_MONITOR].num ? arena_printf(&c->a, "%s/kiln-serial-PID-N.sock", tmp_dir()) : NULL};
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

bool boot_start(struct boot *b, bool live, bool forward_stdin, int log_fd, struct rc_err *e) {
    struct run_config *c = &b->cfg;
    static unsigned seq;
    b->vars_copy = b->ovmf_vars ? copy_vars(b) : NULL;
    const char *sock = c->v[K_MONITOR].num
                           ? arena_printf(&c->a, "%s/kiln-serial-%d-%u.sock", tmp_dir(), (int)getpid(), seq++)
                           : NULL;
    struct qemu_inputs in = {b->qemu, b->image, b->ovmf_code, b->vars_copy, sock};
    if (!qemu_argv(c, &in, &b->argv, &b->argc, e) || !watch_init(&b->watch, c, e)) {
        watch_free(&b->watch);
        return false;
    }
    b->started = true;
    b->sess = (struct session){.argv = b->argv, .live = live, .forward_stdin = forward_stdin,
                               .monitor = c->v[K_MONITOR].num != 0, .serial_socket = sock, .log_fd = log_fd,
                               .timeout_s = b->timeout_s, .watch = &b->watch};
    if (c->v[K_VERBOSE].num) fprintf(stderr, "kiln: running %s\n", shell_join(&c->a, b->argv));
    return session_start(&b->sess, e);
}

void boot_finish(struct boot *b) {
    struct outcome o;
    session_outcome(&b->sess, &o);
    b->seconds = (b->sess.exited ? b->sess.end : now_s()) - b->sess.start;
    verdict_compute(&b->cfg, &o, &b->verdict);
    if (b->vars_copy) cleanup_remove(b->vars_copy);
    b->vars_copy = NULL;
}

void boot_free(struct boot *b) {
    if (b->started) {
        session_free(&b->sess);
        watch_free(&b->watch);
    }
    if (b->vars_copy) cleanup_remove(b->vars_copy);
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
    else
        fprintf(f, "%-13s = %s  (a disk image, booted as it is: snapshot=on, never written)\n", "image", b->image);
    fprintf(f, "%-13s = %s\n", "qemu binary", b->qemu);
    if (b->ovmf_code) {
        fprintf(f, "%-13s = %s\n", "ovmf code", b->ovmf_code);
        fprintf(f, "%-13s = %s  (copied to a new temporary file for each run)\n", "ovmf vars", b->ovmf_vars);
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

/* --- the terminal ------------------------------------------------------------------------ */

static struct termios saved_tty;
static bool tty_changed;

static void tty_restore(void) {
    if (tty_changed) tcsetattr(0, TCSANOW, &saved_tty);
    tty_changed = false;
}

/* Keys go to the guest as they are typed, unechoed (the guest echoes), as
 * QEMU's own -serial stdio does; Ctrl-C still stops the run. */
static void tty_raw(void) {
    struct termios t;
    if (tcgetattr(0, &saved_tty) != 0) return;
    t = saved_tty;
    t.c_lflag &= ~(tcflag_t)(ECHO | ECHONL | ICANON | IEXTEN);
    t.c_iflag &= ~(tcflag_t)(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
    t.c_cc[VMIN] = 1;
    t.c_cc[VTIME] = 0;
    if (tcsetattr(0, TCSANOW, &t) == 0) {
        tty_changed = true;
        atexit(tty_restore);
    }
}

/* --- kiln run ------------------------------------------------------------------------------ */

static void usage_run(void) {
    puts("usage: kiln run TARGET [options] [-- QEMU arguments...]\n"
         "Boot a kernel ELF (kiln builds and caches its image) or a disk image (booted as it is, never\n"
         "written) in QEMU, with the serial port on this terminal. Settings also come from kiln.toml,\n"
         "a profile and KILN_* variables (docs/running.md); the command line wins.\n"
         "\n"
         "machine:\n"
         "  --firmware bios|uefi    SeaBIOS (default) or OVMF (needs a hybrid or uefi image)\n"
         "  --kind hybrid|bios|uefi image kind built from a kernel (default hybrid)\n"
         "  --machine q35|pc        machine type (default q35)\n"
         "  --disk ide|ahci|nvme|virtio|usb\n"
         "                          disk controller (default ahci on q35, ide on pc)\n"
         "  --memory MIB            RAM in MiB, or with a suffix: 512M, 2G (default 256)\n"
         "  --cpus N                processors, 1..255 (default 1)\n"
         "  --accel tcg|kvm         tcg (default; see docs/running.md) or kvm (must be usable)\n"
         "  --net, --no-net         a network card (default none)\n"
         "  --gui, --no-gui         a display window (default none: -display none)\n"
         "  --qemu PROGRAM          the QEMU binary (default qemu-system-x86_64 from PATH)\n"
         "  -- ARGS...              more QEMU arguments, after all the others\n"
         "image (TARGET is a kernel ELF):\n"
         "  --cmdline STR           kernel command line; {{KERNEL}}, {{KERNEL_NAME}}, {{IS_TEST}},\n"
         "                          {{PROJECT_DIR}} and [vars] are expanded ({{{{ is a literal {{)\n"
         "  --module FILE[=NAME]    add a module (repeatable)\n"
         "  --image-config FILE     image config text (docs/config.md), templates expanded\n"
         "debugging:\n"
         "  --gdb                   start halted with a gdb stub on :1234 (-s -S); prints the gdb command\n"
         "  --monitor               the QEMU monitor on this terminal (serial output still shown)\n"
         "  --log FILE              a copy of the serial output\n"
         "  --debugcon FILE         port 0xE9 output to FILE\n"
         "  -v, --verbose           print the QEMU command before running it\n"
         "  --dry-run               print the resolved settings, each with its source, and the QEMU\n"
         "                          command line; run nothing\n"
         "testing:\n"
         "  --test                  test mode: isa-debug-exit and -no-reboot; exit 0 only when the kernel\n"
         "                          writes 0x10 to port 0xf4 (QEMU exit 33) and prints no [FAIL] line\n"
         "  --timeout S             stop QEMU after S seconds, exit 124 (test mode default 60; 0 = none)\n"
         "  --expect REGEX          a serial line must match, in this order (repeatable)\n"
         "  --reply PATTERN=TEXT    when PATTERN appears, type TEXT once (\\n \\r \\t \\e \\\\ \\xHH; \\= in\n"
         "                          PATTERN is a literal '=')\n"
         "  --pass-on REGEX         a matching line ends the run as a success (after every --expect)\n"
         "  --expect-fail[=REGEX]   the boot must fail (and its reason match REGEX); inverts the verdict\n"
         "configuration:\n"
         "  --config FILE           the project file (default: the nearest kiln.toml upwards)\n"
         "  --no-config             no project file\n"
         "  --profile NAME          apply [profile.NAME] from kiln.toml (or KILN_PROFILE)\n"
         "\n"
         "exit status: QEMU's (run mode); in test mode 0 passed, 1 failed, 124 timed out; 130 after Ctrl-C.\n"
         "\n"
         "examples:\n"
         "  kiln run build/kernel.elf\n"
         "  kiln run build/kernel.elf --firmware uefi --memory 2G --cpus 4 --cmdline 'log=debug'\n"
         "  kiln run disk.img --machine pc --disk usb --gui\n"
         "  kiln run build/kernel.elf --gdb\n"
         "  kiln run build/kernel.elf --test --timeout 30 --expect 'kernel: ready' --reply 'login: =root\\n'\n"
         "  kiln run build/kernel.elf --dry-run --profile ci\n"
         "  kiln run build/kernel.elf -- -d int,cpu_reset -D qemu.log");
}

int cmd_run(int argc, char **argv) {
    struct arena a = {0};
    struct rc_cli cli = {0};
    struct rc_err e;
    const struct rc_source base = {RC_CLI, NULL, 0, NULL, NULL};
    if (!rc_parse_cli(&a, argc, argv, &base, &cli, NULL, NULL, &e)) die("run: %s (see kiln run --help)", e.msg);
    if (cli.help) {
        usage_run();
        arena_free(&a);
        return 0;
    }
    struct boot b;
    memset(&b, 0, sizeof b);
    rc_init(&b.cfg);
    struct rc_ctx ctx = {(const char *const *)environ, NULL, false};
    if (!rc_resolve(&b.cfg, &cli, NULL, &ctx, &e)) die("%s", e.msg);
    struct run_config *c = &b.cfg;
    boot_prepare(&b, cli.dry_run);
    if (cli.dry_run) {
        boot_print_dry_run(stdout, &b);
        boot_free(&b);
        arena_free(&a);
        return 0;
    }

    int log_fd = -1;
    if (c->v[K_LOG].set) {
        log_fd = open(c->v[K_LOG].str, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (log_fd < 0) die("--log %s: %s", c->v[K_LOG].str, strerror(errno));
    }
    /* In run mode the user types to the guest: from a terminal only when
     * kiln runs in the foreground (reading it otherwise stops the job). */
    bool forward = !c->test && !c->v[K_MONITOR].num;
    bool tty = isatty(0);
    if (forward && tty && tcgetpgrp(0) != getpgrp()) forward = false;
    if (c->v[K_GDB].num) {
        fprintf(stderr, "kiln: QEMU waits for gdb on localhost:1234; attach with:\n    %s\n", gdb_command(&b));
        if (c->test && c->v[K_TIMEOUT].num) fprintf(stderr, "kiln: --gdb: no timeout while debugging\n");
    }
    qemu_install_signals();
    if (forward && tty) tty_raw();
    if (!boot_start(&b, true, forward, log_fd, &e)) die("%s", e.msg);
    struct session *s = &b.sess;
    while (!session_done(s)) {
        if (qemu_signalled && !s->interrupted) {
            s->interrupted = true;
            session_stop(s);
        }
        sessions_poll(&s, 1, 200);
    }
    tty_restore();
    if (log_fd >= 0 && close(log_fd) != 0) warnx("--log %s: %s", c->v[K_LOG].str, strerror(errno));
    boot_finish(&b);
    const struct verdict *v = &b.verdict;
    int status = v->exit_code;
    const char *nl = b.watch.len ? "\n" : ""; /* after an unfinished serial line */
    if (s->interrupted) {
        fprintf(stderr, "%skiln: interrupted\n", nl);
    } else if (c->test) {
        if (b.sess.timed_out && !v->passed) fprintf(stderr, "%skiln: test timed out after %d s\n", nl, b.timeout_s);
        else if (!v->passed) fprintf(stderr, "%skiln: test failed: %s (%.1f s)\n", nl, v->reason, b.seconds);
        else if (v->reason[0]) fprintf(stderr, "%skiln: test passed: %s (%.1f s)\n", nl, v->reason, b.seconds);
        else fprintf(stderr, "%skiln: test passed (%.1f s)\n", nl, b.seconds);
        if (!v->passed) boot_print_tail(&b, stderr, "    ");
    } else if (v->reason[0] && (b.sess.timed_out || b.sess.guest_stuck || b.watch.next_expect < b.watch.nexpect)) {
        fprintf(stderr, "%skiln: %s\n", nl, v->reason);
    }
    boot_free(&b);
    arena_free(&a);
    return status;
}
