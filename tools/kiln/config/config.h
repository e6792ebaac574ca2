/* config.h - the settings of a command: of one QEMU boot (`kiln run`, each
 * boot of `kiln test`) or of one image (`kiln image`): options, kiln.toml,
 * profiles, environment, templates.
 *
 * Every value comes from a layer, lowest first: built-in defaults, the
 * project file (top level, then [run], [test] or [image]), the profile
 * ([profile.NAME], then [profile.NAME.run], .test or .image), the
 * environment, the command line and, for `kiln test`, the plan line.
 * A later layer replaces a single value and appends to a list
 * (qemu_args, modules, expect, reply). Each value remembers its source, for
 * --dry-run and for error messages. One table (settings.c) describes every
 * setting for every command: which commands use it, its kiln.toml key, its
 * option in each command (one name means one thing in all of them), its
 * variable and its type. Nothing here starts
 * a process or builds an image: the run/ and image/ parts do that with the
 * resolved struct run_config.
 *
 * The implementation: settings.c (the settings table, checking one value),
 * projectfile.c (kiln.toml and profiles), resolve.c (the layers, --dry-run's
 * listing), environment.c (KILN_* variables), options.c (options, plan
 * files) and template.c ({{NAME}} templates); internal.h is what they
 * share. */
#ifndef KILN_TOOL_CONFIG_H
#define KILN_TOOL_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "core/util.h"
#include "tools/kiln/util/arena.h"
#include "tools/kiln/util/strmap.h"

enum rc_layer { RC_DEFAULT, RC_FILE, RC_PROFILE, RC_ENV, RC_CLI, RC_PLAN };

struct rc_source {
    enum rc_layer layer;
    const char *file;  /* RC_FILE, RC_PROFILE, RC_PLAN */
    int line;          /* RC_FILE, RC_PROFILE, RC_PLAN */
    const char *table; /* RC_FILE, RC_PROFILE: "" (top level), "run", "profile.ci", ... */
    const char *name;  /* RC_ENV: the variable; RC_CLI, RC_PLAN: the option; RC_DEFAULT: a note or NULL */
};
/* "default", "kiln.toml:4 [profile.ci]", "env KILN_MEMORY", "--memory",
 * "runner.plan:7 --memory". */
const char *rc_source_str(struct arena *a, const struct rc_source *s);

/* The commands that read settings. kiln run and kiln test share theirs. */
enum rc_cmd { RC_RUN, RC_TEST, RC_IMAGE };

enum rc_key {
    /* single values */
    K_KERNEL, K_FIRMWARE, K_KIND, K_MACHINE, K_MEMORY, K_CPUS, K_DISK, K_ACCEL, K_QEMU, K_CMDLINE,
    K_IMAGE_CONFIG, K_GUI, K_NET, K_TIMEOUT, K_PASS_ON, K_DEBUGCON, K_SERIAL_LOG, K_GDB, K_MONITOR, K_EXPECT_FAIL,
    K_VERBOSE, K_ALLOW_REBOOT, K_SUCCESS_CODE, K_SCREENSHOT, K_SIGN_KEY, K_SIGN_CERT, K_SECURE_BOOT,
    /* kiln image's output file; the image config's loader settings (every command); kiln image's -q */
    K_OUTPUT, K_LOADER_LOG, K_LOADER_FB, K_LOADER_SERIAL, K_QUIET,
    K_KERNEL_NAME, /* the kernel's payload entry name (default: its file name) */
    K_NVALUES,
    /* lists */
    K_MODULES = K_NVALUES, K_QEMU_ARGS, K_EXPECT, K_REPLY,
    K_COUNT
};
#define K_NLISTS (K_COUNT - K_NVALUES)

enum rc_firmware { FW_BIOS, FW_UEFI, FW_UBOOT }; /* uboot: U-Boot's UEFI (no OVMF) */
enum rc_machine { MACHINE_Q35, MACHINE_PC };
enum rc_disk { DISK_IDE, DISK_AHCI, DISK_NVME, DISK_VIRTIO, DISK_USB };
/* auto: KVM when /dev/kvm is usable and the boot with KVM does not fail
 * (else the same boot again with TCG); see accel_decide in qemu.h. */
enum rc_accel { ACCEL_TCG, ACCEL_KVM, ACCEL_AUTO };
/* The kinds of disk image (K_KIND; kiln image's --kind): MBR and GPT with
 * both loaders, MBR and stage 1 only, GPT and the EFI loader only, and a
 * hybrid ISO 9660 image (CD or disk, both loaders; docs/iso.md), and a folder
 * for a TFTP server (network boot, both loaders; docs/network-boot.md). */
enum image_kind { KIND_HYBRID, KIND_BIOS, KIND_UEFI, KIND_ISO, KIND_PXE };

struct rc_value {
    bool set;        /* false: unset (no default applies) */
    long num;        /* integers, enums, booleans */
    const char *str; /* strings, paths, regexes; K_EXPECT_FAIL: the reason regex ("" = any) */
    struct rc_source src;
};

struct rc_item {
    const char *str;
    struct rc_source src;
};
struct rc_list {
    struct rc_item *items;
    size_t n, cap;
};

struct rc_var {
    const char *name, *value;
    struct rc_source src;
    const char *expanded; /* the value with its templates expanded, once asked for */
};

struct run_config {
    struct arena a;
    enum rc_cmd cmd;            /* the command the settings are for */
    struct rc_value v[K_NVALUES];
    struct rc_list l[K_NLISTS]; /* index with rc_list(c, K_...) */
    bool test;                  /* test mode */
    struct rc_source test_src;
    const char *config_file;    /* NULL: none; else as shown in messages */
    const char *project_dir;    /* the config file's directory ("." without one) */
    const char *profile;        /* NULL: none */
    struct rc_source profile_src;
    const char **profiles; /* every profile the project file defines */
    size_t nprofiles;
    struct rc_var *vars; /* [vars], then KILN_VAR_* (later wins) */
    size_t nvars, vars_cap;
    struct strmap var_index;     /* name -> index into vars */
    struct strmap profile_index; /* name -> index into profiles */
    size_t profiles_cap;
    /* Checking the whole project file, not configuring a command: patterns
     * are checked against their bounds, not compiled (regcomp() for every
     * profile's patterns, used or not, was the cost of the check). */
    bool syntax_only;
};

static inline struct rc_list *rc_list(struct run_config *c, enum rc_key k) { return &c->l[k - K_NVALUES]; }
static inline const struct rc_list *rc_clist(const struct run_config *c, enum rc_key k) {
    return &c->l[k - K_NVALUES];
}
const char *rc_key_name(enum rc_key k);
/* A setting named as its source would: "--gdb", "runner.plan:7 --gdb",
 * "gdb (kiln.toml:5 [profile.debug])", "log (env KILN_LOG)". */
const char *rc_named(struct run_config *c, enum rc_key k);
const char *rc_enum_name(enum rc_key k, long v); /* "q35" for K_MACHINE, MACHINE_Q35 */

/* One value from the command line, the environment or a plan line. */
struct rc_setting {
    enum rc_key key;
    const char *text; /* the value as typed; NULL for a flag */
    bool flag;        /* the value of a boolean flag (--gui true, --no-gui false) */
    struct rc_source src;
};

/* The parsed options of a command (or of one plan line). */
struct rc_cli {
    struct rc_source base; /* where these arguments came from (the source of the targets) */
    struct rc_setting *set;
    size_t n, cap;
    const char **targets; /* positional arguments */
    size_t ntargets;
    const char *config_file; /* --project */
    bool no_config;          /* --no-project */
    const char *profile;     /* --profile */
    bool test, dry_run, help;
};

/* Called for an option rc_parse_cli does not know (`kiln test`'s own
 * options, kiln image's test hook): returns how many arguments it used, 0
 * if it does not know the option either, -1 after setting e. */
typedef int rc_extra_fn(void *ctx, int argc, char **argv, int i, kiln_err *e);

/* Parses cmd's options and positionals; for kiln run and kiln test,
 * everything after "--" becomes qemu_args. base is the source of the
 * arguments (RC_CLI, or RC_PLAN with file and line). Values are checked
 * when they are applied (rc_resolve), so every error names its source.
 * Strings are kept in a. */
bool rc_parse_cli(struct arena *a, enum rc_cmd cmd, int argc, char **argv, const struct rc_source *base,
                  struct rc_cli *cli, rc_extra_fn *extra, void *ctx, kiln_err *e);

struct rc_ctx {
    const char *const *envp; /* "NAME=value" strings, NULL-terminated */
    const char *cwd;         /* where the search for kiln.toml starts */
    enum rc_cmd cmd;         /* RC_TEST: every boot is a test */
};

/* Builds the configuration from every layer (plan may be NULL) and checks
 * it. kiln run and kiln test: target given, combinations valid, every
 * variable and the templates in cmdline and qemu_args expanded. kiln
 * image: kernel and output given (its values are taken as they are, with
 * no templates). On error c is left for rc_free. */
void rc_init(struct run_config *c);
bool rc_resolve(struct run_config *c, const struct rc_cli *cli, const struct rc_cli *plan, const struct rc_ctx *ctx,
                kiln_err *e);
void rc_free(struct run_config *c);

/* The checks that depend on what TARGET is: a kernel ELF (is_elf; its
 * image is built with kind) or a disk image (booted as it is). Firmware and
 * image kind must fit. */
bool rc_check_target(struct run_config *c, bool is_elf, kiln_err *e);

/* Expands {{NAME}} in text ({{{{ is a literal {{); user variables' values
 * are expanded too. what and src name the text in error messages. */
bool rc_expand(struct run_config *c, const char *text, const char *what, const struct rc_source *src, char **out,
               kiln_err *e);

/* Prints the resolved configuration with the source of every value (the
 * settings of c->cmd). */
void rc_print(FILE *f, struct run_config *c);

/* Checks one line of image config text ("fb=800x600\n") alone, with the
 * loader's own parser (format/imgconfig.h); the message without the
 * parser's "config line 1: " (the line is the user's value, not a file). */
bool rc_check_image_line(const char *line, kiln_err *e);

/* Splits "PATTERN=TEXT" (a '=' in PATTERN is written \=) and decodes the
 * escapes in TEXT (\n \r \t \e \\ \xHH). *text is NUL-terminated; *len
 * counts NUL bytes in it too. */
bool rc_reply_split(struct arena *a, const char *item, char **pattern, char **text, size_t *len, kiln_err *e);

/* A plan file: one boot a line, "NAME TARGET [options...]". */
struct rc_plan_line {
    const char *name;
    char **argv; /* TARGET and options */
    int argc;
    int line;
};
bool rc_plan_parse(struct arena *a, const char *text, size_t len, const char *file, struct rc_plan_line **lines,
                   size_t *nlines, kiln_err *e);

/* "NAME=value" lookup in an envp array. */
const char *rc_getenv(const char *const *envp, const char *name);

/* Every KILN_* variable kiln reads (KILN_VAR_* aside). */
size_t rc_known_env(const char ***names);
/* A warning for each KILN_* variable in envp that kiln does not read, with
 * the nearest known name when one is close ("unknown environment variable
 * KILN_MEMROY (did you mean KILN_MEMORY?)"). Returns how many. */
size_t rc_unknown_env(struct arena *a, const char *const *envp, const char ***msgs);
/* Prints those warnings (a typo would otherwise be silently ignored). */
void rc_warn_unknown_env(const char *const *envp);

#endif
