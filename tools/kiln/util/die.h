/* die.h - the tool's fatal errors and warnings, and allocation that cannot
 * fail (it dies instead): what every part of the tool reports through. */
#ifndef KILN_TOOL_DIE_H
#define KILN_TOOL_DIE_H

#include <stddef.h>

/* Prints "kiln: error: ..." and exits 1 (an output file in progress is
 * removed at exit: see out_open in files.h). */
__attribute__((noreturn, format(printf, 1, 2))) void die(const char *fmt, ...);
/* Prints "kiln: warning: ...". */
__attribute__((format(printf, 1, 2))) void warnx(const char *fmt, ...);
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t m);
char *xstrdup(const char *s);

#endif
