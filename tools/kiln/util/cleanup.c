/* cleanup.c - files removed and processes killed at exit (see cleanup.h). */
#include "tools/kiln/util/cleanup.h"

#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/util.h"
#include "tools/kiln/util/die.h"

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
    /* Files first, then (empty by then) directories such as kiln image's ISO staging directory. */
    for (size_t i = 0; i < ncleanup; i++) unlink(cleanup_files[i]);
    for (size_t i = 0; i < ncleanup; i++) {
        rmdir(cleanup_files[i]);
        free(cleanup_files[i]);
    }
    free(cleanup_files);
    cleanup_files = NULL;
    ncleanup = 0;
}

/* From a signal handler: only unlink, rmdir and kill, which are safe there
 * (nothing freed: the process is about to end). */
void cleanup_now_from_signal(void) {
    for (size_t i = 0; i < ARRAY_LEN(live_pids); i++)
        if (live_pids[i] > 0) kill(live_pids[i], SIGKILL);
    for (size_t i = 0; i < ncleanup; i++) unlink(cleanup_files[i]);
    for (size_t i = 0; i < ncleanup; i++) rmdir(cleanup_files[i]);
}

void cleanup_install(void) {
    static bool done;
    if (!done) atexit(cleanup_at_exit);
    done = true;
}

void cleanup_add(const char *path) {
    cleanup_install();
    char **n = xmalloc((ncleanup + 1) * sizeof *n);
    if (ncleanup) memcpy(n, cleanup_files, ncleanup * sizeof *n);
    free(cleanup_files);
    cleanup_files = n;
    cleanup_files[ncleanup++] = xstrdup(path);
}

void cleanup_remove(const char *path) {
    if (unlink(path) != 0) rmdir(path);
    for (size_t i = 0; i < ncleanup; i++)
        if (!strcmp(cleanup_files[i], path)) {
            free(cleanup_files[i]);
            cleanup_files[i] = cleanup_files[--ncleanup];
            return;
        }
}

/* Replaces the slot holding old (0: a free one) with new. */
static void swap_pid(pid_t old, pid_t new) {
    for (size_t i = 0; i < ARRAY_LEN(live_pids); i++)
        if (live_pids[i] == old) {
            live_pids[i] = new;
            return;
        }
}

void cleanup_add_pid(pid_t pid) {
    cleanup_install();
    swap_pid(0, pid);
}

void cleanup_remove_pid(pid_t pid) { swap_pid(pid, 0); }
