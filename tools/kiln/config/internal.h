/* internal.h - what the modules of the configuration share among
 * themselves (the rest of the tool uses config.h):
 *
 *   settings.c     the settings table, sources, checking and applying one value
 *   projectfile.c  the project file: finding kiln.toml, checking it, its tables
 *   resolve.c      the layers in order, final checks, --dry-run
 *   environment.c  the KILN_* variables: their layer, the known ones, typos
 *   options.c      command-line options, plan files
 *   template.c     {{NAME}} templates and the variables behind them */
#ifndef KILN_TOOL_CONFIG_INTERNAL_H
#define KILN_TOOL_CONFIG_INTERNAL_H

#include "tools/kiln/config/config.h"
#include "tools/kiln/config/toml.h"

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
    T_IMGCFG,  /* a value of the image config (the loader's settings), checked by the loader's parser */
};

/* Which commands a setting belongs to (struct keydef's cmds). */
#define FOR_BOOT 1u  /* kiln run and kiln test */
#define FOR_IMAGE 2u /* kiln image */
#define FOR_BOTH (FOR_BOOT | FOR_IMAGE)

/* One setting: the commands that use it, its name in kiln.toml, its option
 * in each command, its environment variable and its type. Parsing,
 * checking, layering and --dry-run all work from the table rc_keys, so a
 * setting is described once. */
struct keydef {
    unsigned cmds;              /* FOR_BOOT, FOR_IMAGE or FOR_BOTH */
    const char *key;            /* in kiln.toml; NULL: command line only */
    const char *opt;            /* kiln run's and kiln test's option; NULL: none */
    const char *image_opt;      /* kiln image's option; NULL: none */
    const char *short_opt;      /* the one-letter form of whichever of the two the key has */
    const char *env;            /* environment variable; NULL: none */
    enum vtype type;
    const char *const *names;   /* T_ENUM */
    long min, max;              /* T_INT */
    const char *unit;           /* T_INT: "MiB", "seconds" */
    const char *imgcfg;         /* T_IMGCFG: its key in the image config */
};
extern const struct keydef rc_keys[K_COUNT];

static inline bool rc_is_list(enum rc_key k) { return k >= K_NVALUES; }
static inline unsigned rc_cmd_mask(enum rc_cmd cmd) { return cmd == RC_IMAGE ? FOR_IMAGE : FOR_BOOT; }
/* Does cmd use setting k? */
static inline bool rc_key_for(enum rc_key k, enum rc_cmd cmd) { return rc_keys[k].cmds & rc_cmd_mask(cmd); }
/* k's option in cmd's command line, or NULL. */
static inline const char *rc_opt(enum rc_key k, enum rc_cmd cmd) {
    return !rc_key_for(k, cmd) ? NULL : cmd == RC_IMAGE ? rc_keys[k].image_opt : rc_keys[k].opt;
}

/* A value as a layer hands it over. */
struct rc_input {
    const char *text;           /* command line, environment, one list item */
    const struct toml_entry *t; /* kiln.toml (the whole entry) */
    bool flag;                  /* a flag from the command line */
    bool is_flag;
};

/* Checks one value and sets it (or appends it to a list) with its source. */
bool rc_apply(struct run_config *c, enum rc_key k, const struct rc_input *in, const struct rc_source *src,
              kiln_err *e);
/* A source kept in the config's own arena (the caller's strings may not
 * live as long). */
struct rc_source rc_keep_src(struct run_config *c, const struct rc_source *src);

/* A regular expression within pattern.h's bounds and, if compile, one
 * regcomp() accepts (the whole file's check bounds every profile's
 * patterns; only the chosen profile's are compiled). */
bool rc_check_regex(const char *re, bool compile, kiln_err *e);
bool rc_is_ident(const char *s); /* letters, digits, '_'; not starting with a digit */
/* environment.c: the optimal string alignment distance (typos). */
size_t rc_edit_distance(const char *a, const char *b);

/* projectfile.c: layers 1 and 2, the project file and the profile. */
bool rc_apply_file(struct run_config *c, const struct rc_cli *cli, const struct rc_ctx *ctx, kiln_err *e);
/* environment.c: layer 3. */
bool rc_apply_env(struct run_config *c, const char *const *envp, kiln_err *e);

/* template.c: variables. */
bool rc_is_builtin(const char *name);
void rc_add_var(struct run_config *c, const char *name, const char *value, const struct rc_source *src);
/* Expands every variable's value once, so a mistake in one is found on
 * every run, used or not. */
bool rc_check_vars(struct run_config *c, kiln_err *e);

#endif
