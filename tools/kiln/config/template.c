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

void rc_add_var(struct run_config *c, const char *name, const char *value, const struct rc_source *src) {
    for (size_t i = 0; i < c->nvars; i++)
        if (!strcmp(c->vars[i].name, name)) {
            c->vars[i].value = arena_strdup(&c->a, value);
            c->vars[i].src = rc_keep_src(c, src);
            c->vars[i].expanded = NULL;
            return;
        }
    struct rc_var *v = arena_alloc(&c->a, (c->nvars + 1) * sizeof *v);
    if (c->nvars) memcpy(v, c->vars, c->nvars * sizeof *v);
    v[c->nvars++] = (struct rc_var){arena_strdup(&c->a, name), arena_strdup(&c->a, value), rc_keep_src(c, src), NULL};
    c->vars = v;
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
            for (size_t i = 0; !val && i < c->nvars; i++)
                if (!strcmp(c->vars[i].name, name) && !(ok = var_value(x, i, w, &val))) break;
            if (!ok) break;
            if (!val) {
                const char *known = "KERNEL, KERNEL_NAME, IS_TEST, PROJECT_DIR";
                for (size_t i = 0; i < c->nvars; i++) known = arena_printf(&c->a, "%s, %s", known, c->vars[i].name);
                ok = err_set(x->e,
                             "%s: unknown template variable {{%s}} (known: %s; add it to [vars] or set KILN_VAR_%s)",
                             w, name, known, name);
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
