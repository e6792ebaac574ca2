/* fuzz_template.c - templates and patterns (tools/kiln/config/template.c,
 * pattern.c). The input is lines: "NAME=VALUE" lines become [vars], a
 * line starting with '~' is a pattern, the last line is a template to
 * expand. Every variable is expanded (cycles, depth and size limits must
 * end it), then the template; each pattern is bounded by pattern_check,
 * and one it passes is compiled by regcomp() and matched against the
 * input's first 256 bytes: the bounds must keep both cheap (libFuzzer's -timeout and
 * -rss_limit_mb catch it when they do not). */
#include <regex.h>
#include <string.h>

#include "tests/fuzz/fuzz.h"
#include "tools/kiln/config/internal.h"
#include "tools/kiln/config/pattern.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > 8192) return 0;
    char *text = fuzz_str(data, size), *line = text, *next;
    char subject[257]; /* what patterns are matched against: the input's start */
    size_t sn = size < 256 ? size : 256;
    memcpy(subject, data, sn);
    subject[sn] = 0;
    struct run_config c;
    rc_init(&c);
    struct rc_source src = {RC_FILE, "kiln.toml", 1, "vars", NULL};
    const char *last = "";
    for (; line; line = next) {
        next = strchr(line, '\n');
        if (next) *next++ = 0;
        char *eq = strchr(line, '=');
        if (*line == '~') {
            kiln_err e;
            if (pattern_check(line + 1, &e)) {
                FUZZ_ASSERT(strlen(line + 1) <= PATTERN_MAX_LEN);
                regex_t re;
                if (regcomp(&re, line + 1, REG_EXTENDED | REG_NOSUB) == 0) {
                    regexec(&re, subject, 0, NULL, 0);
                    regfree(&re);
                }
            }
        } else if (eq && !next) {
            last = line;
        } else if (eq) {
            *eq = 0;
            if (rc_is_ident(line) && !rc_is_builtin(line)) rc_add_var(&c, line, eq + 1, &src);
        } else {
            last = line;
        }
    }
    kiln_err e;
    rc_check_vars(&c, &e);
    char *out;
    struct rc_source cli = {RC_CLI, NULL, 0, NULL, "--cmdline"};
    if (rc_expand(&c, last, "cmdline", &cli, &out, &e)) FUZZ_ASSERT(strlen(out) <= (1u << 20));
    rc_free(&c);
    free(text);
    return 0;
}
