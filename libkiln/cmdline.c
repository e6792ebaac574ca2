/* cmdline.c - words of the kernel command line (kiln/cmdline.h). */
#include <kiln/cmdline.h>

#include <kiln/string.h>

bool kiln_cmdline_has(const char *s, const char *w) {
    size_t n = kiln_strlen(w);
    if (!s || !n) return false;
    for (const char *p = s; *p; p++)
        if ((p == s || p[-1] == ' ') && !kiln_strncmp(p, w, n) && (p[n] == 0 || p[n] == ' ')) return true;
    return false;
}
