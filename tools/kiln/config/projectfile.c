/* projectfile.c - layers 1 and 2 of a boot's configuration: the project file
 * (kiln.toml, found by --config, KILN_CONFIG_FILE or walking up from the
 * current directory) and the profile in it. The whole file is checked on
 * every run, whatever mode and profile are in use, so a typo in a profile
 * you are not using is found too. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tools/kiln/config/internal.h"
#include "tools/kiln/config/toml.h"
#include "tools/kiln/util/die.h"

static bool slurp(const char *path, char **text, size_t *len, kiln_err *e) {
    FILE *f = fopen(path, "rb");
    if (!f) return err_set(e, "%s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > (1 << 20)) {
        fclose(f);
        return err_set(e, "%s: not a regular file of at most 1 MiB", path);
    }
    size_t n = (size_t)st.st_size;
    char *buf = xmalloc(n + 1);
    if (n && fread(buf, 1, n, f) != n) {
        fclose(f);
        free(buf);
        return err_set(e, "%s: read error", path);
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

/* Where kiln.toml is: --project, KILN_CONFIG_FILE, or the nearest one
 * walking up from the current directory (ctx->cwd, else the real one). An
 * empty KILN_CONFIG_FILE or --no-project means none. */
static bool find_config(struct run_config *c, const struct rc_cli *cli, const struct rc_ctx *ctx, kiln_err *e) {
    const char *env = rc_getenv(ctx->envp, "KILN_CONFIG_FILE");
    if (cli->no_config || (!cli->config_file && env && !*env)) return true;
    const char *given = cli->config_file ? cli->config_file : env;
    if (given) {
        if (!is_regular(given))
            return err_set(e, "%s%s: no such file", cli->config_file ? "--project " : "KILN_CONFIG_FILE=", given);
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
enum tkind {
    TB_TOP, TB_RUN, TB_TEST, TB_IMAGE, TB_VARS, TB_PROFILE, TB_PROFILE_RUN, TB_PROFILE_TEST, TB_PROFILE_IMAGE,
    TB_PROFILE_ROOT, TB_BAD
};

static enum tkind table_kind(const char *t, const char **profile, size_t *plen) {
    if (!*t) return TB_TOP;
    if (!strcmp(t, "run")) return TB_RUN;
    if (!strcmp(t, "test")) return TB_TEST;
    if (!strcmp(t, "image")) return TB_IMAGE;
    if (!strcmp(t, "vars")) return TB_VARS;
    if (!strcmp(t, "profile")) return TB_PROFILE_ROOT;
    if (strncmp(t, "profile.", 8)) return TB_BAD;
    const char *name = t + 8, *dot = strchr(name, '.');
    *profile = name;
    *plen = dot ? (size_t)(dot - name) : strlen(name);
    if (!dot) return TB_PROFILE;
    if (!strcmp(dot, ".run")) return TB_PROFILE_RUN;
    if (!strcmp(dot, ".test")) return TB_PROFILE_TEST;
    if (!strcmp(dot, ".image")) return TB_PROFILE_IMAGE;
    return TB_BAD;
}

/* The commands whose settings a table holds: the top level and a
 * profile's own table are the whole project's, each command reads the
 * keys it uses from them; [run], [test] and [image] belong to one. */
static unsigned table_cmds(const char *table) {
    const char *pname;
    size_t plen;
    switch (table_kind(table, &pname, &plen)) {
    case TB_RUN:
    case TB_TEST:
    case TB_PROFILE_RUN:
    case TB_PROFILE_TEST: return FOR_BOOT;
    case TB_IMAGE:
    case TB_PROFILE_IMAGE: return FOR_IMAGE;
    default: return FOR_BOTH;
    }
}

static enum rc_key key_by_name(const char *name) {
    for (int k = 0; k < K_COUNT; k++)
        if (rc_keys[k].key && !strcmp(rc_keys[k].key, name)) return (enum rc_key)k;
    return K_COUNT;
}

/* The keys of the commands in cmds. */
static const char *known_keys(struct arena *a, unsigned cmds) {
    const char *s = "";
    for (int k = 0; k < K_COUNT; k++)
        if (rc_keys[k].key && (rc_keys[k].cmds & cmds))
            s = arena_printf(a, "%s%s%s", s, *s ? ", " : "", rc_keys[k].key);
    return s;
}

static bool apply_entry(struct run_config *c, const struct toml_entry *t, enum rc_layer layer, const char *file,
                        kiln_err *e) {
    struct rc_source src = {layer, file, t->line, arena_strdup(&c->a, t->table), NULL};
    enum rc_key k = key_by_name(t->key);
    unsigned cmds = table_cmds(t->table);
    if (k == K_COUNT) {
        for (int i = 0; i < K_COUNT; i++)
            if (rc_keys[i].opt && !rc_keys[i].key && !strcmp(rc_keys[i].opt + 2, t->key))
                return err_set(e, "%s:%d: '%s' is a command-line option only (%s), not a kiln.toml key", file, t->line,
                               t->key, rc_keys[i].opt);
        if (!strcmp(t->key, "log")) /* the old name, ambiguous beside loader_log */
            return err_set(e, "%s:%d: 'log' is now 'serial_log' (a copy of the serial output; the loader's log level "
                              "is loader_log)", file, t->line);
        return err_set(e, "%s:%d: unknown key '%s' (known: %s)", file, t->line, t->key, known_keys(&c->a, cmds));
    }
    if (!(rc_keys[k].cmds & cmds))
        return err_set(e, "%s:%d: '%s' cannot be set in [%s]: it is not a setting of %s (known there: %s)", file,
                       t->line, t->key, t->table, cmds == FOR_IMAGE ? "kiln image" : "kiln run or kiln test",
                       known_keys(&c->a, cmds));
    struct rc_input in = {.t = t};
    return rc_apply(c, k, &in, &src, e);
}

/* Checks every table and entry of the file (whatever mode and profile are
 * in use, so a typo in [profile.ci] is found on any run), collects the
 * profile names and the [vars]. */
static bool check_file(struct run_config *c, const struct toml_doc *doc, kiln_err *e) {
    const char *file = c->config_file;
    for (size_t i = 0; i < doc->ntables; i++) {
        const char *pname = NULL;
        size_t plen = 0;
        enum tkind tk = table_kind(doc->tables[i].name, &pname, &plen);
        if (tk == TB_BAD)
            return err_set(e, "%s:%d: unknown table [%s] (known: [run], [test], [image], [vars], [profile.NAME], "
                              "[profile.NAME.run], [profile.NAME.test], [profile.NAME.image])",
                           file, doc->tables[i].line, doc->tables[i].name);
        if (tk == TB_PROFILE || tk == TB_PROFILE_RUN || tk == TB_PROFILE_TEST || tk == TB_PROFILE_IMAGE) {
            size_t seen;
            if (!strmap_get(&c->profile_index, pname, plen, &seen)) {
                c->profiles = arena_grow(&c->a, c->profiles, c->nprofiles, &c->profiles_cap, sizeof *c->profiles);
                const char *name = arena_strndup(&c->a, pname, plen);
                c->profiles[c->nprofiles] = name;
                strmap_put(&c->a, &c->profile_index, name, plen, c->nprofiles++);
            }
        }
    }
    struct run_config scratch;
    rc_init(&scratch);
    scratch.project_dir = c->project_dir;
    scratch.syntax_only = true;
    bool ok = true;
    for (size_t i = 0; ok && i < doc->nentries; i++) {
        const struct toml_entry *t = &doc->entries[i];
        const char *pname;
        size_t plen;
        enum tkind tk = table_kind(t->table, &pname, &plen);
        if (tk == TB_PROFILE_ROOT) {
            ok = err_set(e, "%s:%d: '%s' directly under [profile]: name the profile, [profile.NAME]", file, t->line,
                         t->key);
        } else if (tk == TB_VARS) {
            struct rc_source src = {RC_FILE, file, t->line, "vars", NULL};
            if (!rc_is_ident(t->key))
                ok = err_set(e, "%s:%d: variable name '%s' must be letters, digits and '_'", file, t->line, t->key);
            else if (rc_is_builtin(t->key))
                ok = err_set(e, "%s:%d: {{%s}} is a built-in variable and cannot be set in [vars]", file, t->line,
                             t->key);
            else if (t->type != TOML_STRING)
                ok = err_set(e, "%s:%d: %s: a variable must be a string, found %s", file, t->line, t->key,
                             toml_a_type(t->type));
            else
                rc_add_var(c, t->key, t->str, &src);
        } else {
            ok = apply_entry(&scratch, t, RC_FILE, file, e);
        }
    }
    rc_free(&scratch);
    return ok;
}

/* The entries of one table that are settings of c's command (check_file
 * has checked all of them). */
static bool apply_table(struct run_config *c, const struct toml_doc *doc, const char *table, enum rc_layer layer,
                        kiln_err *e) {
    for (size_t i = 0; i < doc->nentries; i++) {
        const struct toml_entry *t = &doc->entries[i];
        enum rc_key k = key_by_name(t->key);
        if (strcmp(t->table, table) || (k != K_COUNT && !rc_key_for(k, c->cmd))) continue;
        if (!apply_entry(c, t, layer, c->config_file, e)) return false;
    }
    return true;
}

/* "a, b, c and N more": the profile names a message lists, at most about
 * limit bytes of them, built in one pass. */
static const char *profile_list(struct run_config *c, size_t limit) {
    size_t n = 0, i = 0;
    for (; i < c->nprofiles && n + strlen(c->profiles[i]) + 2 <= limit; i++) n += strlen(c->profiles[i]) + 2;
    char *s = arena_alloc(&c->a, n + 40), *p = s;
    for (size_t j = 0; j < i; j++) p += sprintf(p, "%s%s", j ? ", " : "", c->profiles[j]);
    if (i < c->nprofiles) sprintf(p, " and %zu more", c->nprofiles - i);
    return s;
}

/* Finds the project file and the profile, checks the whole file and
 * applies the top level, [run], [test] or [image], and the profile's
 * tables. */
bool rc_apply_file(struct run_config *c, const struct rc_cli *cli, const struct rc_ctx *ctx, kiln_err *e) {
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
        bool ok = toml_parse(text, len, c->config_file, &doc, e);
        free(text);
        if (!ok) return false;
        const char *mode = c->cmd == RC_IMAGE ? "image" : c->test ? "test" : "run";
        ok = check_file(c, &doc, e) && apply_table(c, &doc, "", RC_FILE, e) && apply_table(c, &doc, mode, RC_FILE, e);
        if (ok && c->profile) {
            size_t known;
            if (!strmap_get(&c->profile_index, c->profile, strlen(c->profile), &known)) {
                const char *list = profile_list(c, 400);
                ok = err_set(e, "unknown profile '%s' (%s): %s %s", c->profile,
                             rc_source_str(&c->a, &c->profile_src), c->config_file,
                             c->nprofiles ? arena_printf(&c->a, "defines: %s", list) : "defines no profiles");
            } else {
                ok = apply_table(c, &doc, arena_printf(&c->a, "profile.%s", c->profile), RC_PROFILE, e) &&
                     apply_table(c, &doc, arena_printf(&c->a, "profile.%s.%s", c->profile, mode), RC_PROFILE, e);
            }
        }
        toml_free(&doc);
        return ok;
    }
    if (c->profile)
        return err_set(e, "unknown profile '%s' (%s): no kiln.toml found (profiles live in kiln.toml)", c->profile,
                       rc_source_str(&c->a, &c->profile_src));
    return true;
}
