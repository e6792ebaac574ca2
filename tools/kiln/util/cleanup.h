/* cleanup.h - what is left to undo when the tool exits, also after die()
 * or a signal that ends a run: temporary files to remove and child
 * processes (QEMUs) to kill. */
#ifndef KILN_TOOL_CLEANUP_H
#define KILN_TOOL_CLEANUP_H

#include <sys/types.h>

/* Arms the exit handler now rather than on the first cleanup_add or
 * cleanup_add_pid: exit handlers run in the reverse order of arming. */
void cleanup_install(void);
/* What the exit handler removes and kills, done from a signal handler that
 * then ends the process (a signal's default action skips exit handlers). */
void cleanup_now_from_signal(void);
void cleanup_add(const char *path); /* a file, or a directory (removed after the files) */
void cleanup_remove(const char *path); /* removes the file now */
/* At most 256 processes at once; more are not killed at exit. */
void cleanup_add_pid(pid_t pid);
void cleanup_remove_pid(pid_t pid); /* it exited */

#endif
