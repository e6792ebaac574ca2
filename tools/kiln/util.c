/* util.c - error reporting, file input and atomic file output. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tools/kiln/tool.h"

/* The temporary file in progress, removed by die() and by signals. */
static char *pending_tmp;

static void remove_pending(void) {
    if (pending_tmp) unlink(pending_tmp);
}

static void on_signal(int sig) {
    remove_pending();
    signal(sig, SIG_DFL);
    raise(sig);
}

void die(const char *fmt, ...) {
    va_list ap;
    fflush(stdout);
    fputs("kiln: error: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    remove_pending();
    exit(1);
}

void warnx(const char *fmt, ...) {
    va_list ap;
    fputs("kiln: warning: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

void *xmalloc(size_t n) {
    void *p = malloc(n ? n : 1);
    if (!p) die("out of memory (%zu bytes)", n);
    return p;
}

void *xcalloc(size_t n, size_t m) {
    void *p = calloc(n ? n : 1, m ? m : 1);
    if (!p) die("out of memory");
    return p;
}

char *xstrdup(const char *s) {
    char *p = strdup(s);
    if (!p) die("out of memory");
    return p;
}

bool file_exists(const char *path) {
    struct stat st;
    return stat(path, &st) == 0;
}

uint8_t *read_file(const char *path, size_t *size, size_t max) {
    FILE *f = fopen(path, "rb");
    if (!f) die("%s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fileno(f), &st) != 0) die("%s: %s", path, strerror(errno));
    if (S_ISDIR(st.st_mode)) die("%s: is a directory", path);
    if (!S_ISREG(st.st_mode)) die("%s: not a regular file", path);
    if ((uint64_t)st.st_size > max)
        die("%s: %lld bytes is more than the %zu-byte limit", path, (long long)st.st_size, max);
    size_t n = (size_t)st.st_size;
    uint8_t *buf = xmalloc(n + 1);
    if (n && fread(buf, 1, n, f) != n) die("%s: read error: %s", path, ferror(f) ? strerror(errno) : "short read");
    fclose(f);
    buf[n] = 0;
    *size = n;
    return buf;
}

void out_open(struct out_file *o, const char *path) {
    o->path = xstrdup(path);
    size_t n = strlen(path) + 16;
    o->tmp = xmalloc(n);
    snprintf(o->tmp, n, "%s.tmpXXXXXX", path);
    o->fd = mkstemp(o->tmp);
    if (o->fd < 0) die("%s: cannot create output: %s", path, strerror(errno));
    pending_tmp = o->tmp;
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
