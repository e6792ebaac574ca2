/* imgcache.c - the image cache: a kernel ELF becomes a disk image once per
 * distinct input. The key is a SHA-256 over everything that shapes the
 * image (the kernel, modules, kind, command line, image config, the Kiln
 * version and the tool itself); images are built atomically and those
 * unused for a month are removed when a new one is built. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/version.h"
#include "tools/kiln/boot.h"
#include "tools/kiln/tool.h"

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

bool mkdir_try(const char *path, char *why, size_t whysz) {
    char *p = xstrdup(path);
    bool ok = true;
    for (char *s = p + 1; ok; s++) {
        if (*s && *s != '/') continue;
        char c = *s;
        *s = 0;
        if (mkdir(p, 0755) != 0 && errno != EEXIST)
            ok = false, snprintf(why, whysz, "%s: cannot create the directory: %s", p, strerror(errno));
        *s = c;
        if (!c) break;
    }
    struct stat st;
    if (ok && (stat(p, &st) != 0 || !S_ISDIR(st.st_mode))) ok = false, snprintf(why, whysz, "%s: not a directory", p);
    free(p);
    return ok;
}

void mkdir_p(const char *path) {
    char why[PATH_MAX + 128];
    if (!mkdir_try(path, why, sizeof why)) die("%s", why);
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

bool file_is_elf(const char *path) {
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
const char *imgcache_path(struct run_config *c, struct image_opts *o, char **cfg_text) {
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
void imgcache_build(struct run_config *c, const char *image, struct image_opts *o, const char *cfg_text) {
    const char *dir = arena_strndup(&c->a, image, (size_t)(strrchr(image, '/') - image));
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
    if (c->v[K_VERBOSE].num) fprintf(stderr, "kiln: building %s\n", image);
    o->out = image;
    image_build(o);
    if (cfg_path) cleanup_remove(cfg_path);
    prune_cache(dir);
}

