/* options.c - the words settings are typed in: the options of each command
 * (kiln run's also on a plan line; kiln test's and kiln image's own through
 * a callback), and plan files (one boot a line, its words split like a
 * POSIX shell). */
#include <string.h>

#include "tools/kiln/config/internal.h"
#include "tools/kiln/util/shellwords.h"

/* --- options ----------------------------------------------------------------------------- */

static void cli_add(struct arena *a, struct rc_cli *cli, enum rc_key k, const char *text, bool flag,
                    const struct rc_source *base, const char *name) {
    cli->set = arena_grow(a, cli->set, cli->n, &cli->cap, sizeof *cli->set);
    struct rc_source src = *base;
    src.name = arena_strdup(a, name);
    cli->set[cli->n++] = (struct rc_setting){k, text ? arena_strdup(a, text) : NULL, flag, src};
}

/* An option of the table, in cmd's column: as the option or its one-letter
 * form, or as --no-OPTION for a flag. */
static enum rc_key table_option(enum rc_cmd cmd, const char *opt, bool *negated) {
    for (int k = 0; k < K_COUNT; k++) {
        const struct keydef *d = &rc_keys[k];
        const char *name = rc_opt((enum rc_key)k, cmd);
        if (!name) continue;
        *negated = d->type == T_BOOL && !strncmp(opt, "--no-", 5) && !strcmp(opt + 5, name + 2);
        if (*negated || !strcmp(opt, name) || (d->short_opt && !strcmp(opt, d->short_opt))) return (enum rc_key)k;
    }
    return K_COUNT;
}

/* Old spellings. An option that meant different things in different
 * commands is refused with both meanings; one that can only be read one
 * way in a command stays there as another name for the new option. */
static const struct {
    unsigned cmds;       /* FOR_BOOT, FOR_IMAGE */
    const char *old;
    const char *now;     /* the option it is another name for, or NULL: refused */
    const char *why;     /* the refusal */
} old_options[] = {
    {FOR_BOTH, "--config", NULL,
     "--config is ambiguous: the image config (the loader's settings) is --image-config FILE, the project file "
     "(kiln.toml) is --project FILE"},
    {FOR_BOTH, "--no-config", NULL, "--no-config is now --no-project (no kiln.toml)"},
    {FOR_BOOT, "--log", NULL,
     "--log is ambiguous: the loader's log level is --loader-log LEVEL, a copy of the serial output is "
     "--serial-log FILE"},
    {FOR_IMAGE, "--log", "--loader-log", NULL},
};

/* kiln test's own options (test.c), for suggestions. */
static const char *const test_options[] = {"--list", "--jobs", "--plan", "--log-dir", "--junit", "--filter"};
/* Options rc_parse_cli handles itself. */
static const char *const own_options[] = {"--help", "--test", "--dry-run", "--profile", "--project", "--no-project"};

/* The known option nearest to opt, if it is close (a typo), else NULL. */
static const char *suggest(enum rc_cmd cmd, const char *opt) {
    const char *best = NULL;
    size_t bestd = (size_t)-1;
    if (strncmp(opt, "--", 2) || strlen(opt) > 64) return NULL;
#define TRY(name) \
    do { \
        const char *n_ = (name); \
        size_t d_ = rc_edit_distance(opt + 2, n_ + 2); \
        if (d_ < bestd) bestd = d_, best = n_; \
    } while (0)
    for (int k = 0; k < K_COUNT; k++) {
        const char *name = rc_opt((enum rc_key)k, cmd);
        if (name) TRY(name);
    }
    for (size_t i = 0; i < ARRAY_LEN(own_options); i++)
        if (cmd != RC_IMAGE || strcmp(own_options[i], "--test")) TRY(own_options[i]);
    for (size_t i = 0; cmd == RC_TEST && i < ARRAY_LEN(test_options); i++) TRY(test_options[i]);
#undef TRY
    /* a third of the name, at least one edit: --memroy is --memory, --frob is not --fb */
    size_t limit = strlen(opt + 2) / 3 > 1 ? strlen(opt + 2) / 3 : 1;
    return bestd <= limit ? best : NULL;
}

bool rc_parse_cli(struct arena *a, enum rc_cmd cmd, int argc, char **argv, const struct rc_source *base,
                  struct rc_cli *cli, rc_extra_fn *extra, void *ctx, kiln_err *e) {
    bool plan = base->layer == RC_PLAN, boot = cmd != RC_IMAGE;
    cli->base = *base;
    cli->base.file = arena_strdup(a, base->file);
    const char *where = plan ? arena_printf(a, "%s:%d: ", base->file, base->line) : "";
    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i];
        if (boot && !strcmp(arg, "--")) {
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
                    : (err_set(e, "%s%s needs a value", where, opt), (const char *)NULL))

        if (!strcmp(opt, "-h") || !strcmp(opt, "--help")) {
            cli->help = true;
            continue;
        }
        if (boot && !strcmp(opt, "--test")) {
            cli->test = true;
            continue;
        }
        const char *typed = opt; /* the name messages use */
        for (size_t o = 0; o < ARRAY_LEN(old_options); o++) {
            if (!(old_options[o].cmds & rc_cmd_mask(cmd)) || strcmp(opt, old_options[o].old)) continue;
            if (!old_options[o].now) return err_set(e, "%s%s", where, old_options[o].why);
            opt = old_options[o].now;
        }
        if (!strcmp(opt, "--dry-run") || !strcmp(opt, "--profile") || !strcmp(opt, "--project") ||
            !strcmp(opt, "--no-project")) {
            if (plan) return err_set(e, "%s%s cannot be used in a plan line", where, opt);
            if (!strcmp(opt, "--dry-run")) cli->dry_run = true;
            else if (!strcmp(opt, "--no-project")) cli->no_config = true;
            else if (!strcmp(opt, "--project") && !(cli->config_file = VALUE())) return false;
            else if (!strcmp(opt, "--profile") && !(cli->profile = VALUE())) return false;
            continue;
        }
        bool negated;
        enum rc_key k = table_option(cmd, opt, &negated);
        if (k != K_COUNT && rc_keys[k].type == T_BOOL) {
            if (eq) return err_set(e, "%s%s takes no value", where, opt);
            cli_add(a, cli, k, NULL, !negated, base, typed);
            continue;
        }
        if (k != K_COUNT && rc_keys[k].type == T_FAIL) {
            cli_add(a, cli, k, inline_val, true, base, typed);
            continue;
        }
        if (k != K_COUNT) {
            const char *v = VALUE();
            if (!v) return false;
            cli_add(a, cli, k, v, false, base, typed);
            continue;
        }
        if (extra) {
            int used = extra(ctx, argc, argv, i, e);
            if (used < 0) return false;
            if (used > 0) {
                i += used - 1;
                continue;
            }
        }
        const char *near = suggest(cmd, opt);
        if (near) return err_set(e, "%sunknown option '%s' (did you mean %s?)", where, arg, near);
        return err_set(e, "%sunknown option '%s'", where, arg);
#undef VALUE
    }
    return true;
}

/* --- plan files ---------------------------------------------------------------- */

bool rc_plan_parse(struct arena *a, const char *text, size_t len, const char *file, struct rc_plan_line **lines,
                   size_t *nlines, kiln_err *e) {
    size_t cap = 16, n = 0;
    struct rc_plan_line *out = arena_alloc(a, cap * sizeof *out);
    if (memchr(text, 0, len)) return err_set(e, "%s: NUL byte in the plan", file);
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
        kiln_err why;
        char **w;
        int nw;
        if (!shell_split(a, l, &w, &nw, &why)) return err_set(e, "%s:%d: %s", file, line, why.msg);
        if (nw == 0) continue;
        if (nw < 2) return err_set(e, "%s:%d: expected NAME TARGET [options...]", file, line);
        for (const char *c = w[0]; *c; c++)
            if (!((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') ||
                  strchr("._-+", *c)))
                return err_set(e, "%s:%d: boot name '%s': use letters, digits and . _ - + (it names the log file)",
                               file, line, w[0]);
        if (w[0][0] == '-' || w[0][0] == '.') return err_set(e, "%s:%d: boot name '%s' may not start with '%c'", file, line, w[0], w[0][0]);
        for (size_t i = 0; i < n; i++)
            if (!strcmp(out[i].name, w[0]))
                return err_set(e, "%s:%d: boot name '%s' is used twice (first on line %d)", file, line, w[0],
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

