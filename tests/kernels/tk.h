/* tk.h - the library of Kiln's test kernels: print to COM1, record checks
 * as "[PASS] name" / "[FAIL] name: why" lines (the lines `kiln test`
 * counts), then leave QEMU through isa-debug-exit: 0x10 (exit code 33)
 * when every check passed, 0x11 otherwise. */
#ifndef TK_H
#define TK_H

#include <kiln.h>
#include <kiln/cmdline.h>
#include <stdarg.h>
#include <stdbool.h>

void tk_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Records one check. Returns cond. */
bool tk_check(bool cond, const char *name, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Marks the start of a group: checks print as "[PASS] group.name". */
void tk_group(const char *group);
/* Prints the totals and exits QEMU: success iff no check failed and at
 * least one ran. */
__attribute__((noreturn)) void tk_finish(void);

/* tk_smp.c: the processor table; with started, the parked APs released. */
void tk_smp(struct kiln_boot_info *bi, bool started);

#define TK_CHECK(cond, name, ...) tk_check((cond), (name), __VA_ARGS__)

#endif
