/* logfiles.c - the files a run writes besides the image (see run.h): copies
 * of the serial output (--log, --log-dir) and the --junit report's target,
 * checked before anything runs. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tools/kiln/run/run.h"
#include "tools/kiln/util/die.h"

static const char *file_type(mode_t m) {
    return S_ISDIR(m) ? "a directory" : S_ISBLK(m) ? "a block device" : S_ISCHR(m) ? "a character device"
           : S_ISFIFO(m) ? "a FIFO" : S_ISSOCK(m) ? "a socket" : "not a regular file";
}

const char *log_target_problem(struct arena *a, const char *path) {
    struct stat st;
    if (stat(path, &st) != 0) return NULL; /* a new file (or an error open reports) */
    if (S_ISREG(st.st_mode) || S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode)) return NULL;
    return arena_printf(a, "is %s; the serial output goes to a file, a FIFO or a terminal", file_type(st.st_mode));
}

int log_open(const char *path, const char *what) {
    struct arena a = {0};
    const char *p = log_target_problem(&a, path);
    if (p) die("%s: %s", what, p);
    arena_free(&a);
    struct stat st;
    bool exists = stat(path, &st) == 0;
    int fd;
    if (exists && S_ISFIFO(st.st_mode)) {
        /* Written in place. Opening waits for a reader, as a shell's
         * redirection does, but says so. */
        fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0 && errno == ENXIO) {
            fprintf(stderr, "kiln: %s: waiting for a reader of the FIFO\n", what);
            do fd = open(path, O_WRONLY | O_CLOEXEC);
            while (fd < 0 && errno == EINTR);
            if (fd >= 0) fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
        }
    } else if (exists && S_ISCHR(st.st_mode)) {
        fd = open(path, O_WRONLY | O_CLOEXEC); /* a terminal, /dev/null: in place */
    } else {
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    }
    if (fd < 0) die("%s: %s", what, strerror(errno));
    return fd;
}

void log_rewind(int fd) {
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && ftruncate(fd, 0) == 0) lseek(fd, 0, SEEK_SET);
}

void report_target_check(const char *path, const char *what) {
    struct stat st;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
        die("%s: exists and is %s; the report is written to a new file renamed into place, so name a regular file",
            what, file_type(st.st_mode));
    const char *slash = strrchr(path, '/');
    char *dir = slash ? xstrdup(path) : xstrdup(".");
    if (slash) dir[slash == path ? 1 : slash - path] = 0;
    size_t n = strlen(dir) + 32;
    char *probe = xmalloc(n);
    snprintf(probe, n, "%s/.kiln-report-XXXXXX", dir);
    int fd = mkstemp(probe);
    if (fd < 0) die("%s: cannot write in %s: %s", what, dir, strerror(errno));
    close(fd);
    unlink(probe);
    free(probe);
    free(dir);
}
