/* die.c - fatal errors, warnings and allocation that cannot fail (see
 * die.h); and the check that everything written to stdout got there. */
#include "tools/kiln/util/die.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void die(const char *fmt, ...) {
    va_list ap;
    fflush(stdout);
    fputs("kiln: error: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
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

/* Every command's output goes to stdout through stdio: a write that failed
 * (a full disk, /dev/full) must not end in exit status 0. */
static void check_stdout(void) {
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "kiln: error: writing to standard output failed: %s\n", strerror(errno));
        _exit(1);
    }
}
__attribute__((constructor)) static void register_stdout_check(void) { atexit(check_stdout); }
