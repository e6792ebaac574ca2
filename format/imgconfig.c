/* imgconfig.c - parser for the image config text (format in imgconfig.h). */
#include "format/imgconfig.h"

#include "core/kstring.h"
#include "kiln.h"

void imgconfig_defaults(struct imgconfig *c) {
    memset(c, 0, sizeof *c);
    c->log_level = LOG_INFO;
    c->serial = true;
}

const char *log_level_name(int level) {
    static const char *names[] = {"error", "warn", "info", "debug"};
    return level >= 0 && level <= LOG_DEBUG ? names[level] : "?";
}

static bool parse_u32(const char *s, size_t n, uint32_t *out) {
    uint64_t v = 0;
    if (n == 0 || n > 6) return false;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return false;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    *out = (uint32_t)v;
    return true;
}

/* "WxH" with both in 1..65535 */
static bool parse_size(const char *s, size_t n, uint32_t *w, uint32_t *h) {
    const char *x = 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] == 'x') x = s + i;
    if (!x) return false;
    if (!parse_u32(s, (size_t)(x - s), w) || !parse_u32(x + 1, n - (size_t)(x - s) - 1, h)) return false;
    return *w >= 1 && *w <= 65535 && *h >= 1 && *h <= 65535;
}

static bool eq(const char *s, size_t n, const char *lit) { return strlen(lit) == n && memcmp(s, lit, n) == 0; }

static bool parse_fb_n(const char *s, size_t n, uint32_t *mode, uint32_t *w, uint32_t *h) {
    *w = *h = 0;
    if (eq(s, n, "auto")) return *mode = KILN_FB_AUTO, true;
    if (eq(s, n, "keep")) return *mode = KILN_FB_KEEP, true;
    if (eq(s, n, "none")) return *mode = KILN_FB_NONE, true;
    if (n > 4 && memcmp(s, "max:", 4) == 0) return *mode = KILN_FB_MAX, parse_size(s + 4, n - 4, w, h);
    if (n > 4 && memcmp(s, "min:", 4) == 0) return *mode = KILN_FB_MIN, parse_size(s + 4, n - 4, w, h);
    *mode = KILN_FB_PREFERRED;
    return parse_size(s, n, w, h);
}

bool imgconfig_parse_fb(const char *s, uint32_t *mode, uint32_t *w, uint32_t *h) {
    return parse_fb_n(s, strlen(s), mode, w, h);
}

bool imgconfig_parse(const char *text, uint64_t len, struct imgconfig *c, kiln_err *e) {
    imgconfig_defaults(c);
    if (len > IMGCONFIG_MAX_SIZE) return err_set(e, "config: %llu bytes (limit %u)", (unsigned long long)len, IMGCONFIG_MAX_SIZE);
    bool seen_cmdline = false, seen_log = false, seen_fb = false, seen_serial = false, seen_selftest = false;
    unsigned line = 0;
    uint64_t i = 0;
    while (i < len) {
        line++;
        uint64_t start = i;
        while (i < len && text[i] != '\n') {
            if (text[i] == '\0') return err_set(e, "config line %u: NUL byte", line);
            i++;
        }
        uint64_t end = i;
        if (i < len) i++; /* skip '\n' */
        if (end > start && text[end - 1] == '\r') end--;
        const char *s = text + start;
        size_t n = (size_t)(end - start);
        if (n == 0 || s[0] == '#') continue;
        const char *eqp = 0;
        for (size_t k = 0; k < n; k++)
            if (s[k] == '=') {
                eqp = s + k;
                break;
            }
        if (!eqp) return err_set(e, "config line %u: expected key=value", line);
        size_t klen = (size_t)(eqp - s);
        const char *v = eqp + 1;
        size_t vlen = n - klen - 1;
        if (eq(s, klen, "cmdline")) {
            if (seen_cmdline) return err_set(e, "config line %u: cmdline given twice", line);
            if (vlen > IMGCONFIG_CMDLINE_MAX)
                return err_set(e, "config line %u: cmdline is %zu bytes (limit %u)", line, vlen, IMGCONFIG_CMDLINE_MAX);
            for (size_t k = 0; k < vlen; k++)
                if ((unsigned char)v[k] < 0x20 && v[k] != '\t')
                    return err_set(e, "config line %u: control character in cmdline", line);
            memcpy(c->cmdline, v, vlen);
            c->cmdline[vlen] = 0;
            c->cmdline_len = (uint32_t)vlen;
            seen_cmdline = true;
        } else if (eq(s, klen, "log")) {
            if (seen_log) return err_set(e, "config line %u: log given twice", line);
            int lv = -1;
            for (int k = 0; k <= LOG_DEBUG; k++)
                if (eq(v, vlen, log_level_name(k))) lv = k;
            if (lv < 0) return err_set(e, "config line %u: log must be error, warn, info or debug", line);
            c->log_level = lv;
            seen_log = true;
        } else if (eq(s, klen, "fb")) {
            if (seen_fb) return err_set(e, "config line %u: fb given twice", line);
            if (!parse_fb_n(v, vlen, &c->fb_mode, &c->fb_width, &c->fb_height))
                return err_set(e, "config line %u: fb must be auto, keep, none, WxH, max:WxH or min:WxH", line);
            c->fb_set = seen_fb = true;
        } else if (eq(s, klen, "serial")) {
            if (seen_serial) return err_set(e, "config line %u: serial given twice", line);
            if (eq(v, vlen, "on")) c->serial = true;
            else if (eq(v, vlen, "off")) c->serial = false;
            else return err_set(e, "config line %u: serial must be on or off", line);
            seen_serial = true;
        } else if (eq(s, klen, "selftest")) {
            if (seen_selftest) return err_set(e, "config line %u: selftest given twice", line);
            if (eq(v, vlen, "fault")) c->selftest_fault = true;
            else if (eq(v, vlen, "stack")) c->selftest_stack = true;
            else return err_set(e, "config line %u: selftest must be fault or stack", line);
            seen_selftest = true;
        } else {
            char key[32];
            size_t kl = klen < sizeof key - 1 ? klen : sizeof key - 1;
            for (size_t k = 0; k < kl; k++) key[k] = (s[k] >= 0x20 && s[k] < 0x7f) ? s[k] : '?';
            key[kl] = 0;
            return err_set(e, "config line %u: unknown key '%s'", line, key);
        }
    }
    return true;
}
