/* guest.c - recognising targets, resets, firmware without a boot device
 * and firmware screen control (see guest.h). */
#include "tools/kiln/run/guest.h"

#include <string.h>

/* --- the target ------------------------------------------------------------------ */

static bool ends_with(const char *s, const char *suffix) {
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && !strcmp(s + n - m, suffix);
}

/* Text: no NUL, and few control characters besides tab, CR, LF, FF, ESC. */
static bool looks_like_text(const uint8_t *p, size_t n) {
    size_t odd = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] == 0) return false;
        if (p[i] < 0x20 && !strchr("\t\r\n\f\x1b", p[i])) odd++;
    }
    return odd * 100 <= n;
}

enum target_kind target_identify(const uint8_t *head, size_t n, const char *name, const char **what) {
    if (n >= 4 && !memcmp(head, "\x7f" "ELF", 4)) {
        *what = "an ELF file";
        return TARGET_ELF;
    }
    if (n >= 32774 && !memcmp(head + 32769, "CD001", 5)) {
        *what = "an ISO 9660 image";
        return TARGET_ISO;
    }
    if ((n >= 520 && !memcmp(head + 512, "EFI PART", 8)) || (n >= 512 && head[510] == 0x55 && head[511] == 0xaa)) {
        *what = "a disk image";
        return TARGET_DISK;
    }
    if (n == 0) *what = "an empty file";
    else if (n >= 2 && head[0] == 'M' && head[1] == 'Z') *what = "a PE/COFF executable (a Windows or EFI program, such as BOOTX64.EFI)";
    else if (n >= 2 && head[0] == 0x1f && head[1] == 0x8b) *what = "gzip-compressed data";
    else if (n >= 6 && !memcmp(head, "\xfd" "7zXZ", 5)) *what = "xz-compressed data";
    else if (n >= 4 && !memcmp(head, "\x28\xb5\x2f\xfd", 4)) *what = "zstd-compressed data";
    else if (n >= 8 && !memcmp(head, "!<arch>\n", 8)) *what = "an ar archive (a static library?)";
    else if (n >= 262 && !memcmp(head + 257, "ustar", 5)) *what = "a tar archive";
    else if (n >= 4 && !memcmp(head, "QFI\xfb", 4)) *what = "a qcow2 disk image (kiln run boots raw images; convert it with qemu-img convert -O raw)";
    else if (!looks_like_text(head, n)) *what = "data of no format kiln knows (no ELF header, no MBR boot signature, no GPT)";
    else if (ends_with(name, ".c") || ends_with(name, ".h")) *what = "C source (text)";
    else if (ends_with(name, ".rs")) *what = "Rust source (text)";
    else if (ends_with(name, ".asm") || ends_with(name, ".S") || ends_with(name, ".s")) *what = "assembly source (text)";
    else if (n >= 2 && head[0] == '#' && head[1] == '!') *what = "a script (text)";
    else *what = "a text file";
    return TARGET_OTHER;
}

/* --- resets ------------------------------------------------------------------------ */

/* The value after "NAME=" in a dump line, as hex (16 digits at most);
 * false when absent. */
static bool reg_value(const char *p, const char *end, const char *name, unsigned long long *out) {
    size_t len = strlen(name);
    for (const char *q = p; q + len < end; q++) {
        if ((q == p || q[-1] == ' ' || q[-1] == '\n') && !memcmp(q, name, len) && q[len] == '=') {
            unsigned long long v = 0;
            int digits = 0;
            for (q += len + 1; q < end && digits < 16; q++, digits++) {
                char c = *q;
                int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
                      : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
                if (d < 0) break;
                v = v * 16 + (unsigned)d;
            }
            *out = v;
            return digits > 0;
        }
    }
    return false;
}

static const char *find(const char *p, const char *end, const char *what) {
    size_t n = strlen(what);
    for (; p + n <= end; p++)
        if (!memcmp(p, what, n)) return p;
    return NULL;
}

bool reset_scan(const char *log, size_t len, const char **cause, char *state, size_t state_cap) {
    const char *end = log + len, *p = log, *prev_end = log;
    static const char head[] = "CPU Reset (CPU 0)\n";
    while ((p = find(p, end, head)) != NULL) {
        const char *body = p + sizeof head - 1;
        /* A dump ends at the next line that is not a register line; only a
         * complete one (its EFER line seen) is read. */
        const char *efer = find(body, end, "\nEFER=");
        const char *next = find(body, end, "CPU Reset (CPU");
        if (!efer || (next && next < efer)) return false;
        const char *dump_end = memchr(efer + 1, '\n', (size_t)(end - efer - 1));
        if (!dump_end) return false;
        unsigned long long pc = 0;
        if (!reg_value(body, dump_end, "RIP", &pc)) reg_value(body, dump_end, "EIP", &pc);
        bool never_ran = pc == 0 || pc == 0xfff0;
        if (!never_ran) {
            *cause = find(prev_end, p, "Triple fault") ? "a triple fault" : "a reset";
            size_t n = (size_t)(dump_end - body);
            if (n >= state_cap) n = state_cap ? state_cap - 1 : 0;
            memcpy(state, body, n);
            if (state_cap) state[n] = 0;
            return true;
        }
        prev_end = dump_end;
        p = dump_end;
    }
    return false;
}

/* --- firmware that found nothing to boot ------------------------------------------ */

const char *fw_debug_no_boot(const char *text, size_t len) {
    if (find(text, text + len, "No bootable device.")) return "SeaBIOS: No bootable device.";
    return NULL;
}

const char *fw_serial_no_boot(const char *line) {
    if (strstr(line, "BdsDxe: starting") && strstr(line, "\"EFI Internal Shell\""))
        return "OVMF found nothing to boot and started its shell";
    if (strstr(line, "No bootable option or device was found")) return "OVMF: No bootable option or device was found";
    return NULL;
}

/* --- the terminal ------------------------------------------------------------------ */

/* Does a complete sequence (ESC included) change the screen as a firmware
 * console's redraw does? */
static bool screen_control(const char *s, size_t n) {
    if (n == 2 && s[1] == 'c') return true;
    if (n < 3 || s[1] != '[') return false;
    char final = s[n - 1];
    if (final == 'J' || final == 'H' || final == 'f') return true;
    return final == 'h' && s[2] == '=';
}

size_t term_filter(struct term_filter *f, const char *in, size_t n, char *out) {
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        char c = in[i];
        if (!f->nheld) {
            if (c == 0x1b) f->held[f->nheld++] = c;
            else out[o++] = c;
            continue;
        }
        f->held[f->nheld++] = c;
        bool done;
        if (f->nheld == 2) done = c != '[';                   /* ESC x: two bytes */
        else done = (unsigned char)c >= 0x40 && (unsigned char)c <= 0x7e; /* CSI's final byte */
        if (!done && f->nheld < sizeof f->held) continue;
        if (!done || !screen_control(f->held, f->nheld)) {
            memcpy(out + o, f->held, f->nheld);
            o += f->nheld;
        }
        f->nheld = 0;
    }
    return o;
}
