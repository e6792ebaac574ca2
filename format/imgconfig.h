/* imgconfig.h - the image config: text stored in the payload (entry type
 * PAYLOAD_CONFIG), written by `kiln image`, read by the loader.
 *
 *   # comment
 *   cmdline=any text up to the end of the line
 *   log=error|warn|info|debug
 *   fb=auto|keep|none|WIDTHxHEIGHT|max:WxH|min:WxH
 *   serial=on|off
 *   selftest=fault|stack (testing Kiln itself, after loading the kernel:
 *                       take a CPU exception, or overflow the loader's
 *                       stack into its guard page (BIOS), to show the dump)
 *
 * Every key at most once; unknown keys, bad values, NUL bytes and overlong
 * lines are errors naming the line. The same parser runs on the host, so
 * `kiln image` refuses what the loader would refuse. */
#ifndef FORMAT_IMGCONFIG_H
#define FORMAT_IMGCONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "core/util.h"

#define IMGCONFIG_MAX_SIZE 16384u
#define IMGCONFIG_CMDLINE_MAX 4095u

enum log_level { LOG_ERROR = 0, LOG_WARN = 1, LOG_INFO = 2, LOG_DEBUG = 3 };

struct imgconfig {
    char cmdline[IMGCONFIG_CMDLINE_MAX + 1];
    uint32_t cmdline_len;
    int log_level;     /* enum log_level; default LOG_INFO */
    bool fb_set;       /* fb= given: overrides the kernel's framebuffer wish */
    uint32_t fb_mode;  /* enum kiln_fb_mode */
    uint32_t fb_width, fb_height;
    bool serial;       /* default on */
    bool selftest_fault, selftest_stack;
};

void imgconfig_defaults(struct imgconfig *c);
bool imgconfig_parse(const char *text, uint64_t len, struct imgconfig *c, kiln_err *e);
/* Parses "auto", "keep", "none", "WxH", "max:WxH", "min:WxH". */
bool imgconfig_parse_fb(const char *s, uint32_t *mode, uint32_t *w, uint32_t *h);
const char *log_level_name(int level);

#endif
