/* kiln/cmdline.h - reading the command line Kiln hands over
 * (kiln_boot_info.cmdline): words separated by spaces, as `kiln image
 * --cmdline` wrote them. */
#ifndef KILN_CMDLINE_H
#define KILN_CMDLINE_H

#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Is `word` one of the command line's words? ("b" is in "a b c", not in
 * "ab c"; "fw=uefi" is one word.) A NULL command line has no words. */
bool kiln_cmdline_has(const char *cmdline, const char *word);

#ifdef __cplusplus
}
#endif
#endif
