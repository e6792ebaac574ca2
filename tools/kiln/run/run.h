/* run.h - the run part of the tool: `kiln run` (run.c) and `kiln test`
 * (test.c), and the files they write besides the image (logfiles.c). A
 * boot's parts: oneboot.h (one boot), qemu.h (QEMU, OVMF, KVM, the command
 * line), session.h (the QEMU processes), watch.h (serial output and
 * verdicts), imgcache.h (a kernel's image, built once). */
#ifndef KILN_TOOL_RUN_H
#define KILN_TOOL_RUN_H

#include "tools/kiln/util/arena.h"

int cmd_run(int argc, char **argv);
int cmd_test(int argc, char **argv);

/* --- the files a run writes ------------------------------------------------------------ */

/* What is wrong with path as a copy of the serial output (a regular file,
 * created or truncated; a FIFO or a terminal, written in place), or NULL. */
const char *log_target_problem(struct arena *a, const char *path);
/* Opens it (what names it in messages: "--log x.log"); dies on errors.
 * For a FIFO without a reader it says so and waits for one. */
int log_open(const char *path, const char *what);
/* Empties a log for a restarted boot (a regular file; others are left). */
void log_rewind(int fd);
/* A report (--junit) is written to a new file renamed over path: path must
 * be a regular file or not exist, and its directory writable. Dies
 * otherwise, before anything runs. */
void report_target_check(const char *path, const char *what);

#endif
