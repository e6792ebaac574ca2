/* files.c - reading files, writing them atomically, directories and file
 * names (see files.h). */
#include "tools/kiln/util/files.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/util.h"
#include "tools/kiln/util/cleanup.h"
#include "tools/kiln/util/die.h"

/* The temporary file in progress, removed at exit (die() exits) and by
 * signals. */
static char *pending_tmp;

static void remove_pending(void) {
    if (pending_tmp) unlink(pending_tmp);
}

static void on_signal(int sig) {
    remove_pending();
    cleanup_now_from_signal(); /* e.g. the ISO's staging folder */
    signal(sig, SIG_DFL);
    raise(sig);
}

bool file_exists(const char *path) {
    struct stat st;
    return stat(path, &st) == 0;
}

static uint8_t *read_any(const char *path, size_t *size, size_t max, bool regular_only) {
    /* Checked before opening too: opening a FIFO nobody writes to would
     * block. */
    struct stat st;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode) &&
        (regular_only || !S_ISFIFO(st.st_mode)))
        die("%s: not a regular file (its size cannot be known before reading it)", path);
    FILE *f = fopen(path, "rb");
    if (!f) die("%s: %s", path, strerror(errno));
    if (fstat(fileno(f), &st) != 0) die("%s: %s", path, strerror(errno));
    if (S_ISDIR(st.st_mode)) die("%s: is a directory", path);
    if (!S_ISREG(st.st_mode) && (regular_only || !S_ISFIFO(st.st_mode)))
        die("%s: not a regular file (its size cannot be known before reading it)", path);
    if (S_ISREG(st.st_mode) && (uint64_t)st.st_size > max)
        die("%s: %lld bytes is more than the %zu-byte limit", path, (long long)st.st_size, max);
    /* Regular files are read in one go; pipes (e.g. `--config <(...)`) in
     * chunks, with the same limit. */
    size_t cap = S_ISREG(st.st_mode) ? (size_t)st.st_size + 1 : 65536, n = 0;
    uint8_t *buf = xmalloc(cap);
    for (;;) {
        if (n == cap - 1 && S_ISREG(st.st_mode)) { /* read st_size bytes: is there more? */
            int c = fgetc(f);
            if (c == EOF) break;
            die("%s: the file grew while it was being read", path);
        }
        if (n == cap - 1) {
            if (cap - 1 >= max + 1) die("%s: more than the %zu-byte limit", path, max);
            cap = cap * 2 > max + 2 ? max + 2 : cap * 2;
            uint8_t *nb = realloc(buf, cap);
            if (!nb) die("out of memory reading %s", path);
            buf = nb;
        }
        size_t got = fread(buf + n, 1, cap - 1 - n, f);
        n += got;
        if (got == 0) break;
    }
    if (ferror(f)) die("%s: read error: %s", path, strerror(errno));
    if (n > max) die("%s: more than the %zu-byte limit", path, max);
    fclose(f);
    buf[n] = 0;
    *size = n;
    return buf;
}

uint8_t *read_file(const char *path, size_t *size, size_t max) { return read_any(path, size, max, false); }
uint8_t *read_regular_file(const char *path, size_t *size, size_t max) { return read_any(path, size, max, true); }

void out_reopen(struct out_file *o) {
    close(o->fd);
    o->fd = open(o->tmp, O_RDWR | O_CLOEXEC);
    if (o->fd < 0) die("%s: cannot open the output again: %s", o->tmp, strerror(errno));
}

void out_open(struct out_file *o, const char *path) {
    /* The file is replaced by renaming a new one over it, so only ever
     * replace regular files: renaming over a device node (kiln image -o
     * /dev/sdX) would delete the node and write nothing to the disk. A
     * symbolic link is followed, and its target replaced. */
    struct stat st;
    char *real = NULL;
    if (lstat(path, &st) == 0) {
        if (S_ISLNK(st.st_mode)) {
            real = realpath(path, NULL);
            if (!real || stat(real, &st) != 0) die("%s: a symbolic link to nowhere", path);
        }
        if (!S_ISREG(st.st_mode))
            die("%s: exists and is not a regular file; kiln writes image files (to write a disk or a USB stick, "
                "use dd: see README.md)", path);
        if (real) path = real;
    }
    o->path = xstrdup(path);
    free(real);
    path = o->path;
    size_t n = strlen(path) + 16;
    o->tmp = xmalloc(n);
    snprintf(o->tmp, n, "%s.tmpXXXXXX", path);
    o->fd = mkstemp(o->tmp);
    if (o->fd < 0) die("%s: cannot create output: %s", path, strerror(errno));
    pending_tmp = o->tmp;
    static bool at_exit;
    if (!at_exit) atexit(remove_pending);
    at_exit = true;
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    signal(SIGHUP, on_signal);
}

void out_write_at(struct out_file *o, const void *buf, size_t n, uint64_t off) {
    const uint8_t *p = buf;
    while (n) {
        ssize_t w = pwrite(o->fd, p, n, (off_t)off);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) die("%s: write failed: %s", o->path, w < 0 ? strerror(errno) : "no space");
        p += w, n -= (size_t)w, off += (uint64_t)w;
    }
}

void out_truncate(struct out_file *o, uint64_t size) {
    if (ftruncate(o->fd, (off_t)size) != 0) die("%s: cannot size the output: %s", o->path, strerror(errno));
}

void out_commit(struct out_file *o) {
    if (fchmod(o->fd, 0644) != 0) die("%s: %s", o->path, strerror(errno));
    if (fsync(o->fd) != 0 && errno != EINVAL) die("%s: %s", o->path, strerror(errno));
    if (close(o->fd) != 0) die("%s: close failed: %s", o->path, strerror(errno));
    if (rename(o->tmp, o->path) != 0) die("%s: %s", o->path, strerror(errno));
    pending_tmp = NULL;
    free(o->tmp);
    free(o->path);
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

const char *path_stem(struct arena *a, const char *path) {
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    const char *dot = strrchr(b, '.');
    return dot && dot != b ? arena_strndup(a, b, (size_t)(dot - b)) : b;
}

const char *tmp_dir(void) {
    const char *t = getenv("TMPDIR");
    return t && *t ? t : "/tmp";
}

bool mkdir_try(const char *path, kiln_err *e) {
    char *p = xstrdup(path);
    bool ok = true;
    for (char *s = p + 1; ok; s++) {
        if (*s && *s != '/') continue;
        char c = *s;
        *s = 0;
        if (mkdir(p, 0755) != 0 && errno != EEXIST)
            ok = err_set(e, "%s: cannot create the directory: %s", p, strerror(errno));
        *s = c;
        if (!c) break;
    }
    struct stat st;
    if (ok && (stat(p, &st) != 0 || !S_ISDIR(st.st_mode))) ok = err_set(e, "%s: not a directory", p);
    free(p);
    return ok;
}

void mkdir_p(const char *path) {
    kiln_err e;
    if (!mkdir_try(path, &e)) die("%s", e.msg);
}

/* The directory of the running kiln binary, or NULL. */
static const char *exe_dir(char *buf, size_t n) {
    ssize_t len = readlink("/proc/self/exe", buf, n - 1);
    if (len <= 0) return NULL;
    buf[len] = 0;
    *strrchr(buf, '/') = 0;
    return buf;
}

/* The first of cands (relative to kiln's own directory) holding file. */
static const char *find_near_exe(const char *const *cands, size_t n, const char *file) {
    static char dir[PATH_MAX];
    char exe[PATH_MAX], probe[PATH_MAX + 64];
    if (!exe_dir(exe, sizeof exe)) return NULL;
    for (size_t i = 0; i < n; i++) {
        snprintf(probe, sizeof probe, "%s/%s/%s", exe, cands[i], file);
        if (!file_exists(probe)) continue;
        snprintf(probe, sizeof probe, "%s/%s", exe, cands[i]);
        if (realpath(probe, dir)) return dir;
    }
    return NULL;
}

/* Kiln's data directory: kernel-example, the gdb script, the loader
 * binaries. $KILN_DATADIR if set; otherwise next to the executable:
 * ../share/kiln when installed, .. in a source tree (build/kiln). */
const char *kiln_datadir(void) {
    const char *env = getenv("KILN_DATADIR");
    if (env && *env) {
        char probe[PATH_MAX + 64];
        snprintf(probe, sizeof probe, "%s/kernel-example/main.c", env);
        return file_exists(probe) ? env : NULL;
    }
    static const char *cands[] = {"../share/kiln", ".."}; /* installed; build/ of a source tree */
    return find_near_exe(cands, ARRAY_LEN(cands), "kernel-example/main.c");
}

const char *kiln_pkgconfig_dir(void) {
    static const char *cands[] = {"../lib/pkgconfig", "lib/pkgconfig"}; /* installed; build/ of a source tree */
    return find_near_exe(cands, ARRAY_LEN(cands), "kiln.pc");
}
