/* environment.c - the KILN_* variables: the environment's layer of a
 * configuration, the list of every variable kiln reads, and a warning for
 * each KILN_* variable it does not (a misspelt one would otherwise be
 * ignored without a word). */
#include <stdlib.h>
#include <string.h>

#include "tools/kiln/config/internal.h"
#include "tools/kiln/util/die.h"

const char *rc_getenv(const char *const *envp, const char *name) {
    size_t n = strlen(name);
    for (; envp && *envp; envp++)
        if (!strncmp(*envp, name, n) && (*envp)[n] == '=') return *envp + n + 1;
    return NULL;
}

/* Layer 3: every KILN_* variable of the command's settings that is set and
 * not empty, then the user's template variables (KILN_VAR_NAME; kiln image
 * has no templates). */
bool rc_apply_env(struct run_config *c, const char *const *envp, kiln_err *e) {
    for (int k = 0; k < K_COUNT; k++) {
        const char *val = rc_keys[k].env ? rc_getenv(envp, rc_keys[k].env) : NULL;
        if (!val || !*val || !rc_key_for((enum rc_key)k, c->cmd)) continue;
        struct rc_source src = {RC_ENV, NULL, 0, NULL, rc_keys[k].env};
        struct rc_input in = {.text = val};
        if (!rc_apply(c, (enum rc_key)k, &in, &src, e)) return false;
    }
    for (const char *const *p = envp; c->cmd != RC_IMAGE && p && *p; p++) {
        if (strncmp(*p, "KILN_VAR_", 9)) continue;
        /* An entry without '=' is possible (execve takes any strings) and
         * names no value: getenv() ignores it, and so does kiln. */
        const char *eq = strchr(*p, '=');
        if (!eq) continue;
        char *name = arena_strndup(&c->a, *p + 9, (size_t)(eq - *p - 9));
        char *var = arena_strndup(&c->a, *p, (size_t)(eq - *p));
        if (!rc_is_ident(name)) return err_set(e, "%s: '%s' is not a variable name (letters, digits, '_')", var, name);
        if (rc_is_builtin(name)) return err_set(e, "%s: {{%s}} is a built-in variable", var, name);
        struct rc_source src = {RC_ENV, NULL, 0, NULL, var};
        rc_add_var(c, name, eq + 1, &src);
    }
    return true;
}

/* KILN_* variables read outside the settings table. */
static const char *const other_env[] = {"KILN_PROFILE",   "KILN_CONFIG_FILE", "KILN_CACHE",
                                        "KILN_OVMF_CODE", "KILN_OVMF_VARS",   "KILN_DATADIR",
                                        "KILN_SYSFS",     "KILN_MOUNTS"};

/* The optimal string alignment distance: insertions, deletions,
 * substitutions and transpositions of neighbours each cost 1. */
static size_t edit_distance(const char *a, const char *b) {
    size_t n = strlen(a), m = strlen(b);
    size_t *d = xcalloc((n + 1) * (m + 1), sizeof *d);
#define D(i, j) d[(i) * (m + 1) + (j)]
    for (size_t i = 0; i <= n; i++) D(i, 0) = i;
    for (size_t j = 0; j <= m; j++) D(0, j) = j;
    for (size_t i = 1; i <= n; i++)
        for (size_t j = 1; j <= m; j++) {
            size_t best = D(i - 1, j - 1) + (a[i - 1] != b[j - 1]);
            if (D(i - 1, j) + 1 < best) best = D(i - 1, j) + 1;
            if (D(i, j - 1) + 1 < best) best = D(i, j - 1) + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && D(i - 2, j - 2) + 1 < best)
                best = D(i - 2, j - 2) + 1;
            D(i, j) = best;
        }
    size_t r = D(n, m);
#undef D
    free(d);
    return r;
}

size_t rc_known_env(const char ***names) {
    static const char *list[K_COUNT + sizeof other_env / sizeof *other_env];
    size_t n = 0;
    for (int k = 0; k < K_COUNT; k++)
        if (rc_keys[k].env) list[n++] = rc_keys[k].env;
    for (size_t i = 0; i < sizeof other_env / sizeof *other_env; i++) list[n++] = other_env[i];
    *names = list;
    return n;
}

size_t rc_unknown_env(struct arena *a, const char *const *envp, const char ***msgs) {
    const char **known;
    size_t nknown = rc_known_env(&known), n = 0, cap = 0;
    const char **out = NULL;
    for (const char *const *p = envp; p && *p; p++) {
        if (strncmp(*p, "KILN_", 5) || !strncmp(*p, "KILN_VAR_", 9)) continue;
        const char *eq = strchr(*p, '=');
        const char *name = eq ? arena_strndup(a, *p, (size_t)(eq - *p)) : *p;
        const char *best = NULL;
        size_t bestd = (size_t)-1;
        bool found = false;
        /* No known name is longer than 64 bytes: a longer one is no typo
         * of any, and the distance would cost its length times theirs. */
        for (size_t i = 0; i < nknown && !found && strlen(name) <= 64; i++) {
            size_t d = edit_distance(name + 5, known[i] + 5);
            found = d == 0;
            if (!found && strlen(name + 5) >= 4 && !strncmp(known[i], name, strlen(name))) d = 1; /* a prefix */
            if (d < bestd) bestd = d, best = known[i];
        }
        if (found) continue;
        /* A suggestion only when it is close: at most 2 edits, or a third of
         * the name after KILN_. */
        size_t limit = strlen(name + 5) / 3 > 2 ? strlen(name + 5) / 3 : 2;
        out = arena_grow(a, out, n, &cap, sizeof *out);
        out[n++] = best && bestd <= limit
                       ? arena_printf(a, "unknown environment variable %s (did you mean %s?)", name, best)
                       : arena_printf(a, "unknown environment variable %s (kiln reads the KILN_* variables listed "
                                         "in docs/running.md)",
                                      name);
    }
    *msgs = out;
    return n;
}

void rc_warn_unknown_env(const char *const *envp) {
    struct arena a = {0};
    const char **warnings;
    for (size_t i = 0, n = rc_unknown_env(&a, envp, &warnings); i < n; i++) warnx("%s", warnings[i]);
    arena_free(&a);
}

size_t rc_edit_distance(const char *a, const char *b) { return edit_distance(a, b); }
