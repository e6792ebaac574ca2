/* rc_fixture.c - see rc_fixture.h. */
#include "tests/unit/rc_fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tools/kiln/util/shellwords.h"

char tmp[64];
const char *const no_env[] = {NULL};

void fixture_scratch(const char *name) {
    snprintf(tmp, sizeof tmp, "/tmp/kiln-test-%s-XXXXXX", name);
    if (!mkdtemp(tmp)) {
        perror("mkdtemp");
        exit(2);
    }
}

void fixture_scratch_remove(void) {
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", tmp);
}

void write_text(const char *path, const char *text) {
    FILE *f = fopen(path, "w");
    if (!f) {
        perror(path);
        exit(2);
    }
    fputs(text, f);
    fclose(f);
}

void resolve_full(struct fixture *f, const char *toml, const char *const *env, const char *args,
                  const char *plan_args, enum rc_cmd cmd) {
    memset(f, 0, sizeof *f);
    char path[128];
    snprintf(path, sizeof path, "%s/kiln.toml", tmp);
    if (toml) write_text(path, toml);
    else unlink(path);
    char **w;
    int nw;
    if (!shell_split(&f->a, args, &w, &nw, &f->e)) {
        err_prefix(&f->e, "split");
        return;
    }
    struct rc_source cli_base = {RC_CLI, NULL, 0, NULL, NULL};
    if (!rc_parse_cli(&f->a, cmd, nw, w, &cli_base, &f->cli, NULL, NULL, &f->e)) return;
    if (!toml && !f->cli.config_file && !rc_getenv(env, "KILN_CONFIG_FILE")) f->cli.no_config = true;
    struct rc_cli *plan = NULL;
    if (plan_args) {
        struct rc_source plan_base = {RC_PLAN, "runner.plan", 7, NULL, NULL};
        if (!shell_split(&f->a, plan_args, &w, &nw, &f->e) ||
            !rc_parse_cli(&f->a, cmd, nw, w, &plan_base, &f->plan, NULL, NULL, &f->e))
            return;
        plan = &f->plan;
    }
    struct rc_ctx ctx = {env, tmp, cmd};
    rc_init(&f->c);
    f->ok = rc_resolve(&f->c, &f->cli, plan, &ctx, &f->e);
}

void resolve(struct fixture *f, const char *toml, const char *const *env, const char *args) {
    resolve_full(f, toml, env, args, NULL, RC_RUN);
}

void fixture_free(struct fixture *f) {
    rc_free(&f->c);
    arena_free(&f->a);
}

