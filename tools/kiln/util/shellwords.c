/* shellwords.c - words as a POSIX shell reads and writes them (see
 * shellwords.h): KILN_QEMU_ARGS and plan lines are split, commands shown
 * to the user are quoted. */
#include "tools/kiln/util/shellwords.h"

#include <stdio.h>
#include <string.h>

bool shell_split(struct arena *a, const char *s, char ***words, int *nwords, kiln_err *e) {
    size_t cap = 8;
    int n = 0;
    char **w = arena_alloc(a, cap * sizeof *w);
    char *buf = arena_alloc(a, strlen(s) + 1);
    const char *p = s;
    for (;;) {
        while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || (*p == '\\' && p[1] == '\n'))
            p += *p == '\\' ? 2 : 1; /* a backslash-newline is no word */
        if (!*p) break;
        if (*p == '#') {
            while (*p && *p != '\n') p++;
            continue;
        }
        size_t len = 0;
        while (*p && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r') {
            if (*p == '\'') {
                const char *q = strchr(p + 1, '\'');
                if (!q) return err_set(e, "unterminated single quote");
                memcpy(buf + len, p + 1, (size_t)(q - p - 1));
                len += (size_t)(q - p - 1);
                p = q + 1;
            } else if (*p == '"') {
                for (p++; *p != '"'; p++) {
                    if (!*p) return err_set(e, "unterminated double quote");
                    if (*p == '\\' && p[1] && strchr("\"\\$`\n", p[1])) {
                        if (p[1] != '\n') buf[len++] = p[1];
                        p++;
                    } else {
                        buf[len++] = *p;
                    }
                }
                p++;
            } else if (*p == '\\') {
                if (!p[1]) return err_set(e, "a backslash at the end of the line");
                if (p[1] != '\n') buf[len++] = p[1];
                p += 2;
            } else {
                buf[len++] = *p++;
            }
        }
        if ((size_t)n + 1 >= cap) {
            cap *= 2;
            char **nw = arena_alloc(a, cap * sizeof *nw);
            memcpy(nw, w, (size_t)n * sizeof *nw);
            w = nw;
        }
        w[n++] = arena_strndup(a, buf, len);
    }
    w[n] = NULL;
    *words = w;
    *nwords = n;
    return true;
}

const char *shell_quote(struct arena *a, const char *s) {
    if (*s && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_@%+=:,./-") == strlen(s))
        return s;
    size_t n = 2;
    for (const char *p = s; *p; p++) n += *p == '\'' ? 4 : 1;
    char *d = arena_alloc(a, n + 1), *q = d;
    *q++ = '\'';
    for (const char *p = s; *p; p++) {
        if (*p == '\'') memcpy(q, "'\\''", 4), q += 4;
        else *q++ = *p;
    }
    *q++ = '\'';
    return d;
}

const char *shell_join(struct arena *a, char *const *argv) {
    const char *s = "";
    for (size_t i = 0; argv[i]; i++) s = arena_printf(a, "%s%s%s", s, i ? " " : "", shell_quote(a, argv[i]));
    return s;
}
