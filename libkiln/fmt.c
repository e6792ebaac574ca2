/* fmt.c - a small vsnprintf (see kiln/fmt.h for what it supports). */
#include <kiln/fmt.h>

#include <stdbool.h>
#include <stdint.h>

struct out {
    char *buf;
    size_t cap, len;
};

static void put(struct out *o, char c) {
    if (o->len + 1 < o->cap) o->buf[o->len] = c;
    o->len++;
}

static void pad(struct out *o, char c, int n) {
    while (n-- > 0) put(o, c);
}

static void put_num(struct out *o, uint64_t v, unsigned base, bool upper, bool neg, int width, bool left,
                    bool zero, const char *prefix) {
    char tmp[24];
    int n = 0;
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    do {
        tmp[n++] = digits[v % base];
        v /= base;
    } while (v);
    int plen = 0;
    while (prefix[plen]) plen++;
    int total = n + (neg ? 1 : 0) + plen;
    if (!left && !zero) pad(o, ' ', width - total);
    if (neg) put(o, '-');
    for (int i = 0; i < plen; i++) put(o, prefix[i]);
    if (!left && zero) pad(o, '0', width - total);
    while (n) put(o, tmp[--n]);
    if (left) pad(o, ' ', width - total);
}

size_t kiln_vsnprintf(char *buf, size_t cap, const char *f, va_list ap) {
    struct out o = {buf, cap, 0};
    for (; *f; f++) {
        if (*f != '%') {
            put(&o, *f);
            continue;
        }
        f++;
        bool left = false, zero = false, alt = false;
        for (;; f++) {
            if (*f == '-') left = true;
            else if (*f == '0') zero = true;
            else if (*f == '#') alt = true;
            else break;
        }
        int width = 0, prec = -1;
        if (*f == '*') {
            width = va_arg(ap, int);
            f++;
        } else {
            while (*f >= '0' && *f <= '9') width = width * 10 + (*f++ - '0');
        }
        if (*f == '.') {
            f++;
            prec = 0;
            if (*f == '*') {
                prec = va_arg(ap, int);
                f++;
            } else {
                while (*f >= '0' && *f <= '9') prec = prec * 10 + (*f++ - '0');
            }
        }
        int size = 0; /* 0 int, 1 long, 2 long long, 3 size_t, -1 short, -2 char */
        if (*f == 'l') {
            size = 1;
            if (*++f == 'l') size = 2, f++;
        } else if (*f == 'z') {
            size = 3, f++;
        } else if (*f == 'h') {
            size = -1;
            if (*++f == 'h') size = -2, f++;
        }
        switch (*f) {
        case 'd':
        case 'i': {
            int64_t v = size == 1 ? va_arg(ap, long) : size == 2 ? va_arg(ap, long long)
                      : size == 3 ? (int64_t)va_arg(ap, size_t) : va_arg(ap, int);
            if (size == -1) v = (short)v;
            if (size == -2) v = (signed char)v;
            uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
            put_num(&o, u, 10, false, v < 0, width, left, zero, "");
            break;
        }
        case 'u':
        case 'x':
        case 'X':
        case 'o': {
            uint64_t v = size == 1 ? va_arg(ap, unsigned long) : size == 2 ? va_arg(ap, unsigned long long)
                       : size == 3 ? va_arg(ap, size_t) : va_arg(ap, unsigned);
            if (size == -1) v = (unsigned short)v;
            if (size == -2) v = (unsigned char)v;
            unsigned base = *f == 'o' ? 8 : *f == 'u' ? 10 : 16;
            const char *prefix = alt && base == 16 ? (*f == 'X' ? "0X" : "0x") : "";
            put_num(&o, v, base, *f == 'X', false, width, left, zero, prefix);
            break;
        }
        case 'p':
            put_num(&o, (uintptr_t)va_arg(ap, void *), 16, false, false, width, left, zero, "0x");
            break;
        case 'c': {
            char c = (char)va_arg(ap, int);
            if (!left) pad(&o, ' ', width - 1);
            put(&o, c);
            if (left) pad(&o, ' ', width - 1);
            break;
        }
        case 's': {
            const char *s = va_arg(ap, const char *);
            if (!s) s = "(null)";
            int n = 0;
            while (s[n] && (prec < 0 || n < prec)) n++;
            if (!left) pad(&o, ' ', width - n);
            for (int i = 0; i < n; i++) put(&o, s[i]);
            if (left) pad(&o, ' ', width - n);
            break;
        }
        case '%':
            put(&o, '%');
            break;
        case '\0':
            f--; /* a lone '%' at the end: print nothing more */
            break;
        default:
            put(&o, '%');
            put(&o, *f);
            break;
        }
    }
    if (cap) buf[o.len < cap ? o.len : cap - 1] = '\0';
    return o.len;
}

size_t kiln_snprintf(char *buf, size_t n, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    size_t r = kiln_vsnprintf(buf, n, fmt, ap);
    va_end(ap);
    return r;
}
