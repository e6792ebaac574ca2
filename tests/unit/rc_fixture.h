/* rc_fixture.h - shared by the unit tests of the tool's configuration
 * (test_runconfig.c, test_qemu.c): a scratch directory, and resolving a
 * command line against a kiln.toml, an environment and a plan line. */
#ifndef RC_FIXTURE_H
#define RC_FIXTURE_H

#include <stdbool.h>

#include "tools/kiln/config/config.h"

extern char tmp[64]; /* the scratch directory (made by fixture_scratch) */
extern const char *const no_env[];

void fixture_scratch(const char *name); /* mkdtemp /tmp/kiln-test-NAME-XXXXXX into tmp */
void fixture_scratch_remove(void);      /* rm -rf tmp (says so when it cannot) */
void write_text(const char *path, const char *text);

struct fixture {
    struct arena a;
    struct rc_cli cli, plan;
    struct run_config c;
    kiln_err e;
    bool ok;
};

/* Resolves cmd's `args` (split like a shell) against `toml` (written to
 * tmp/kiln.toml; NULL: no project file), the environment env and, if
 * given, a plan line from runner.plan:7. */
void resolve_full(struct fixture *f, const char *toml, const char *const *env, const char *args,
                  const char *plan_args, enum rc_cmd cmd);
void resolve(struct fixture *f, const char *toml, const char *const *env, const char *args);
void fixture_free(struct fixture *f);

#endif
