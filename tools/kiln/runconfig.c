/* runconfig.c - see runconfig.h. The one table `keys` below says, for every
 * setting, its name in kiln.toml, its command-line option, its environment
 * variable and its type; parsing, checking, layering and --dry-run all
 * work from it, so a setting is described once. */
#include "tools/kiln/runconfig.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <regex.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tools/kiln/tool.h"
#include "tools/kiln/toml.h"

/* --- arena ----------------------------------------------------------------- */

void *arena_alloc(struct arena *a, size_t n) {
    if (a->n == a->cap) {
        a->cap = a->cap ? a->cap * 2 : 32;
        void **p = xmalloc(a->cap * sizeof *p);
        if (a->n) memcpy(p, a->p, a->n * sizeof *p);
        free(a->p);
        a->p = p;
    }
    void *m = xcalloc(1, n);
    a->p[a->n++] = m;
    return m;
}

char *arena_strndup(struct arena *a, const char *s, size_t n) {
    char *d = arena_alloc(a, n + 1);
    memcpy(d, s, n);
    d[n] = 0;
    return d;
}

char *arena_strdup(struct arena *a, const char *s) { return s ? arena_strndup(a, s, strlen(s)) : NULL; }

char *arena_printf(struct arena *a, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *s = arena_alloc(a, (size_t)(n < 0 ? 0 : n) + 1);
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

void *arena_grow(struct arena *a, void *arr, size_t n, size_t *cap, size_t size) {
    if (n < *cap) return arr;
    *cap = *cap ? *cap * 2 : 8;
    void *p = arena_alloc(a, *cap * size);
    if (n) memcpy(p, arr, n * size);
    return p;
}

void arena_free(struct arena *a) {
    for (size_t i = 0; i < a->n; i++) free(a->p[i]);
    free(a->p);
    memset(a, 0, sizeof *a);
}

bool rc_fail(struct rc_err *e, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    return false;
}

/* --- the settings ------------------------------------------------------------ */

enum vtype {
    T_STR,     /* any string */
    T_PATH,    /* a file name; relative ones in kiln.toml are relative to its directory */
    T_INT,     /* an integer in [min, max] */
    T_ENUM,    /* one of names */
    T_BOOL,    /* a flag */
    T_REGEX,   /* a POSIX extended regular expression ("" = none) */
    T_FAIL,    /* --expect-fail[=REGEX] */
    T_MODULES, /* list of FILE[=NAME] */
    T_ARGS,    /* list of QEMU arguments */
    T_REGEXES, /* list of regular expressions */
    T_REPLIES, /* list of PATTERN=TEXT */
};

struct keydef {
    const char *key; /* in kiln.toml; NULL: command line only */
    const char *opt; /* command-line option; NULL: none */
    const char *env; /* environment variable; NULL: none */
    enum vtype type;
    const char *const *names; /* T_ENUM */
    long min, max;            /* T_INT */
    const char *unit;         /* T_INT: "MiB", "seconds" */
};

static const char *const firmware_names[] = {"bios", "uefi", NULL};
static const char *const kind_names[] = {"hybrid", "bios", "uefi", NULL}; /* enum image_kind order */
static const char *const machine_names[] = {"q35", "pc", NULL};
static const char *const disk_names[] = {"ide", "ahci", "nvme", "virtio", "usb", NULL};
static const char *const accel_names[] = {"tcg", "kvm", NULL};

_Static_assert(KIND_HYBRID == 0 && KIND_BIOS == 1 && KIND_UEFI == 2, "kind_names follows enum image_kind");

static const struct keydef keys[K_COUNT] = {
    [K_KERNEL] = {"kernel", NULL, NULL, T_PATH, NULL, 0, 0, NULL},
    [K_FIRMWARE] = {"firmware", "--firmware", "KILN_FIRMWARE", T_ENUM, firmware_names, 0, 0, NULL},
    [K_KIND] = {"kind", "--kind", "KILN_KIND", T_ENUM, kind_names, 0, 0, NULL},
    [K_MACHINE] = {"machine", "--machine", "KILN_MACHINE", T_ENUM, machine_names, 0, 0, NULL},
    [K_MEMORY] = {"memory", "--memory", "KILN_MEMORY", T_INT, NULL, 16, 4194304, "MiB"},
    [K_CPUS] = {"cpus", "--cpus", "KILN_CPUS", T_INT, NULL, 1, 255, NULL},
    [K_DISK] = {"disk", "--disk", "KILN_DISK", T_ENUM, disk_names, 0, 0, NULL},
    [K_ACCEL] = {"accel", "--accel", "KILN_ACCEL", T_ENUM, accel_names, 0, 0, NULL},
    [K_QEMU] = {"qemu", "--qemu", "KILN_QEMU", T_STR, NULL, 0, 0, NULL},
    [K_CMDLINE] = {"cmdline", "--cmdline", NULL, T_STR, NULL, 0, 0, NULL},
    [K_IMAGE_CONFIG] = {"image_config", "--image-config", NULL, T_PATH, NULL, 0, 0, NULL},
    [K_GUI] = {"gui", "--gui", NULL, T_BOOL, NULL, 0, 0, NULL},
    [K_NET] = {"net", "--net", NULL, T_BOOL, NULL, 0, 0, NULL},
    [K_TIMEOUT] = {"timeout", "--timeout", "KILN_TIMEOUT", T_INT, NULL, 0, 86400, "seconds"},
    [K_PASS_ON] = {"pass_on", "--pass-on", NULL, T_REGEX, NULL, 0, 0, NULL},
    [K_DEBUGCON] = {"debugcon", "--debugcon", NULL, T_PATH, NULL, 0, 0, NULL},
    [K_LOG] = {NULL, "--log", NULL, T_PATH, NULL, 0, 0, NULL},
    [K_GDB] = {NULL, "--gdb", NULL, T_BOOL, NULL, 0, 0, NULL},
    [K_MONITOR] = {NULL, "--monitor", NULL, T_BOOL, NULL, 0, 0, NULL},
    [K_EXPECT_FAIL] = {NULL, "--expect-fail", NULL, T_FAIL, NULL, 0, 0, NULL},
    [K_VERBOSE] = {NULL, "--verbose", NULL, T_BOOL, NULL, 0, 0, NULL},
    [K_MODULES] = {"modules", "--module", NULL, T_MODULES, NULL, 0, 0, NULL},
    [K_QEMU_ARGS] = {"qemu_args", NULL, "KILN_QEMU_ARGS", T_ARGS, NULL, 0, 0, NULL},
    [K_EXPECT] = {"expect", "--expect", NULL, T_REGEXES, NULL, 0, 0, NULL},
    [K_REPLY] = {"reply", "--reply", NULL, T_REPLIES, NULL, 0, 0, NULL},
};

const char *rc_key_name(enum rc_key k) { return keys[k].key ? keys[k].key : keys[k].opt + 2; }

const char *rc_enum_name(enum rc_key k, long v) {
    const char *const *n = keys[k].names;
    for (long i = 0; n && n[i]; i++)
        if (i == v) return n[i];
    return "?";
}

static bool is_list(enum rc_key k) { return k >= K_NVALUES; }

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

/* A value as a layer hands it over. */
struct input {
    const char *text;             /* command line, environment, one list item */
    const struct toml_entry *t;   /* kiln.toml (the whole entry) */
    bool flag;                    /* a flag from the command line */
    bool is_flag;
};

/* What an error message starts with: where the value came from and what it
 * was. "--cpus 0", "KILN_MEMORY=abc", "kiln.toml:4: memory = 0". */
static const char *describe(struct arena *a, enum rc_key k, const struct input *in, const struct rc_source *src) {
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

static bool check_regex(const char *re, char *err, size_t errsz) {
    regex_t r;
    int rc = regcomp(&r, re, REG_EXTENDED | REG_NOSUB);
    if (rc) {
        char buf[256];
        regerror(rc, &r, buf, sizeof buf);
        snprintf(err, errsz, "bad regular expression: %s", buf);
        return false;
    }
    regfree(&r);
    return true;
}

bool rc_reply_split(struct arena *a, const char *item, char **pattern, char **text, size_t *len, char *err,
                    size_t errsz) {
    size_t n = strlen(item);
    char *pat = arena_alloc(a, n + 1), *txt = arena_alloc(a, n + 1);
    size_t pn = 0, tn = 0, i = 0;
    for (; i < n && item[i] != '='; i++) {
        if (item[i] == '\\' && item[i + 1] == '=') i++;
        else if (item[i] == '\\' && item[i + 1]) pat[pn++] = item[i++]; /* keep regex escapes whole */
        pat[pn++] = item[i];
    }
    if (i == n) return snprintf(err, errsz, "expected PATTERN=TEXT (no '=')"), false;
    if (pn == 0) return snprintf(err, errsz, "expected PATTERN=TEXT (empty PATTERN)"), false;
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
            return snprintf(err, errsz, "TEXT ends in a lone backslash (write \\\\)"), false;
        } else {
            return snprintf(err, errsz, "unknown escape \\%c in TEXT (known: \\n \\r \\t \\e \\\\ \\xHH)", c), false;
        }
    }
    if (!check_regex(pat, err, errsz)) return false;
    *pattern = pat;
    *text = txt;
    *len = tn;
    return true;
}

static bool is_ident(const char *s) {
    if (!(*s == '_' || (*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z'))) return false;
    for (; *s; s++)
        if (!(*s == '_' || (*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9')))
            return false;
    return true;
}

const char *rc_getenv(const char *const *envp, const char *name) {
    size_t n = strlen(name);
    for (; envp && *envp; envp++)
        if (!strncmp(*envp, name, n) && (*envp)[n] == '=') return *envp + n + 1;
    return NULL;
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
static struct rc_source keep_src(struct run_config *c, const struct rc_source *src) {
    struct rc_source s = *src;
    s.file = arena_strdup(&c->a, s.file);
    s.table = arena_strdup(&c->a, s.table);
    s.name = arena_strdup(&c->a, s.name);
    return s;
}

static void list_add(struct run_config *c, enum rc_key k, const char *s, const struct rc_source *src) {
    struct rc_list *l = rc_list(c, k);
    l->items = arena_grow(&c->a, l->items, l->n, &l->cap, sizeof *l->items);
    l->items[l->n++] = (struct rc_item){s, keep_src(c, src)};
}

/* Checks one list item and appends it. */
static bool add_item(struct run_config *c, enum rc_key k, const char *s, const char *what, const struct rc_source *src,
                     struct rc_err *e) {
    char err[512];
    switch (keys[k].type) {
    case T_MODULES: {
        const char *eq = strchr(s, '=');
        if (!*s || eq == s) return rc_fail(e, "%s: expected FILE[=NAME] (empty FILE)", what);
        if (eq && !eq[1]) return rc_fail(e, "%s: expected FILE[=NAME] (empty NAME)", what);
        const char *file = eq ? arena_strndup(&c->a, s, (size_t)(eq - s)) : s;
        file = join_project(c, file, src);
        s = eq ? arena_printf(&c->a, "%s%s", file, eq) : file;
        break;
    }
    case T_REGEXES:
        if (!*s) return rc_fail(e, "%s: empty regular expression", what);
        if (!check_regex(s, err, sizeof err)) return rc_fail(e, "%s: %s", what, err);
        break;
    case T_REPLIES: {
        char *p, *t;
        size_t n;
        if (!rc_reply_split(&c->a, s, &p, &t, &n, err, sizeof err)) return rc_fail(e, "%s: %s", what, err);
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

static bool apply(struct run_config *c, enum rc_key k, const struct input *in, const struct rc_source *src,
                  struct rc_err *e) {
    const struct keydef *d = &keys[k];
    const struct toml_entry *t = in->t;
    const char *what = describe(&c->a, k, in, src);
    struct rc_value *v = is_list(k) ? NULL : &c->v[k];

    /* kiln.toml: the TOML type must fit. */
    if (t) {
        enum toml_type want = d->type == T_INT ? TOML_INT : d->type == T_BOOL ? TOML_BOOL
                              : is_list(k)     ? TOML_ARRAY
                                               : TOML_STRING;
        if (t->type != want)
            return rc_fail(e, "%s:%d: %s: expected %s, found %s", src->file, src->line, t->key,
                           want == TOML_ARRAY  ? "an array of strings"
                           : want == TOML_BOOL ? "true or false"
                                               : toml_a_type(want),
                           toml_a_type(t->type));
        if (is_list(k)) {
            for (size_t i = 0; i < t->nitems; i++) {
                const char *w = arena_printf(&c->a, "%s:%d: %s[%zu] = \"%s\"", src->file, src->line, t->key, i,
                                             t->items[i]);
                if (!add_item(c, k, t->items[i], w, src, e)) return false;
            }
            return true;
        }
    }
    const char *text = t ? t->str : in->text;
    char err[512];

    switch (d->type) {
    case T_STR:
        v->str = arena_strdup(&c->a, text);
        break;
    case T_PATH:
        if (!*text) return rc_fail(e, "%s: empty file name", what);
        v->str = join_project(c, text, src);
        break;
    case T_REGEX:
        if (*text && !check_regex(text, err, sizeof err)) return rc_fail(e, "%s: %s", what, err);
        v->str = arena_strdup(&c->a, text);
        break;
    case T_FAIL:
        if (text && *text && !check_regex(text, err, sizeof err)) return rc_fail(e, "%s: %s", what, err);
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
                return rc_fail(e, "%s: must be %ld..%ld%s%s", what, d->min, d->max, d->unit ? " " : "",
                               d->unit ? d->unit : "");
            n = (long)t->num;
        } else {
            bool ok = k == K_MEMORY ? parse_mib(text, &n) : parse_long(text, &n);
            if (!ok)
                return rc_fail(e, "%s: not a number%s%s%s", what, d->unit ? " of " : "", d->unit ? d->unit : "",
                               k == K_MEMORY ? " (e.g. 512, 512M or 2G)" : "");
            if (n < d->min || n > d->max)
                return rc_fail(e, "%s: must be %ld..%ld%s%s", what, d->min, d->max, d->unit ? " " : "",
                               d->unit ? d->unit : "");
        }
        v->num = n;
        break;
    }
    case T_ENUM: {
        long i = 0;
        while (d->names[i] && strcmp(d->names[i], text)) i++;
        if (!d->names[i]) return rc_fail(e, "%s: must be %s", what, one_of(&c->a, d->names));
        v->num = i;
        break;
    }
    case T_ARGS:
        if (src->layer == RC_ENV) { /* KILN_QEMU_ARGS: one string, split like a shell */
            char **w;
            int nw;
            if (!rc_split_words(&c->a, text, &w, &nw, err, sizeof err)) return rc_fail(e, "%s: %s", what, err);
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
    v->src = keep_src(c, src);
    return true;
}

/* --- the project file ---------------------------------------------------------------- */

static bool slurp(const char *path, char **text, size_t *len, struct rc_err *e) {
    FILE *f = fopen(path, "rb");
    if (!f) return rc_fail(e, "%s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > (1 << 20)) {
        fclose(f);
        return rc_fail(e, "%s: not a regular file of at most 1 MiB", path);
    }
    size_t n = (size_t)st.st_size;
    char *buf = xmalloc(n + 1);
    if (n && fread(buf, 1, n, f) != n) {
        fclose(f);
        free(buf);
        return rc_fail(e, "%s: read error", path);
    }
    fclose(f);
    buf[n] = 0;
    *text = buf;
    *len = n;
    return true;
}

static bool is_regular(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Where kiln.toml is: --config, KILN_CONFIG_FILE, or the nearest one
 * walking up from the current directory (ctx->cwd, else the real one). An
 * empty KILN_CONFIG_FILE or --no-config means none. */
static bool find_config(struct run_config *c, const struct rc_cli *cli, const struct rc_ctx *ctx, struct rc_err *e) {
    const char *env = rc_getenv(ctx->envp, "KILN_CONFIG_FILE");
    if (cli->no_config || (!cli->config_file && env && !*env)) return true;
    const char *given = cli->config_file ? cli->config_file : env;
    if (given) {
        if (!is_regular(given))
            return rc_fail(e, "%s%s: no such file", cli->config_file ? "--config " : "KILN_CONFIG_FILE=", given);
        c->config_file = arena_strdup(&c->a, given);
    } else {
        char buf[PATH_MAX];
        const char *start = ctx->cwd ? ctx->cwd : getcwd(buf, sizeof buf);
        if (!start) return true;
        char *dir = arena_strdup(&c->a, start);
        for (int depth = 0; !c->config_file; depth++) {
            char *p = arena_printf(&c->a, "%s/kiln.toml", strcmp(dir, "/") ? dir : "");
            if (is_regular(p)) {
                c->config_file = depth == 0 && !ctx->cwd ? "kiln.toml" : p;
                break;
            }
            char *slash = strrchr(dir, '/');
            if (!slash || !strcmp(dir, "/")) return true; /* none up to the root */
            if (slash == dir) dir[1] = 0;
            else *slash = 0;
        }
    }
    const char *slash = strrchr(c->config_file, '/');
    c->project_dir = !slash ? "." : slash == c->config_file ? "/" : arena_strndup(&c->a, c->config_file, (size_t)(slash - c->config_file));
    return true;
}

/* The kind of table a header names. */
enum tkind { TB_TOP, TB_RUN, TB_TEST, TB_VARS, TB_PROFILE, TB_PROFILE_RUN, TB_PROFILE_TEST, TB_PROFILE_ROOT, TB_BAD };

static enum tkind table_kind(const char *t, const char **profile, size_t *plen) {
    if (!*t) return TB_TOP;
    if (!strcmp(t, "run")) return TB_RUN;
    if (!strcmp(t, "test")) return TB_TEST;
    if (!strcmp(t, "vars")) return TB_VARS;
    if (!strcmp(t, "profile")) return TB_PROFILE_ROOT;
    if (strncmp(t, "profile.", 8)) return TB_BAD;
    const char *name = t + 8, *dot = strchr(name, '.');
    *profile = name;
    *plen = dot ? (size_t)(dot - name) : strlen(name);
    if (!dot) return TB_PROFILE;
    if (!strcmp(dot, ".run")) return TB_PROFILE_RUN;
    if (!strcmp(dot, ".test")) return TB_PROFILE_TEST;
    return TB_BAD;
}

static enum rc_key key_by_name(const char *name) {
    for (int k = 0; k < K_COUNT; k++)
        if (keys[k].key && !strcmp(keys[k].key, name)) return (enum rc_key)k;
    return K_COUNT;
}

static const char *known_keys(struct arena *a) {
    const char *s = "";
    for (int k = 0; k < K_COUNT; k++)
        if (keys[k].key) s = arena_printf(a, "%s%s%s", s, *s ? ", " : "", keys[k].key);
    return s;
}

static bool apply_entry(struct run_config *c, const struct toml_entry *t, enum rc_layer layer, const char *file,
                        struct rc_err *e) {
    struct rc_source src = {layer, file, t->line, arena_strdup(&c->a, t->table), NULL};
    enum rc_key k = key_by_name(t->key);
    if (k == K_COUNT) {
        for (int i = 0; i < K_COUNT; i++)
            if (keys[i].opt && !keys[i].key && !strcmp(keys[i].opt + 2, t->key))
                return rc_fail(e, "%s:%d: '%s' is a command-line option only (%s), not a kiln.toml key", file, t->line,
                               t->key, keys[i].opt);
        return rc_fail(e, "%s:%d: unknown key '%s' (known: %s)", file, t->line, t->key, known_keys(&c->a));
    }
    struct input in = {.t = t};
    return apply(c, k, &in, &src, e);
}

static void add_var(struct run_config *c, const char *name, const char *value, const struct rc_source *src) {
    for (size_t i = 0; i < c->nvars; i++)
        if (!strcmp(c->vars[i].name, name)) {
            c->vars[i].value = arena_strdup(&c->a, value);
            c->vars[i].src = keep_src(c, src);
            return;
        }
    struct rc_var *v = arena_alloc(&c->a, (c->nvars + 1) * sizeof *v);
    if (c->nvars) memcpy(v, c->vars, c->nvars * sizeof *v);
    v[c->nvars++] = (struct rc_var){arena_strdup(&c->a, name), arena_strdup(&c->a, value), keep_src(c, src)};
    c->vars = v;
}

static const char *const builtin_vars[] = {"KERNEL", "KERNEL_NAME", "IS_TEST", "PROJECT_DIR", NULL};

static bool is_builtin(const char *name) {
    for (size_t i = 0; builtin_vars[i]; i++)
        if (!strcmp(builtin_vars[i], name)) return true;
    return false;
}

/* Checks every table and entry of the file (whatever mode and profile are
 * in use, so a typo in [profile.ci] is found on any run), collects the
 * profile names and the [vars]. */
static bool check_file(struct run_config *c, const struct toml_doc *doc, struct rc_err *e) {
    const char *file = c->config_file;
    for (size_t i = 0; i < doc->ntables; i++) {
        const char *pname = NULL;
        size_t plen = 0;
        enum tkind tk = table_kind(doc->tables[i].name, &pname, &plen);
        if (tk == TB_BAD)
            return rc_fail(e, "%s:%d: unknown table [%s] (known: [run], [test], [vars], [profile.NAME], "
                              "[profile.NAME.run], [profile.NAME.test])",
                           file, doc->tables[i].line, doc->tables[i].name);
        if (tk == TB_PROFILE || tk == TB_PROFILE_RUN || tk == TB_PROFILE_TEST) {
            bool seen = false;
            for (size_t j = 0; j < c->nprofiles; j++)
                seen |= strlen(c->profiles[j]) == plen && !strncmp(c->profiles[j], pname, plen);
            if (!seen) {
                const char **p = arena_alloc(&c->a, (c->nprofiles + 1) * sizeof *p);
                if (c->nprofiles) memcpy(p, c->profiles, c->nprofiles * sizeof *p);
                p[c->nprofiles++] = arena_strndup(&c->a, pname, plen);
                c->profiles = p;
            }
        }
    }
    struct run_config scratch;
    rc_init(&scratch);
    scratch.project_dir = c->project_dir;
    bool ok = true;
    for (size_t i = 0; ok && i < doc->nentries; i++) {
        const struct toml_entry *t = &doc->entries[i];
        const char *pname;
        size_t plen;
        enum tkind tk = table_kind(t->table, &pname, &plen);
        if (tk == TB_PROFILE_ROOT) {
            ok = rc_fail(e, "%s:%d: '%s' directly under [profile]: name the profile, [profile.NAME]", file, t->line,
                         t->key);
        } else if (tk == TB_VARS) {
            struct rc_source src = {RC_FILE, file, t->line, "vars", NULL};
            if (!is_ident(t->key))
                ok = rc_fail(e, "%s:%d: variable name '%s' must be letters, digits and '_'", file, t->line, t->key);
            else if (is_builtin(t->key))
                ok = rc_fail(e, "%s:%d: {{%s}} is a built-in variable and cannot be set in [vars]", file, t->line,
                             t->key);
            else if (t->type != TOML_STRING)
                ok = rc_fail(e, "%s:%d: %s: a variable must be a string, found %s", file, t->line, t->key,
                             toml_a_type(t->type));
            else
                add_var(c, t->key, t->str, &src);
        } else {
            ok = apply_entry(&scratch, t, RC_FILE, file, e);
        }
    }
    rc_free(&scratch);
    return ok;
}

static bool apply_table(struct run_config *c, const struct toml_doc *doc, const char *table, enum rc_layer layer,
                        struct rc_err *e) {
    for (size_t i = 0; i < doc->nentries; i++)
        if (!strcmp(doc->entries[i].table, table) && !apply_entry(c, &doc->entries[i], layer, c->config_file, e))
            return false;
    return true;
}

/* --- the command line ------------------------------------------------------------------- */

static void cli_add(struct arena *a, struct rc_cli *cli, enum rc_key k, const char *text, bool flag,
                    const struct rc_source *base, const char *name) {
    cli->set = arena_grow(a, cli->set, cli->n, &cli->cap, sizeof *cli->set);
    struct rc_source src = *base;
    src.name = arena_strdup(a, name);
    cli->set[cli->n++] = (struct rc_setting){k, text ? arena_strdup(a, text) : NULL, flag, src};
}

bool rc_parse_cli(struct arena *a, int argc, char **argv, const struct rc_source *base, struct rc_cli *cli,
                  rc_extra_fn *extra, void *ctx, struct rc_err *e) {
    bool plan = base->layer == RC_PLAN;
    cli->base = *base;
    cli->base.file = arena_strdup(a, base->file);
    const char *where = plan ? arena_printf(a, "%s:%d: ", base->file, base->line) : "";
    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i];
        if (!strcmp(arg, "--")) {
            for (i++; i < argc; i++) cli_add(a, cli, K_QEMU_ARGS, argv[i], false, base, "--");
            break;
        }
        if (arg[0] != '-' || !arg[1]) {
            const char **t = arena_alloc(a, (cli->ntargets + 1) * sizeof *t);
            if (cli->ntargets) memcpy(t, cli->targets, cli->ntargets * sizeof *t);
            t[cli->ntargets++] = arena_strdup(a, arg);
            cli->targets = t;
            continue;
        }
        /* --opt=value */
        const char *eq = arg[1] == '-' ? strchr(arg, '=') : NULL;
        const char *opt = eq ? arena_strndup(a, arg, (size_t)(eq - arg)) : arg;
        const char *inline_val = eq ? eq + 1 : NULL;
#define VALUE() \
    (inline_val ? inline_val \
     : i + 1 < argc ? argv[++i] \
                    : (rc_fail(e, "%s%s needs a value", where, opt), (const char *)NULL))

        if (!strcmp(opt, "-h") || !strcmp(opt, "--help")) {
            cli->help = true;
            continue;
        }
        if (!strcmp(opt, "--test")) {
            cli->test = true;
            continue;
        }
        if (!strcmp(opt, "-v") || !strcmp(opt, "--verbose")) {
            cli_add(a, cli, K_VERBOSE, NULL, true, base, opt);
            continue;
        }
        if (!strcmp(opt, "--dry-run") || !strcmp(opt, "--config") || !strcmp(opt, "--no-config") ||
            !strcmp(opt, "--profile")) {
            if (plan) return rc_fail(e, "%s%s cannot be used in a plan line", where, opt);
            if (!strcmp(opt, "--dry-run")) cli->dry_run = true;
            else if (!strcmp(opt, "--no-config")) cli->no_config = true;
            else if (!strcmp(opt, "--config") && !(cli->config_file = VALUE())) return false;
            else if (!strcmp(opt, "--profile") && !(cli->profile = VALUE())) return false;
            continue;
        }
        bool done = false;
        for (int k = 0; k < K_COUNT && !done; k++) {
            const struct keydef *d = &keys[k];
            if (!d->opt) continue;
            if (d->type == T_BOOL && (!strcmp(opt, d->opt) || (!strncmp(opt, "--no-", 5) && !strcmp(opt + 5, d->opt + 2)))) {
                if (eq) return rc_fail(e, "%s%s takes no value", where, opt);
                cli_add(a, cli, (enum rc_key)k, NULL, strncmp(opt, "--no-", 5) != 0, base, opt);
                done = true;
            } else if (d->type == T_FAIL && !strcmp(opt, d->opt)) {
                cli_add(a, cli, (enum rc_key)k, inline_val, true, base, opt);
                done = true;
            } else if (d->type != T_BOOL && d->type != T_FAIL && !strcmp(opt, d->opt)) {
                const char *v = VALUE();
                if (!v) return false;
                cli_add(a, cli, (enum rc_key)k, v, false, base, opt);
                done = true;
            }
        }
        if (done) continue;
        if (extra) {
            int used = extra(ctx, argc, argv, i, e);
            if (used < 0) return false;
            if (used > 0) {
                i += used - 1;
                continue;
            }
        }
        return rc_fail(e, "%sunknown option '%s'", where, arg);
#undef VALUE
    }
    return true;
}

/* --- templates ----------------------------------------------------------------------- */

const char *path_stem(struct arena *a, const char *path) {
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    const char *dot = strrchr(b, '.');
    return dot && dot != b ? arena_strndup(a, b, (size_t)(dot - b)) : b;
}

bool rc_expand(struct run_config *c, const char *text, const char *what, const struct rc_source *src, char **out,
               struct rc_err *e) {
    size_t cap = strlen(text) + 1, n = 0;
    char *buf = xmalloc(cap);
    const char *kernel = c->v[K_KERNEL].set ? c->v[K_KERNEL].str : "";
    for (const char *p = text; *p;) {
        const char *val = NULL, *lit = p;
        size_t litn = 1;
        if (!strncmp(p, "{{{{", 4)) {
            lit = "{{", litn = 2, p += 4;
        } else if (!strncmp(p, "{{", 2)) {
            const char *close = strstr(p + 2, "}}");
            const char *w = src->layer == RC_FILE || src->layer == RC_PROFILE
                                ? arena_printf(&c->a, "%s:%d: %s", src->file, src->line, what)
                                : arena_printf(&c->a, "%s (%s)", what, rc_source_str(&c->a, src));
            if (!close) {
                free(buf);
                return rc_fail(e, "%s: unterminated {{ (write {{{{ for a literal {{)", w);
            }
            const char *s = p + 2, *t = close;
            while (s < t && *s == ' ') s++;
            while (t > s && t[-1] == ' ') t--;
            char *name = arena_strndup(&c->a, s, (size_t)(t - s));
            if (!is_ident(name)) {
                free(buf);
                return rc_fail(e, "%s: '{{%s}}' is not a variable name (write {{{{ for a literal {{)", w, name);
            }
            if (!strcmp(name, "KERNEL")) val = kernel;
            else if (!strcmp(name, "KERNEL_NAME")) val = path_stem(&c->a, kernel);
            else if (!strcmp(name, "IS_TEST")) val = c->test ? "1" : "0";
            else if (!strcmp(name, "PROJECT_DIR")) val = c->project_dir ? c->project_dir : ".";
            for (size_t i = 0; !val && i < c->nvars; i++)
                if (!strcmp(c->vars[i].name, name)) val = c->vars[i].value;
            if (!val) {
                const char *known = "KERNEL, KERNEL_NAME, IS_TEST, PROJECT_DIR";
                for (size_t i = 0; i < c->nvars; i++) known = arena_printf(&c->a, "%s, %s", known, c->vars[i].name);
                free(buf);
                return rc_fail(e, "%s: unknown template variable {{%s}} (known: %s; add it to [vars] or set KILN_VAR_%s)",
                               w, name, known, name);
            }
            lit = val, litn = strlen(val), p = close + 2;
        } else {
            p++;
        }
        if (n + litn + 1 > cap) {
            cap = (n + litn + 1) * 2;
            char *nb = xmalloc(cap);
            memcpy(nb, buf, n);
            free(buf);
            buf = nb;
        }
        memcpy(buf + n, lit, litn);
        n += litn;
    }
    buf[n] = 0;
    *out = arena_strdup(&c->a, buf);
    free(buf);
    return true;
}

/* --- resolving ---------------------------------------------------------------------------- */

void rc_init(struct run_config *c) { memset(c, 0, sizeof *c); }

void rc_free(struct run_config *c) { arena_free(&c->a); }

static void set_default(struct run_config *c, enum rc_key k, long num, const char *str, const char *note) {
    c->v[k] = (struct rc_value){true, num, str, {RC_DEFAULT, NULL, 0, NULL, note}};
}

static bool apply_settings(struct run_config *c, const struct rc_cli *cli, struct rc_err *e) {
    for (size_t i = 0; i < cli->n; i++) {
        const struct rc_setting *s = &cli->set[i];
        struct input in = {.text = s->text, .flag = s->flag, .is_flag = s->text == NULL};
        if (!apply(c, s->key, &in, &s->src, e)) return false;
    }
    return true;
}

static bool apply_target(struct run_config *c, const struct rc_cli *cli, struct rc_err *e) {
    if (cli->ntargets > 1)
        return rc_fail(e, "%smore than one TARGET ('%s' and '%s')",
                       cli->base.layer == RC_PLAN ? arena_printf(&c->a, "%s:%d: ", cli->base.file, cli->base.line) : "",
                       cli->targets[0], cli->targets[1]);
    if (cli->ntargets == 1) {
        struct rc_source src = cli->base;
        src.name = "TARGET";
        struct input in = {.text = cli->targets[0]};
        return apply(c, K_KERNEL, &in, &src, e);
    }
    return true;
}

static bool finish(struct run_config *c, struct rc_err *e) {
    struct rc_value *v = c->v;
    if (!v[K_KERNEL].set)
        return rc_fail(e, "no TARGET: name a kernel ELF or a disk image (kiln run TARGET), or set kernel = \"...\" "
                          "in kiln.toml");
    if (!v[K_DISK].set)
        set_default(c, K_DISK, v[K_MACHINE].num == MACHINE_PC ? DISK_IDE : DISK_AHCI, NULL,
                    v[K_MACHINE].num == MACHINE_PC ? "for machine pc" : "for machine q35");
    const char *s1, *s2;
    if (v[K_FIRMWARE].num == FW_UEFI && v[K_KIND].num == KIND_BIOS) {
        s1 = rc_source_str(&c->a, &v[K_KIND].src), s2 = rc_source_str(&c->a, &v[K_FIRMWARE].src);
        return rc_fail(e, "kind bios (%s) cannot boot with firmware uefi (%s): a bios image has no EFI system "
                          "partition; use kind hybrid or uefi",
                       s1, s2);
    }
    if (v[K_MACHINE].num == MACHINE_Q35 && v[K_DISK].num == DISK_IDE) {
        s1 = rc_source_str(&c->a, &v[K_DISK].src), s2 = rc_source_str(&c->a, &v[K_MACHINE].src);
        return rc_fail(e, "disk ide (%s) needs machine pc: the q35 machine (%s) has no legacy IDE controller; use "
                          "disk ahci (its SATA controller) or machine pc",
                       s1, s2);
    }
    if (v[K_CMDLINE].set) {
        char *x;
        if (!rc_expand(c, v[K_CMDLINE].str, "cmdline", &v[K_CMDLINE].src, &x, e)) return false;
        if (strchr(x, '\n')) return rc_fail(e, "%s: the kernel command line may not contain a newline",
                                            rc_source_str(&c->a, &v[K_CMDLINE].src));
        v[K_CMDLINE].str = x;
    }
    struct rc_list *qa = rc_list(c, K_QEMU_ARGS);
    for (size_t i = 0; i < qa->n; i++) {
        char *x;
        if (!rc_expand(c, qa->items[i].str, "qemu_args", &qa->items[i].src, &x, e)) return false;
        qa->items[i].str = x;
    }
    return true;
}

bool rc_resolve(struct run_config *c, const struct rc_cli *cli, const struct rc_cli *plan, const struct rc_ctx *ctx,
                struct rc_err *e) {
    c->test = ctx->test || cli->test || (plan && plan->test);
    if (ctx->test) c->test_src = (struct rc_source){RC_CLI, NULL, 0, NULL, "kiln test"};
    else if (c->test) c->test_src = (struct rc_source){RC_CLI, NULL, 0, NULL, "--test"};
    else c->test_src = (struct rc_source){RC_DEFAULT, NULL, 0, NULL, NULL};

    /* Layer 0: built-in defaults. */
    set_default(c, K_FIRMWARE, FW_BIOS, NULL, NULL);
    set_default(c, K_KIND, KIND_HYBRID, NULL, NULL);
    set_default(c, K_MACHINE, MACHINE_Q35, NULL, NULL);
    set_default(c, K_MEMORY, 256, NULL, NULL);
    set_default(c, K_CPUS, 1, NULL, NULL);
    set_default(c, K_ACCEL, ACCEL_TCG, NULL, NULL);
    set_default(c, K_QEMU, 0, "qemu-system-x86_64", NULL);
    set_default(c, K_GUI, 0, NULL, NULL);
    set_default(c, K_NET, 0, NULL, NULL);
    set_default(c, K_TIMEOUT, c->test ? 60 : 0, NULL, c->test ? "in test mode" : "in run mode");
    set_default(c, K_GDB, 0, NULL, NULL);
    set_default(c, K_MONITOR, 0, NULL, NULL);
    set_default(c, K_EXPECT_FAIL, 0, NULL, NULL);
    set_default(c, K_VERBOSE, 0, NULL, NULL);

    /* Layers 1 and 2: the project file and the profile. */
    if (!find_config(c, cli, ctx, e)) return false;
    const char *env_profile = rc_getenv(ctx->envp, "KILN_PROFILE");
    if (cli->profile) {
        c->profile = arena_strdup(&c->a, cli->profile);
        c->profile_src = (struct rc_source){RC_CLI, NULL, 0, NULL, "--profile"};
    } else if (env_profile && *env_profile) {
        c->profile = arena_strdup(&c->a, env_profile);
        c->profile_src = (struct rc_source){RC_ENV, NULL, 0, NULL, "KILN_PROFILE"};
    }
    if (c->config_file) {
        char *text = NULL;
        size_t len = 0;
        if (!slurp(c->config_file, &text, &len, e)) return false;
        struct toml_doc doc;
        bool ok = toml_parse(text, len, c->config_file, &doc, e->msg, sizeof e->msg);
        free(text);
        if (!ok) return false;
        const char *mode = c->test ? "test" : "run";
        ok = check_file(c, &doc, e) && apply_table(c, &doc, "", RC_FILE, e) && apply_table(c, &doc, mode, RC_FILE, e);
        if (ok && c->profile) {
            bool known = false;
            for (size_t i = 0; i < c->nprofiles; i++) known |= !strcmp(c->profiles[i], c->profile);
            if (!known) {
                const char *list = "";
                for (size_t i = 0; i < c->nprofiles; i++)
                    list = arena_printf(&c->a, "%s%s%s", list, i ? ", " : "", c->profiles[i]);
                ok = rc_fail(e, "unknown profile '%s' (%s): %s %s", c->profile,
                             rc_source_str(&c->a, &c->profile_src), c->config_file,
                             c->nprofiles ? arena_printf(&c->a, "defines: %s", list) : "defines no profiles");
            } else {
                ok = apply_table(c, &doc, arena_printf(&c->a, "profile.%s", c->profile), RC_PROFILE, e) &&
                     apply_table(c, &doc, arena_printf(&c->a, "profile.%s.%s", c->profile, mode), RC_PROFILE, e);
            }
        }
        toml_free(&doc);
        if (!ok) return false;
    } else if (c->profile) {
        return rc_fail(e, "unknown profile '%s' (%s): no kiln.toml found (profiles live in kiln.toml)", c->profile,
                       rc_source_str(&c->a, &c->profile_src));
    }

    /* Layer 3: the environment. */
    for (int k = 0; k < K_COUNT; k++) {
        const char *val = keys[k].env ? rc_getenv(ctx->envp, keys[k].env) : NULL;
        if (!val || !*val) continue;
        struct rc_source src = {RC_ENV, NULL, 0, NULL, keys[k].env};
        struct input in = {.text = val};
        if (!apply(c, (enum rc_key)k, &in, &src, e)) return false;
    }
    for (const char *const *p = ctx->envp; p && *p; p++) {
        if (strncmp(*p, "KILN_VAR_", 9)) continue;
        const char *eq = strchr(*p, '=');
        char *name = arena_strndup(&c->a, *p + 9, (size_t)(eq - *p - 9));
        char *var = arena_strndup(&c->a, *p, (size_t)(eq - *p));
        if (!is_ident(name)) return rc_fail(e, "%s: '%s' is not a variable name (letters, digits, '_')", var, name);
        if (is_builtin(name)) return rc_fail(e, "%s: {{%s}} is a built-in variable", var, name);
        struct rc_source src = {RC_ENV, NULL, 0, NULL, var};
        add_var(c, name, eq + 1, &src);
    }

    /* Layers 4 and 5: the command line, the plan line. */
    if (!apply_settings(c, cli, e) || !apply_target(c, cli, e)) return false;
    if (plan && (!apply_settings(c, plan, e) || !apply_target(c, plan, e))) return false;
    return finish(c, e);
}

/* --- printing --------------------------------------------------------------------------------- */

static void print_str(FILE *f, const char *s) {
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') fprintf(f, "\\%c", *s);
        else if (*s == '\n') fputs("\\n", f);
        else if (*s == '\r') fputs("\\r", f);
        else if (*s == '\t') fputs("\\t", f);
        else if ((unsigned char)*s < 0x20) fprintf(f, "\\x%02x", (unsigned char)*s);
        else fputc(*s, f);
    }
    fputc('"', f);
}

void rc_print(FILE *f, struct run_config *c) {
    struct arena *a = &c->a;
    fprintf(f, "%-13s = %s\n", "config file", c->config_file ? c->config_file : "(none)");
    if (c->profile) fprintf(f, "%-13s = %s  (%s)\n", "profile", c->profile, rc_source_str(a, &c->profile_src));
    else fprintf(f, "%-13s = (none)\n", "profile");
    fprintf(f, "%-13s = %s  (%s)\n", "mode", c->test ? "test" : "run", rc_source_str(a, &c->test_src));
    for (int k = 0; k < K_NVALUES; k++) {
        const struct rc_value *v = &c->v[k];
        fprintf(f, "%-13s = ", rc_key_name((enum rc_key)k));
        if (!v->set) {
            fputs("(none)\n", f);
            continue;
        }
        switch (keys[k].type) {
        case T_INT: fprintf(f, "%ld", v->num); break;
        case T_ENUM: fputs(rc_enum_name((enum rc_key)k, v->num), f); break;
        case T_BOOL: fputs(v->num ? "true" : "false", f); break;
        case T_FAIL:
            fputs(v->num ? "true" : "false", f);
            if (v->num && v->str && *v->str) {
                fputs(" (reason matching ", f);
                print_str(f, v->str);
                fputc(')', f);
            }
            break;
        case T_STR:
        case T_REGEX: print_str(f, v->str); break;
        default: fputs(v->str, f); break;
        }
        fprintf(f, "  (%s)\n", rc_source_str(a, &v->src));
    }
    for (int k = K_NVALUES; k < K_COUNT; k++) {
        const struct rc_list *l = rc_clist(c, (enum rc_key)k);
        if (!l->n) fprintf(f, "%-13s = []\n", rc_key_name((enum rc_key)k));
        for (size_t i = 0; i < l->n; i++) {
            fprintf(f, "%-13s += ", rc_key_name((enum rc_key)k));
            if (keys[k].type == T_MODULES) fputs(l->items[i].str, f);
            else print_str(f, l->items[i].str);
            fprintf(f, "  (%s)\n", rc_source_str(a, &l->items[i].src));
        }
    }
    for (size_t i = 0; i < c->nvars; i++) {
        fprintf(f, "vars.%-8s = ", c->vars[i].name);
        print_str(f, c->vars[i].value);
        fprintf(f, "  (%s)\n", rc_source_str(a, &c->vars[i].src));
    }
}

/* --- words and plan files ------------------------------------------------------------------------ */

bool rc_split_words(struct arena *a, const char *s, char ***words, int *nwords, char *err, size_t errsz) {
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
                if (!q) return snprintf(err, errsz, "unterminated single quote"), false;
                memcpy(buf + len, p + 1, (size_t)(q - p - 1));
                len += (size_t)(q - p - 1);
                p = q + 1;
            } else if (*p == '"') {
                for (p++; *p != '"'; p++) {
                    if (!*p) return snprintf(err, errsz, "unterminated double quote"), false;
                    if (*p == '\\' && p[1] && strchr("\"\\$`\n", p[1])) {
                        if (p[1] != '\n') buf[len++] = p[1];
                        p++;
                    } else {
                        buf[len++] = *p;
                    }
                }
                p++;
            } else if (*p == '\\') {
                if (!p[1]) return snprintf(err, errsz, "a backslash at the end of the line"), false;
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

bool rc_plan_parse(struct arena *a, const char *text, size_t len, const char *file, struct rc_plan_line **lines,
                   size_t *nlines, struct rc_err *e) {
    size_t cap = 16, n = 0;
    struct rc_plan_line *out = arena_alloc(a, cap * sizeof *out);
    if (memchr(text, 0, len)) return rc_fail(e, "%s: NUL byte in the plan", file);
    const char *p = text, *end = text + len;
    for (int line = 1, next = 1; p < end; line = next) {
        /* A logical line: a backslash at the end joins the next one. */
        const char *start = p, *eol;
        for (;;) {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            eol = nl ? nl : end;
            p = nl ? nl + 1 : end;
            next++;
            size_t bs = 0;
            for (const char *q = eol; q > start && q[-1] == '\\'; q--) bs++;
            if (bs % 2 == 0 || !nl) break;
        }
        char *l = arena_strndup(a, start, (size_t)(eol - start));
        char err[256];
        char **w;
        int nw;
        if (!rc_split_words(a, l, &w, &nw, err, sizeof err)) return rc_fail(e, "%s:%d: %s", file, line, err);
        if (nw == 0) continue;
        if (nw < 2) return rc_fail(e, "%s:%d: expected NAME TARGET [options...]", file, line);
        for (const char *c = w[0]; *c; c++)
            if (!((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') ||
                  strchr("._-+", *c)))
                return rc_fail(e, "%s:%d: boot name '%s': use letters, digits and . _ - + (it names the log file)",
                               file, line, w[0]);
        if (w[0][0] == '-' || w[0][0] == '.') return rc_fail(e, "%s:%d: boot name '%s' may not start with '%c'", file, line, w[0], w[0][0]);
        for (size_t i = 0; i < n; i++)
            if (!strcmp(out[i].name, w[0]))
                return rc_fail(e, "%s:%d: boot name '%s' is used twice (first on line %d)", file, line, w[0],
                               out[i].line);
        if (n == cap) {
            cap *= 2;
            struct rc_plan_line *no = arena_alloc(a, cap * sizeof *no);
            memcpy(no, out, n * sizeof *no);
            out = no;
        }
        out[n++] = (struct rc_plan_line){w[0], w + 1, nw - 1, line};
    }
    *lines = out;
    *nlines = n;
    return true;
}
