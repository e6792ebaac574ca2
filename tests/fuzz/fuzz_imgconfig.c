/* fuzz_imgconfig.c - the image config text (format/imgconfig.c): any
 * bytes as the config entry, and as an fb= value alone; what it accepts
 * is within its limits. */
#include <string.h>

#include "format/imgconfig.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    struct imgconfig c;
    kiln_err e;
    if (imgconfig_parse((const char *)data, size, &c, &e)) {
        FUZZ_ASSERT(c.cmdline_len <= IMGCONFIG_CMDLINE_MAX && c.cmdline[c.cmdline_len] == 0);
        FUZZ_ASSERT(strlen(c.cmdline) == c.cmdline_len);
        log_level_name(c.log_level);
    }
    char *s = fuzz_str(data, size);
    uint32_t mode, w, h;
    imgconfig_parse_fb(s, &mode, &w, &h);
    free(s);
    return 0;
}
