/* template.c - {{NAME}} templates in the kernel command line, QEMU
 * arguments and image config text, and the variables behind them: the
 * built-in ones ({{KERNEL}}, {{KERNEL_NAME}}, {{IS_TEST}}, {{PROJECT_DIR}})
 * and the user's, from [vars] in kiln.toml and KILN_VAR_NAME in the
 * environment (which wins).
 *
 * A user variable's value is a template too: [vars] LOG = "{{DIR}}/log"
 * expands {{DIR}}. Each variable is expanded once and remembered, so no
 * input can make the work grow faster than the output; a variable that
 * refers to itself, directly or through others, is an error naming the
 * cycle, and so is nesting deeper than TEMPLATE_DEPTH or an expansion
 * longer than TEMPLATE_MAX bytes. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/kiln/config/internal.h"
#include "tools/kiln/util/die.h"
#include "tools/kiln/util/files.h"

#define TEMPLATE_DEPTH 16
#define TEMPLATE_MAX (1u << 20)

static const char *const builtin_vars[] = {"KERNEL", "KERNEL_NAME", "IS_TEST", "PROJECT_DIR", NULL};

bool rc_is_builtin(const char *name) {
    for (size_t i = 0; builtin_vars[i]; i++)
        if (!strcmp(builtin_vars[i], name)) return true;
    return false;
}

/* The index of user variable name (len bytes) in c->vars, or -1. */
static ptrdiff_t find_var(const struct run_config *c, const char *name, size_t len) {
    size_t i;
    return strmap_get(&c->var_index, name, len, &i) ? (ptrdiff_t)i : -1;
}

/* Linear in the number of variables: the array grows by doubling and a
 * name is found through the index, so 10,000 [vars] cost what they hold. */
void rc_add_var(struct run_config *c, const char *name, const char *value, const struct rc_source *src) {
    ptrdiff_t k = find_var(c, name, strlen(name));
    if (k >= 0) {
        c->vars[k].value = arena_strdup(&c->a, value);
        c->vars[k].src = rc_keep_src(c, src);
        c->vars[k].expanded = NULL;
        return;
    }
    c->vars = arena_grow(&c->a, c->vars, c->nvars, &c->vars_cap, sizeof *c->vars);
    const char *kept = arena_strdup(&c->a, name);
    c->vars[c->nvars] = (struct rc_var){kept, arena_strdup(&c->a, value), rc_keep_src(c, src), NULL};
    strmap_put(&c->a, &c->var_index, kept, strlen(kept), c->nvars++);
}

/* "KERNEL, KERNEL_NAME, ..., and N more": the names a message lists, at
 * most about limit bytes of them, built in one pass. */
static const char *known_vars(struct run_config *c, size_t limit) {
    static const char builtins[] = "KERNEL, KERNEL_NAME, IS_TEST, PROJECT_DIR";
    size_t n = sizeof builtins - 1, i = 0;
    for (; i < c->nvars && n + strlen(c->vars[i].name) + 2 <= limit; i++) n += strlen(c->vars[i].name) + 2;
    char *s = arena_alloc(&c->a, n + 40), *p = s;
    p += sprintf(p, "%s", builtins);
    for (size_t j = 0; j < i; j++) p += sprintf(p, ", %s", c->vars[j].name);
    if (i < c->nvars) sprintf(p, " and %zu more", c->nvars - i);
    return s;
}

/* One expansion: the variables being expanded, outermost first. */
struct expander {
    struct run_config *c;
    kiln_err *e;
    size_t stack[TEMPLATE_DEPTH]; /* indexes into c->vars */
    size_t depth;
};

/* "kiln.toml:3: cmdline", "cmdline (--cmdline)", "KILN_VAR_LOG". */
static const char *where(struct arena *a, const char *what, const struct rc_source *src) {
    if (src->layer == RC_FILE || src->layer == RC_PROFILE) return arena_printf(a, "%s:%d: %s", src->file, src->line, what);
    if (src->layer == RC_ENV && src->name && !strcmp(src->name, what)) return what;
    return arena_printf(a, "%s (%s)", what, rc_source_str(a, src));
}

static bool expand(struct expander *x, const char *text, const char *w, char **out);

/* The value of user variable i, expanded (once). */
static bool var_value(struct expander *x, size_t i, const char *w, const char **val) {
    struct run_config *c = x->c;
    struct rc_var *v = &c->vars[i];
    if (v->expanded) {
        *val = v->expanded;
        return true;
    }
    for (size_t k = 0; k < x->depth; k++) {
        if (x->stack[k] != i) continue;
        const char *through = "";
        for (size_t j = k + 1; j < x->depth; j++)
            through = arena_printf(&c->a, "%s%s{{%s}}", through, j > k + 1 ? ", " : "", c->vars[x->stack[j]].name);
        return err_set(x->e, "%s: template: {{%s}} refers to itself%s%s", w, v->name, *through ? " through " : "",
                       through);
    }
    if (x->depth == TEMPLATE_DEPTH)
        return err_set(x->e, "%s: template: {{%s}}: variables nested more than %d deep", w, v->name, TEMPLATE_DEPTH);
    x->stack[x->depth++] = i;
    const char *vw = v->src.layer == RC_ENV ? arena_printf(&c->a, "KILN_VAR_%s", v->name)
                                            : arena_printf(&c->a, "[vars] %s", v->name);
    char *s;
    bool ok = expand(x, v->value, where(&c->a, vw, &v->src), &s);
    x->depth--;
    if (!ok) return false;
    *val = v->expanded = s;
    return true;
}

static bool expand(struct expander *x, const char *text, const char *w, char **out) {
    struct run_config *c = x->c;
    size_t cap = strlen(text) + 1, n = 0;
    char *buf = xmalloc(cap);
    const char *kernel = c->v[K_KERNEL].set ? c->v[K_KERNEL].str : "";
    bool ok = true;
    for (const char *p = text; *p && ok;) {
        const char *val = NULL, *lit = p;
        size_t litn = 1;
        if (!strncmp(p, "{{{{", 4)) {
            lit = "{{", litn = 2, p += 4;
        } else if (!strncmp(p, "{{", 2)) {
            const char *close = strstr(p + 2, "}}");
            if (!close) {
                ok = err_set(x->e, "%s: unterminated {{ (write {{{{ for a literal {{)", w);
                break;
            }
            const char *s = p + 2, *t = close;
            while (s < t && *s == ' ') s++;
            while (t > s && t[-1] == ' ') t--;
            char *name = arena_strndup(&c->a, s, (size_t)(t - s));
            if (!rc_is_ident(name)) {
                ok = err_set(x->e, "%s: '{{%s}}' is not a variable name (write {{{{ for a literal {{)", w, name);
                break;
            }
            if (!strcmp(name, "KERNEL")) val = kernel;
            else if (!strcmp(name, "KERNEL_NAME")) val = path_stem(&c->a, kernel);
            else if (!strcmp(name, "IS_TEST")) val = c->test ? "1" : "0";
            else if (!strcmp(name, "PROJECT_DIR")) val = c->project_dir ? c->project_dir : ".";
            ptrdiff_t k = val ? -1 : find_var(c, name, strlen(name));
            if (k >= 0 && !(ok = var_value(x, (size_t)k, w, &val))) break;
            if (!val) {
                ok = err_set(x->e,
                             "%s: unknown template variable {{%s}} (known: %s; add it to [vars] or set KILN_VAR_%s)",
                             w, name, known_vars(c, 400), name);
                break;
            }
            lit = val, litn = strlen(val), p = close + 2;
        } else {
            p++;
        }
        if (n + litn > TEMPLATE_MAX) {
            ok = err_set(x->e, "%s: template: the expansion is longer than %u bytes", w, TEMPLATE_MAX);
            break;
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
    if (ok) {
        buf[n] = 0;
        *out = arena_strdup(&c->a, buf);
    }
    free(buf);
    return ok;
}

bool rc_expand(struct run_config *c, const char *text, const char *what, const struct rc_source *src, char **out,
               kiln_err *e) {
    struct expander x = {.c = c, .e = e};
    return expand(&x, text, where(&c->a, what, src), out);
}

bool rc_check_vars(struct run_config *c, kiln_err *e) {
    for (size_t i = 0; i < c->nvars; i++) {
        struct expander x = {.c = c, .e = e};
        const char *val;
        if (!var_value(&x, i, c->vars[i].name, &val)) return false;
    }
    return true;
}
