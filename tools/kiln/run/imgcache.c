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
#include "format/pxe.h"
#include "tools/kiln/run/imgcache.h"
#include "tools/kiln/util/cleanup.h"
#include "tools/kiln/util/die.h"
#include "core/sha256.h"

#define MAX_INPUT_FILE ((size_t)GIB(2))
#define CACHE_MAX_AGE_DAYS 30

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

/* Images unused for a month go when a new one is built. (Using an image
 * touches it; see boot_prepare.) */
static void prune_cache(const char *dir) {
    DIR *d = opendir(dir);
    if (!d) return;
    time_t limit = time(NULL) - (time_t)CACHE_MAX_AGE_DAYS * 24 * 3600;
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t n = strlen(de->d_name);
        bool pxe = n >= 5 && !strcmp(de->d_name + n - 4, ".pxe");
        if (n < 5 || (strcmp(de->d_name + n - 4, ".img") && !pxe)) continue;
        char path[PATH_MAX];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        if (stat(path, &st) != 0 || st.st_mtime >= limit) continue;
        if (S_ISREG(st.st_mode) && !pxe) unlink(path);
        if (S_ISDIR(st.st_mode) && pxe) { /* a network-boot folder: its three files, then itself */
            static const char *const files[] = {PXE_BIOS_NAME, PXE_UEFI_NAME, PXE_PAYLOAD_NAME};
            char f[PATH_MAX + 32];
            for (size_t i = 0; i < ARRAY_LEN(files); i++) {
                snprintf(f, sizeof f, "%s/%s", path, files[i]);
                unlink(f);
            }
            rmdir(path);
        }
    }
    closedir(d);
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
    kiln_err e;
    bool ok = rc_expand(c, raw, v->str, &v->src, &out, &e);
    free(raw);
    if (!ok) die("%s", e.msg);
    return out;
}

/* Fills the image options from the configuration and returns where the
 * image for exactly these inputs lives in the cache. */
const char *imgcache_path(struct run_config *c, struct image_opts *o, char **cfg_text) {
    image_opts_from(c, o);
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
    key_field(&s, "kind", kind_name(o->kind), strlen(kind_name(o->kind)));
    const char *kbase = strrchr(o->kernel, '/');
    kbase = o->kernel_name ? o->kernel_name : kbase ? kbase + 1 : o->kernel;
    key_field(&s, "kernel-name", kbase, strlen(kbase));
    uint8_t *k = read_regular_file(o->kernel, &n, MAX_INPUT_FILE);
    key_field(&s, "kernel", k, n);
    free(k);
    if (o->cmdline) key_field(&s, "cmdline", o->cmdline, strlen(o->cmdline));
    if (o->log_level) key_field(&s, "loader-log", o->log_level, strlen(o->log_level));
    if (o->fb) key_field(&s, "loader-fb", o->fb, strlen(o->fb));
    if (o->serial) key_field(&s, "loader-serial", o->serial, strlen(o->serial));
    *cfg_text = image_config_text(c);
    if (*cfg_text) key_field(&s, "config", *cfg_text, strlen(*cfg_text));
    for (int i = 0; i < o->nmodules; i++) {
        const char *m = o->module_path[i], *name = o->module_name[i];
        if (!name) name = strrchr(m, '/') ? strrchr(m, '/') + 1 : m;
        key_field(&s, "module-name", name, strlen(name));
        uint8_t *data = read_regular_file(m, &n, MAX_INPUT_FILE);
        key_field(&s, "module", data, n);
        free(data);
    }
    /* A signed image depends on the key and certificate (sign.c). */
    const char *signing[] = {o->sign_key, o->sign_cert};
    for (size_t i = 0; i < ARRAY_LEN(signing); i++) {
        if (!signing[i]) continue;
        uint8_t *data = read_file(signing[i], &n, MAX_INPUT_FILE);
        key_field(&s, i ? "sign-cert" : "sign-key", data, n);
        free(data);
    }
    char hex[65];
    sha256_hex(&s, hex);
    /* kind pxe: a folder (tools/kiln/image/pxedir.c) */
    return arena_printf(&c->a, "%s/images/%s-%.32s.%s", cache_dir(&c->a), safe_stem(&c->a, o->kernel), hex,
                        o->kind == KIND_PXE ? "pxe" : "img");
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

