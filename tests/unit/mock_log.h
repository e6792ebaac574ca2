/* mock_log.h - the loader's log (common/log.h) on the host: every line is
 * kept for the test to read, and panic() returns to the test through
 * mock_log_catch() instead of halting. */
#ifndef MOCK_LOG_H
#define MOCK_LOG_H

#include <setjmp.h>
#include <stdbool.h>

/* Everything logged since mock_log_reset(), one "level: text" line each
 * ("info: loading kernel ...", "panic: ..."). */
const char *mock_log_text(void);
void mock_log_reset(void);
/* The log level the loader asked for (log_set_level), -1 before. */
int mock_log_level(void);
bool mock_log_serial_off(void);

/* if (setjmp(*mock_log_catch()) == 0) { code that may panic } else { it panicked } */
jmp_buf *mock_log_catch(void);
const char *mock_log_panic(void); /* the last panic's message, or NULL */

#endif
