/* settings.c - the settings of a command (see config.h): the table that
 * says, for every setting, the commands that use it, its name in kiln.toml,
 * its command-line option in each command, its environment variable and
 * its type; where a value came from; and checking and applying one value
 * from any layer. The layers themselves are put together in resolve.c. */
#include "tools/kiln/config/config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <regex.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "format/imgconfig.h"
#include "tools/kiln/config/internal.h"
#include "tools/kiln/config/pattern.h"
#include "tools/kiln/config/toml.h"
#include "tools/kiln/util/shellwords.h"

void rc_init(struct run_config *c) { memset(c, 0, sizeof *c); }

void rc_free(struct run_config *c) { arena_free(&c->a); }

/* --- the settings ------------------------------------------------------------ */

static const char *const firmware_names[] = {"bios", "uefi", "uboot", NULL};
static const char *const kind_names[] = {"hybrid", "bios", "uefi", "iso", "pxe", NULL}; /* enum image_kind order */
static const char *const machine_names[] = {"q35", "pc", NULL};
static const char *const disk_names[] = {"ide", "ahci", "nvme", "virtio", "usb", NULL};
static const char *const accel_names[] = {"tcg", "kvm", "auto", NULL}; /* enum rc_accel order */

_Static_assert(KIND_HYBRID == 0 && KIND_BIOS == 1 && KIND_UEFI == 2 && KIND_ISO == 3 && KIND_PXE == 4,
               "kind_names follows enum image_kind");
_Static_assert(ACCEL_TCG == 0 && ACCEL_KVM == 1 && ACCEL_AUTO == 2, "accel_names follows enum rc_accel");

/* One name means one thing in every command: --loader-log LEVEL, --fb and
 * --serial are the loader's settings (the image config's log, fb and
 * serial lines) in kiln image, kiln run and kiln test alike; --serial-log
 * FILE is a copy of the serial output; --image-config FILE the image
 * config; --project FILE the project file (options.c). The old spellings
 * that could be read two ways (--log, --config) are refused with both
 * meanings named; kiln image keeps --log, which there can only be the
 * loader's level. The loader's settings are named loader_* in kiln.toml
 * and KILN_LOADER_* in the environment: a project file shared by the
 * commands must not read as if they set QEMU's log, display or serial
 * port. */
const struct keydef rc_keys[K_COUNT] = {
    [K_KERNEL] = {.cmds = FOR_BOTH, .key = "kernel", .type = T_PATH},
    [K_FIRMWARE] = {.cmds = FOR_BOOT, .key = "firmware", .opt = "--firmware", .env = "KILN_FIRMWARE", .type = T_ENUM,
                    .names = firmware_names},
    [K_KIND] = {.cmds = FOR_BOTH, .key = "kind", .opt = "--kind", .image_opt = "--kind", .env = "KILN_KIND",
                .type = T_ENUM, .names = kind_names},
    [K_MACHINE] = {.cmds = FOR_BOOT, .key = "machine", .opt = "--machine", .env = "KILN_MACHINE", .type = T_ENUM,
                   .names = machine_names},
    [K_MEMORY] = {.cmds = FOR_BOOT, .key = "memory", .opt = "--memory", .env = "KILN_MEMORY", .type = T_INT, .min = 16,
                  .max = 4194304, .unit = "MiB"},
    [K_CPUS] = {.cmds = FOR_BOOT, .key = "cpus", .opt = "--cpus", .env = "KILN_CPUS", .type = T_INT, .min = 1,
                .max = 255},
    [K_DISK] = {.cmds = FOR_BOOT, .key = "disk", .opt = "--disk", .env = "KILN_DISK", .type = T_ENUM,
                .names = disk_names},
    [K_ACCEL] = {.cmds = FOR_BOOT, .key = "accel", .opt = "--accel", .env = "KILN_ACCEL", .type = T_ENUM,
                 .names = accel_names},
    [K_QEMU] = {.cmds = FOR_BOOT, .key = "qemu", .opt = "--qemu", .env = "KILN_QEMU", .type = T_STR},
    [K_CMDLINE] = {.cmds = FOR_BOTH, .key = "cmdline", .opt = "--cmdline", .image_opt = "--cmdline", .type = T_STR},
    [K_IMAGE_CONFIG] = {.cmds = FOR_BOTH, .key = "image_config", .opt = "--image-config", .image_opt = "--image-config",
                        .type = T_PATH},
    [K_GUI] = {.cmds = FOR_BOOT, .key = "gui", .opt = "--gui", .type = T_BOOL},
    [K_NET] = {.cmds = FOR_BOOT, .key = "net", .opt = "--net", .type = T_BOOL},
    [K_TIMEOUT] = {.cmds = FOR_BOOT, .key = "timeout", .opt = "--timeout", .env = "KILN_TIMEOUT", .type = T_INT,
                   .min = 0, .max = 86400, .unit = "seconds"},
    [K_PASS_ON] = {.cmds = FOR_BOOT, .key = "pass_on", .opt = "--pass-on", .type = T_REGEX},
    [K_DEBUGCON] = {.cmds = FOR_BOOT, .key = "debugcon", .opt = "--debugcon", .env = "KILN_DEBUGCON", .type = T_PATH},
    [K_SERIAL_LOG] = {.cmds = FOR_BOOT, .key = "serial_log", .opt = "--serial-log", .env = "KILN_SERIAL_LOG",
                      .type = T_PATH},
    [K_GDB] = {.cmds = FOR_BOOT, .key = "gdb", .opt = "--gdb", .type = T_BOOL},
    [K_MONITOR] = {.cmds = FOR_BOOT, .key = "monitor", .opt = "--monitor", .type = T_BOOL},
    [K_EXPECT_FAIL] = {.cmds = FOR_BOOT, .opt = "--expect-fail", .type = T_FAIL},
    [K_VERBOSE] = {.cmds = FOR_BOOT, .opt = "--verbose", .short_opt = "-v", .type = T_BOOL},
    [K_ALLOW_REBOOT] = {.cmds = FOR_BOOT, .key = "allow_reboot", .opt = "--allow-reboot", .type = T_BOOL},
    /* isa-debug-exit makes QEMU exit (value << 1) | 1: 33 for kiln_qemu_exit(0x10), bootimage's default */
    [K_SCREENSHOT] = {.cmds = FOR_BOOT, .key = "screenshot", .opt = "--screenshot", .type = T_PATH},
    [K_SUCCESS_CODE] = {.cmds = FOR_BOOT, .key = "success_exit_code", .opt = "--success-code", .type = T_INT,
                        .min = 1, .max = 255},
    [K_SIGN_KEY] = {.cmds = FOR_BOTH, .key = "sign_key", .opt = "--sign-key", .image_opt = "--sign-key",
                    .env = "KILN_SIGN_KEY", .type = T_PATH},
    [K_SIGN_CERT] = {.cmds = FOR_BOTH, .key = "sign_cert", .opt = "--sign-cert", .image_opt = "--sign-cert",
                     .env = "KILN_SIGN_CERT", .type = T_PATH},
    [K_SECURE_BOOT] = {.cmds = FOR_BOOT, .key = "secure_boot", .opt = "--secure-boot", .type = T_BOOL},
    [K_OUTPUT] = {.cmds = FOR_IMAGE, .key = "output", .image_opt = "--output", .short_opt = "-o", .type = T_PATH},
    [K_LOADER_LOG] = {.cmds = FOR_BOTH, .key = "loader_log", .opt = "--loader-log", .image_opt = "--loader-log",
                      .env = "KILN_LOADER_LOG",
                      .type = T_IMGCFG, .imgcfg = "log"},
    [K_LOADER_FB] = {.cmds = FOR_BOTH, .key = "loader_fb", .opt = "--fb", .image_opt = "--fb", .env = "KILN_LOADER_FB",
                     .type = T_IMGCFG, .imgcfg = "fb"},
    [K_LOADER_SERIAL] = {.cmds = FOR_BOTH, .key = "loader_serial", .opt = "--serial", .image_opt = "--serial",
                         .env = "KILN_LOADER_SERIAL", .type = T_IMGCFG, .imgcfg = "serial"},
    [K_KERNEL_NAME] = {.cmds = FOR_BOTH, .key = "kernel_name", .opt = "--kernel-name", .image_opt = "--kernel-name",
                       .type = T_STR},
    [K_QUIET] = {.cmds = FOR_IMAGE, .key = "quiet", .image_opt = "--quiet", .short_opt = "-q", .type = T_BOOL},
    [K_MODULES] = {.cmds = FOR_BOTH, .key = "modules", .opt = "--module", .image_opt = "--module", .type = T_MODULES},
    [K_QEMU_ARGS] = {.cmds = FOR_BOOT, .key = "qemu_args", .env = "KILN_QEMU_ARGS", .type = T_ARGS},
    [K_EXPECT] = {.cmds = FOR_BOOT, .key = "expect", .opt = "--expect", .type = T_REGEXES},
    [K_REPLY] = {.cmds = FOR_BOOT, .key = "reply", .opt = "--reply", .type = T_REPLIES},
};

const char *rc_key_name(enum rc_key k) { return rc_keys[k].key ? rc_keys[k].key : rc_keys[k].opt + 2; }

const char *rc_enum_name(enum rc_key k, long v) {
    const char *const *n = rc_keys[k].names;
    for (long i = 0; n && n[i]; i++)
        if (i == v) return n[i];
    return "?";
}

/* --- sources and messages ---------------------------------------------------- */

const char *rc_source_str(struct arena *a, const struct rc_source *s) {
    switch (s->layer) {
    case RC_DEFAULT: return s->name ? arena_printf(a, "default %s", s->name) : "default";
    case RC_FILE:
    case RC_PROFILE:
        return s->table && *s->table ? arena_printf(a, "%s:%d [%s]", s->file, s->line, s->table)
                                     : arena_printf(a, "%s:%d", s->file, s->line);
    case RC_ENV: return arena_printf(a, "env %s", s->name);
    case RC_CLI: return s->name;
    case RC_PLAN: return arena_printf(a, "%s:%d %s", s->file, s->line, s->name);
    }
    return "?";
}

const char *rc_named(struct run_config *c, enum rc_key k) {
    const struct rc_source *s = &c->v[k].src;
    if (s->layer == RC_CLI || s->layer == RC_PLAN) return rc_source_str(&c->a, s);
    return arena_printf(&c->a, "%s (%s)", rc_key_name(k), rc_source_str(&c->a, s));
}

/* What an error message starts with: where the value came from and what it
 * was. "--cpus 0", "KILN_MEMORY=abc", "kiln.toml:4: memory = 0". */
static const char *describe(struct arena *a, enum rc_key k, const struct rc_input *in, const struct rc_source *src) {
    switch (src->layer) {
    case RC_ENV: return arena_printf(a, "%s=%s", src->name, in->text ? in->text : "");
    case RC_FILE:
    case RC_PROFILE: {
        const struct toml_entry *t = in->t;
        const char *val = "";
        if (in->text) val = arena_printf(a, " = \"%s\"", in->text);
        else if (t && t->type == TOML_INT) val = arena_printf(a, " = %lld", t->num);
        else if (t && t->type == TOML_STRING) val = arena_printf(a, " = \"%s\"", t->str);
        else if (t && t->type == TOML_BOOL) val = t->boolean ? " = true" : " = false";
        return arena_printf(a, "%s:%d: %s%s", src->file, src->line, t ? t->key : rc_key_name(k), val);
    }
    case RC_CLI:
    case RC_PLAN: {
        const char *where = src->layer == RC_PLAN ? arena_printf(a, "%s:%d: ", src->file, src->line) : "";
        if (in->is_flag || !in->text) return arena_printf(a, "%s%s", where, src->name);
        return arena_printf(a, "%s%s %s", where, src->name, in->text);
    }
    case RC_DEFAULT: break;
    }
    return rc_key_name(k);
}

/* --- small parsers ------------------------------------------------------------ */

static bool parse_long(const char *s, long *out) {
    if (!*s) return false;
    errno = 0;
    char *end;
    long v = strtol(s, &end, 10);
    if (errno || *end || !(*s >= '0' && *s <= '9') || v < 0) return false;
    *out = v;
    return true;
}

/* MiB, with an optional M/MiB or G/GiB suffix. */
static bool parse_mib(const char *s, long *out) {
    size_t n = strspn(s, "0123456789");
    if (n == 0 || n > 12) return false;
    char num[16];
    memcpy(num, s, n);
    num[n] = 0;
    long v;
    if (!parse_long(num, &v)) return false;
    const char *suf = s + n;
    if (!*suf || !strcasecmp(suf, "M") || !strcasecmp(suf, "MiB")) {
        *out = v;
        return true;
    }
    if (!strcasecmp(suf, "G") || !strcasecmp(suf, "GiB")) {
        if (v > LONG_MAX / 1024) return false;
        *out = v * 1024;
        return true;
    }
    return false;
}

bool rc_check_regex(const char *re, bool compile, kiln_err *e) {
    kiln_err why;
    if (!pattern_check(re, &why)) return err_set(e, "bad regular expression: %s", why.msg);
    if (!compile) return true;
    regex_t r;
    int rc = regcomp(&r, re, REG_EXTENDED | REG_NOSUB);
    if (rc) {
        char buf[256];
        regerror(rc, &r, buf, sizeof buf);
        return err_set(e, "bad regular expression: %s", buf);
    }
    regfree(&r);
    return true;
}

bool rc_reply_split(struct arena *a, const char *item, char **pattern, char **text, size_t *len, kiln_err *e) {
    size_t n = strlen(item);
    char *pat = arena_alloc(a, n + 1), *txt = arena_alloc(a, n + 1);
    size_t pn = 0, tn = 0, i = 0;
    for (; i < n && item[i] != '='; i++) {
        if (item[i] == '\\' && item[i + 1] == '=') i++;
        else if (item[i] == '\\' && item[i + 1]) pat[pn++] = item[i++]; /* keep regex escapes whole */
        pat[pn++] = item[i];
    }
    if (i == n) return err_set(e, "expected PATTERN=TEXT (no '=')");
    if (pn == 0) return err_set(e, "expected PATTERN=TEXT (empty PATTERN)");
    for (i++; i < n; i++) {
        if (item[i] != '\\') {
            txt[tn++] = item[i];
            continue;
        }
        char c = item[++i];
        if (c == 'n') txt[tn++] = '\n';
        else if (c == 'r') txt[tn++] = '\r';
        else if (c == 't') txt[tn++] = '\t';
        else if (c == 'e') txt[tn++] = 0x1b;
        else if (c == '\\') txt[tn++] = '\\';
        else if (c == 'x' && isxdigit((unsigned char)item[i + 1]) && isxdigit((unsigned char)item[i + 2])) {
            char hex[3] = {item[i + 1], item[i + 2], 0};
            txt[tn++] = (char)strtol(hex, NULL, 16);
            i += 2;
        } else if (c == 0) {
            return err_set(e, "TEXT ends in a lone backslash (write \\\\)");
        } else {
            return err_set(e, "unknown escape \\%c in TEXT (known: \\n \\r \\t \\e \\\\ \\xHH)", c);
        }
    }
    kiln_err why;
    if (!pattern_check(pat, &why)) return err_set(e, "bad regular expression: %s", why.msg); /* the caller compiles it */
    *pattern = pat;
    *text = txt;
    *len = tn;
    return true;
}

bool rc_check_image_line(const char *line, kiln_err *e) {
    struct imgconfig parsed;
    if (imgconfig_parse(line, strlen(line), &parsed, e)) return true;
    const char *prefix = "config line 1: ";
    size_t n = strlen(prefix);
    if (!strncmp(e->msg, prefix, n)) memmove(e->msg, e->msg + n, strlen(e->msg + n) + 1);
    return false;
}

bool rc_is_ident(const char *s) {
    if (!(*s == '_' || (*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z'))) return false;
    for (; *s; s++)
        if (!(*s == '_' || (*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9')))
            return false;
    return true;
}

/* --- applying one value --------------------------------------------------------- */

static const char *join_project(struct run_config *c, const char *path, const struct rc_source *src) {
    if ((src->layer != RC_FILE && src->layer != RC_PROFILE) || path[0] == '/' || !c->project_dir ||
        !strcmp(c->project_dir, "."))
        return arena_strdup(&c->a, path);
    return arena_printf(&c->a, "%s/%s", c->project_dir, path);
}

/* A source kept in the config's own arena (the caller's strings may not
 * live as long). */
struct rc_source rc_keep_src(struct run_config *c, const struct rc_source *src) {
    struct rc_source s = *src;
    s.file = arena_strdup(&c->a, s.file);
    s.table = arena_strdup(&c->a, s.table);
    s.name = arena_strdup(&c->a, s.name);
    return s;
}

static void list_add(struct run_config *c, enum rc_key k, const char *s, const struct rc_source *src) {
    struct rc_list *l = rc_list(c, k);
    l->items = arena_grow(&c->a, l->items, l->n, &l->cap, sizeof *l->items);
    l->items[l->n++] = (struct rc_item){s, rc_keep_src(c, src)};
}

/* Checks one list item and appends it. */
static bool add_item(struct run_config *c, enum rc_key k, const char *s, const char *what, const struct rc_source *src,
                     kiln_err *e) {
    kiln_err why;
    switch (rc_keys[k].type) {
    case T_MODULES: {
        const char *eq = strchr(s, '=');
        if (!*s || eq == s) return err_set(e, "%s: expected FILE[=NAME] (empty FILE)", what);
        if (eq && !eq[1]) return err_set(e, "%s: expected FILE[=NAME] (empty NAME)", what);
        const char *file = eq ? arena_strndup(&c->a, s, (size_t)(eq - s)) : s;
        file = join_project(c, file, src);
        s = eq ? arena_printf(&c->a, "%s%s", file, eq) : file;
        break;
    }
    case T_REGEXES:
        if (!*s) return err_set(e, "%s: empty regular expression", what);
        if (!rc_check_regex(s, !c->syntax_only, &why)) return err_set(e, "%s: %s", what, why.msg);
        break;
    case T_REPLIES: {
        char *p, *t;
        size_t n;
        if (!rc_reply_split(&c->a, s, &p, &t, &n, &why) || !rc_check_regex(p, !c->syntax_only, &why))
            return err_set(e, "%s: %s", what, why.msg);
        break;
    }
    default: break;
    }
    list_add(c, k, arena_strdup(&c->a, s), src);
    return true;
}

static const char *one_of(struct arena *a, const char *const *names) {
    const char *s = "";
    for (size_t i = 0; names[i]; i++)
        s = arena_printf(a, "%s%s%s", s, i == 0 ? "" : names[i + 1] ? ", " : " or ", names[i]);
    return s;
}

bool rc_apply(struct run_config *c, enum rc_key k, const struct rc_input *in, const struct rc_source *src,
                  kiln_err *e) {
    const struct keydef *d = &rc_keys[k];
    const struct toml_entry *t = in->t;
    const char *what = describe(&c->a, k, in, src);
    struct rc_value *v = rc_is_list(k) ? NULL : &c->v[k];

    /* kiln.toml: the TOML type must fit. */
    if (t) {
        enum toml_type want = d->type == T_INT ? TOML_INT : d->type == T_BOOL ? TOML_BOOL
                              : rc_is_list(k)     ? TOML_ARRAY
                                               : TOML_STRING;
        if (t->type != want)
            return err_set(e, "%s:%d: %s: expected %s, found %s", src->file, src->line, t->key,
                           want == TOML_ARRAY  ? "an array of strings"
                           : want == TOML_BOOL ? "true or false"
                                               : toml_a_type(want),
                           toml_a_type(t->type));
        if (rc_is_list(k)) {
            for (size_t i = 0; i < t->nitems; i++) {
                const char *w = arena_printf(&c->a, "%s:%d: %s[%zu] = \"%s\"", src->file, src->line, t->key, i,
                                             t->items[i]);
                if (!add_item(c, k, t->items[i], w, src, e)) return false;
            }
            return true;
        }
    }
    const char *text = t ? t->str : in->text;
    kiln_err why;

    switch (d->type) {
    case T_STR:
        v->str = arena_strdup(&c->a, text);
        break;
    case T_PATH:
        if (!*text) return err_set(e, "%s: empty file name", what);
        v->str = join_project(c, text, src);
        break;
    case T_REGEX:
        if (*text && !rc_check_regex(text, !c->syntax_only, &why)) return err_set(e, "%s: %s", what, why.msg);
        v->str = arena_strdup(&c->a, text);
        break;
    case T_FAIL:
        if (text && *text && !rc_check_regex(text, !c->syntax_only, &why))
            return err_set(e, "%s: %s", what, why.msg);
        v->num = 1;
        v->str = arena_strdup(&c->a, text ? text : "");
        break;
    case T_BOOL:
        v->num = t ? t->boolean : in->flag;
        break;
    case T_INT: {
        long n;
        if (t) {
            if (t->num < d->min || t->num > d->max)
                return err_set(e, "%s: must be %ld..%ld%s%s", what, d->min, d->max, d->unit ? " " : "",
                               d->unit ? d->unit : "");
            n = (long)t->num;
        } else {
            bool ok = k == K_MEMORY ? parse_mib(text, &n) : parse_long(text, &n);
            if (!ok)
                return err_set(e, "%s: not a number%s%s%s", what, d->unit ? " of " : "", d->unit ? d->unit : "",
                               k == K_MEMORY ? " (e.g. 512, 512M or 2G)" : "");
            if (n < d->min || n > d->max)
                return err_set(e, "%s: must be %ld..%ld%s%s", what, d->min, d->max, d->unit ? " " : "",
                               d->unit ? d->unit : "");
        }
        v->num = n;
        break;
    }
    case T_ENUM: {
        long i = 0;
        while (d->names[i] && strcmp(d->names[i], text)) i++;
        if (!d->names[i]) return err_set(e, "%s: must be %s", what, one_of(&c->a, d->names));
        v->num = i;
        break;
    }
    case T_IMGCFG:
        /* On kiln image's command line the option alone names the value,
         * as kiln image has always printed it: "--fb: fb must be ...". */
        if (!rc_check_image_line(arena_printf(&c->a, "%s=%s\n", d->imgcfg, text), &why))
            return err_set(e, "%s: %s", src->layer == RC_CLI ? src->name : what, why.msg);
        v->str = arena_strdup(&c->a, text);
        break;
    case T_ARGS:
        if (src->layer == RC_ENV) { /* KILN_QEMU_ARGS: one string, split like a shell */
            char **w;
            int nw;
            if (!shell_split(&c->a, text, &w, &nw, &why)) return err_set(e, "%s: %s", what, why.msg);
            for (int i = 0; i < nw; i++) list_add(c, k, w[i], src);
            return true;
        }
        return add_item(c, k, text, what, src, e);
    case T_MODULES:
    case T_REGEXES:
    case T_REPLIES:
        return add_item(c, k, text, what, src, e);
    }
    v->set = true;
    v->src = rc_keep_src(c, src);
    return true;
}
