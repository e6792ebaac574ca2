/* test_runconfig.c - host unit tests of the QEMU runner's pure parts:
 * the TOML subset, layering of settings with their sources, profiles,
 * environment checks, templates, `kiln run` option parsing, plan files,
 * QEMU command lines, the serial watch and the verdict. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/unit/testlib.h"
#include "tools/kiln/qemu.h"
#include "tools/kiln/runconfig.h"
#include "tools/kiln/toml.h"
#include "tools/kiln/tool.h"

static char tmp[64]; /* a scratch directory: kiln.toml files, fake OVMF trees */

static void write_text(const char *path, const char *text) {
    FILE *f = fopen(path, "w");
    if (!f) {
        perror(path);
        exit(2);
    }
    fputs(text, f);
    fclose(f);
}

static const char *const no_env[] = {NULL};

/* --- TOML ---------------------------------------------------------------------------------- */

static bool parse(const char *text, struct toml_doc *d, char *err) {
    return toml_parse(text, strlen(text), "kiln.toml", d, err, 512);
}

TEST(toml_valid) {
    const char *text = "# a comment\n"
                       "kernel = \"build/k.elf\"  # trailing comment\n"
                       "memory = 1_024\n"
                       "hex = 0x1F\n"
                       "neg = -5\n"
                       "gui = true\n"
                       "net = false\n"
                       "lit = 'C:\\path\\n'\n"
                       "esc = \"a\\tb\\n\\\"q\\\"\\\\ \\u00e9\"\n"
                       "args = [\n"
                       "  \"-cpu\", # the CPU\n"
                       "  'max',\n"
                       "]\n"
                       "empty = []\n"
                       "\n"
                       "[profile.ci]\n"
                       "timeout = 120\n"
                       "[ profile . ci . test ]\n"
                       "expect = [\"ok\"]\n";
    struct toml_doc d;
    char err[512];
    REQUIRE(parse(text, &d, err), "parse failed: %s", err);
    REQUIRE(d.nentries == 12, "%zu entries", d.nentries);
    CHECK(!strcmp(d.entries[0].key, "kernel") && d.entries[0].type == TOML_STRING &&
              !strcmp(d.entries[0].str, "build/k.elf") && d.entries[0].line == 2 && !strcmp(d.entries[0].table, ""),
          "kernel entry");
    CHECK(d.entries[1].type == TOML_INT && d.entries[1].num == 1024, "1_024 -> %lld", d.entries[1].num);
    CHECK(d.entries[2].num == 31, "0x1F -> %lld", d.entries[2].num);
    CHECK(d.entries[3].num == -5, "-5");
    CHECK(d.entries[4].type == TOML_BOOL && d.entries[4].boolean, "true");
    CHECK(d.entries[5].type == TOML_BOOL && !d.entries[5].boolean, "false");
    CHECK(!strcmp(d.entries[6].str, "C:\\path\\n"), "literal string: %s", d.entries[6].str);
    CHECK(!strcmp(d.entries[7].str, "a\tb\n\"q\"\\ \xc3\xa9"), "escapes: %s", d.entries[7].str);
    CHECK(d.entries[8].type == TOML_ARRAY && d.entries[8].nitems == 2 && !strcmp(d.entries[8].items[0], "-cpu") &&
              !strcmp(d.entries[8].items[1], "max") && d.entries[8].line == 10,
          "array");
    CHECK(d.entries[9].type == TOML_ARRAY && d.entries[9].nitems == 0, "empty array");
    CHECK(!strcmp(d.entries[10].table, "profile.ci") && d.entries[10].line == 17, "table of timeout: %s",
          d.entries[10].table);
    CHECK(!strcmp(d.entries[11].table, "profile.ci.test") && d.entries[11].line == 19, "dotted header with spaces");
    CHECK(d.ntables == 2 && d.tables[1].line == 18, "tables");
    toml_free(&d);
}

/* Each invalid input and the message it must give, line number first. */
TEST(toml_invalid) {
    static const struct {
        const char *text, *msg;
    } cases[] = {
        {"a = 1\nb = \n", "kiln.toml:2: missing value"},
        {"a = \"x\n", "kiln.toml:1: unterminated string"},
        {"\n\na = \"\\q\"\n", "kiln.toml:3: unknown escape \\q"},
        {"a = 1.5\n", "kiln.toml:1: floating-point numbers are not supported"},
        {"a = 1979-05-27\n", "kiln.toml:1: dates and times are not supported"},
        {"a = {x = 1}\n", "kiln.toml:1: inline tables"},
        {"[[bin]]\n", "kiln.toml:1: arrays of tables"},
        {"a.b = 1\n", "kiln.toml:1: dotted keys are not supported"},
        {"a = 1\na = 2\n", "kiln.toml:2: 'a' is set twice in this table (first on line 1)"},
        {"[x]\n[y]\n[x]\n", "kiln.toml:3: table [x] declared twice (first on line 1)"},
        {"a = [1, 2]\n", "kiln.toml:1: arrays may only hold strings (found an integer)"},
        {"a = [\"x\",\n\"y\"\n", "kiln.toml:3: unterminated array"},
        {"a = [\"x\" \"y\"]\n", "kiln.toml:1: expected ',' or ']'"},
        {"a = 1 2\n", "kiln.toml:1: unexpected '2' after value"},
        {"a = bare\n", "kiln.toml:1: a string value needs quotes"},
        {"a = 01\n", "kiln.toml:1: leading zeros"},
        {"a = 1__0\n", "kiln.toml:1: '_' in a number"},
        {"a = 99999999999999999999\n", "kiln.toml:1: integer too large"},
        {"a = \"\"\"x\"\"\"\n", "kiln.toml:1: multi-line strings"},
        {"\"q\" = 1\n", "kiln.toml:1: quoted keys are not supported"},
        {"a 1\n", "kiln.toml:1: expected '=' after the key"},
        {"[x\n", "kiln.toml:1: expected ']'"},
        {"# c\n# c\n\n  = 1\n", "kiln.toml:4: unexpected '='"},
        {"a = \"\\u12\"\n", "kiln.toml:1: \\u needs 4 hex digits"},
        {"a = true\nb = truex\n", "kiln.toml:2: a string value needs quotes"},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        struct toml_doc d;
        char err[512];
        if (parse(cases[i].text, &d, err)) {
            CHECK(false, "case %zu parsed: %s", i, cases[i].text);
            toml_free(&d);
            continue;
        }
        CHECK(strstr(err, cases[i].msg) == err, "case %zu: got '%s', want '%s...'", i, err, cases[i].msg);
    }
    struct toml_doc d;
    char err[512];
    CHECK(!toml_parse("a = 1\n\0", 7, "f.toml", &d, err, sizeof err) && strstr(err, "NUL"), "NUL byte: %s", err);
}

/* --- resolving ------------------------------------------------------------------------------- */

struct fixture {
    struct arena a;
    struct rc_cli cli, plan;
    struct run_config c;
    struct rc_err e;
    bool ok;
};

/* Resolves `args` (split like a shell) against `toml` (written to
 * tmp/kiln.toml; NULL: no project file), the environment env and, if
 * given, a plan line from runner.plan:7. */
static void resolve_full(struct fixture *f, const char *toml, const char *const *env, const char *args,
                         const char *plan_args, bool test) {
    memset(f, 0, sizeof *f);
    char path[128];
    snprintf(path, sizeof path, "%s/kiln.toml", tmp);
    if (toml) write_text(path, toml);
    else unlink(path);
    char err[256], **w;
    int nw;
    if (!rc_split_words(&f->a, args, &w, &nw, err, sizeof err)) {
        snprintf(f->e.msg, sizeof f->e.msg, "split: %s", err);
        return;
    }
    struct rc_source cli_base = {RC_CLI, NULL, 0, NULL, NULL};
    if (!rc_parse_cli(&f->a, nw, w, &cli_base, &f->cli, NULL, NULL, &f->e)) return;
    if (!toml && !f->cli.config_file && !rc_getenv(env, "KILN_CONFIG_FILE")) f->cli.no_config = true;
    struct rc_cli *plan = NULL;
    if (plan_args) {
        struct rc_source plan_base = {RC_PLAN, "runner.plan", 7, NULL, NULL};
        if (!rc_split_words(&f->a, plan_args, &w, &nw, err, sizeof err) ||
            !rc_parse_cli(&f->a, nw, w, &plan_base, &f->plan, NULL, NULL, &f->e))
            return;
        plan = &f->plan;
    }
    struct rc_ctx ctx = {env, tmp, test};
    rc_init(&f->c);
    f->ok = rc_resolve(&f->c, &f->cli, plan, &ctx, &f->e);
}

static void resolve(struct fixture *f, const char *toml, const char *const *env, const char *args) {
    resolve_full(f, toml, env, args, NULL, false);
}

static void fixture_free(struct fixture *f) {
    rc_free(&f->c);
    arena_free(&f->a);
}

/* Does the source of k end with want? (File names start with tmp.) */
static bool src_is(struct fixture *f, enum rc_key k, const char *want) {
    const char *s = rc_source_str(&f->a, &f->c.v[k].src);
    size_t n = strlen(s), m = strlen(want);
    return n >= m && !strcmp(s + n - m, want);
}

static const char *src_of(struct fixture *f, enum rc_key k) { return rc_source_str(&f->a, &f->c.v[k].src); }

TEST(defaults) {
    struct fixture f;
    resolve(&f, NULL, no_env, "k.elf");
    REQUIRE(f.ok, "%s", f.e.msg);
    const struct rc_value *v = f.c.v;
    CHECK(v[K_FIRMWARE].num == FW_BIOS && v[K_KIND].num == KIND_HYBRID && v[K_MACHINE].num == MACHINE_Q35,
          "firmware, kind, machine");
    CHECK(v[K_DISK].num == DISK_AHCI && src_is(&f, K_DISK, "default for machine q35"), "disk %ld from %s",
          v[K_DISK].num, src_of(&f, K_DISK));
    CHECK(v[K_MEMORY].num == 256 && v[K_CPUS].num == 1 && v[K_ACCEL].num == ACCEL_TCG, "memory, cpus, accel");
    CHECK(v[K_TIMEOUT].num == 0 && src_is(&f, K_TIMEOUT, "default in run mode"), "run mode: no timeout");
    CHECK(!strcmp(v[K_KERNEL].str, "k.elf") && !strcmp(src_of(&f, K_KERNEL), "TARGET"), "target");
    CHECK(!strcmp(v[K_QEMU].str, "qemu-system-x86_64"), "qemu");
    CHECK(!f.c.test && !f.c.config_file && !f.c.profile, "mode, config, profile");
    fixture_free(&f);

    resolve_full(&f, NULL, no_env, "k.elf --machine pc", NULL, true);
    REQUIRE(f.ok, "%s", f.e.msg);
    CHECK(f.c.v[K_DISK].num == DISK_IDE && src_is(&f, K_DISK, "default for machine pc"), "pc: ide");
    CHECK(f.c.test && f.c.v[K_TIMEOUT].num == 60 && src_is(&f, K_TIMEOUT, "default in test mode"), "test: 60 s");
    fixture_free(&f);
}

static const char *const layered_toml = "kernel = \"build/k.elf\"\n"   /* 1 */
                                        "memory = 300\n"               /* 2 */
                                        "cpus = 2\n"                   /* 3 */
                                        "qemu_args = [\"-a\", \"1\"]\n" /* 4 */
                                        "[run]\n"                      /* 5 */
                                        "memory = 301\n"               /* 6 */
                                        "qemu_args = [\"-run\"]\n"     /* 7 */
                                        "[test]\n"                     /* 8 */
                                        "memory = 302\n"               /* 9 */
                                        "[profile.ci]\n"               /* 10 */
                                        "memory = 400\n"               /* 11 */
                                        "disk = \"nvme\"\n"            /* 12 */
                                        "qemu_args = [\"-ci\"]\n"      /* 13 */
                                        "[profile.ci.test]\n"          /* 14 */
                                        "memory = 401\n"               /* 15 */
                                        "[profile.debug]\n"            /* 16 */
                                        "gui = true\n";                /* 17 */

TEST(layering_and_sources) {
    struct fixture f;
    /* file top level, then [run] */
    resolve(&f, layered_toml, no_env, "");
    REQUIRE(f.ok, "%s", f.e.msg);
    CHECK(f.c.v[K_MEMORY].num == 301 && src_is(&f, K_MEMORY, "kiln.toml:6 [run]"), "[run] memory %ld (%s)",
          f.c.v[K_MEMORY].num, src_of(&f, K_MEMORY));
    CHECK(f.c.v[K_CPUS].num == 2 && src_is(&f, K_CPUS, "kiln.toml:3"), "top-level cpus (%s)", src_of(&f, K_CPUS));
    char want[160];
    snprintf(want, sizeof want, "%s/build/k.elf", tmp);
    CHECK(!strcmp(f.c.v[K_KERNEL].str, want), "kernel relative to kiln.toml: %s", f.c.v[K_KERNEL].str);
    fixture_free(&f);

    /* test mode: [test], not [run] */
    resolve_full(&f, layered_toml, no_env, "", NULL, true);
    REQUIRE(f.ok, "%s", f.e.msg);
    CHECK(f.c.v[K_MEMORY].num == 302 && src_is(&f, K_MEMORY, "kiln.toml:9 [test]"), "[test] memory (%s)",
          src_of(&f, K_MEMORY));
    fixture_free(&f);

    /* the profile over the file, its [profile.ci.test] over [profile.ci] */
    resolve_full(&f, layered_toml, no_env, "--profile ci", NULL, true);
    REQUIRE(f.ok, "%s", f.e.msg);
    CHECK(f.c.v[K_MEMORY].num == 401 && src_is(&f, K_MEMORY, "kiln.toml:15 [profile.ci.test]"), "profile test (%s)",
          src_of(&f, K_MEMORY));
    CHECK(f.c.v[K_DISK].num == DISK_NVME && src_is(&f, K_DISK, "kiln.toml:12 [profile.ci]"), "profile disk");
    CHECK(!strcmp(f.c.profile, "ci") && !strcmp(rc_source_str(&f.a, &f.c.profile_src), "--profile"), "profile");
    fixture_free(&f);

    /* environment over the profile (KILN_PROFILE selects it) */
    const char *const env[] = {"KILN_PROFILE=ci", "KILN_MEMORY=512", "HOME=/x", NULL};
    resolve(&f, layered_toml, env, "");
    REQUIRE(f.ok, "%s", f.e.msg);
    CHECK(f.c.v[K_MEMORY].num == 512 && !strcmp(src_of(&f, K_MEMORY), "env KILN_MEMORY"), "env memory (%s)",
          src_of(&f, K_MEMORY));
    CHECK(!strcmp(rc_source_str(&f.a, &f.c.profile_src), "env KILN_PROFILE"), "profile from the environment");
    fixture_free(&f);

    /* the command line over the environment, the plan line over both */
    resolve_full(&f, layered_toml, env, "--memory 600 --cpus 3", "k2.elf --memory 700", true);
    REQUIRE(f.ok, "%s", f.e.msg);
    CHECK(f.c.v[K_MEMORY].num == 700 && !strcmp(src_of(&f, K_MEMORY), "runner.plan:7 --memory"), "plan (%s)",
          src_of(&f, K_MEMORY));
    CHECK(f.c.v[K_CPUS].num == 3 && !strcmp(src_of(&f, K_CPUS), "--cpus"), "cli cpus (%s)", src_of(&f, K_CPUS));
    CHECK(!strcmp(f.c.v[K_KERNEL].str, "k2.elf") && !strcmp(src_of(&f, K_KERNEL), "runner.plan:7 TARGET"),
          "plan target (%s)", src_of(&f, K_KERNEL));
    fixture_free(&f);

    /* the config file walked up to from a subdirectory */
    char sub[128];
    snprintf(sub, sizeof sub, "%s/a", tmp);
    mkdir(sub, 0755);
    snprintf(sub, sizeof sub, "%s/a/b", tmp);
    mkdir(sub, 0755);
    memset(&f, 0, sizeof f);
    char path[128];
    snprintf(path, sizeof path, "%s/kiln.toml", tmp);
    write_text(path, "kernel = \"k.elf\"\nmodules = [\"m.bin=initrd\", \"/abs.bin\"]\n");
    struct rc_ctx ctx = {no_env, sub, false};
    rc_init(&f.c);
    f.ok = rc_resolve(&f.c, &f.cli, NULL, &ctx, &f.e);
    REQUIRE(f.ok, "%s", f.e.msg);
    CHECK(f.c.config_file && !strcmp(f.c.config_file, path), "found %s", f.c.config_file);
    snprintf(want, sizeof want, "%s/m.bin=initrd", tmp);
    const struct rc_list *m = rc_clist(&f.c, K_MODULES);
    CHECK(m->n == 2 && !strcmp(m->items[0].str, want) && !strcmp(m->items[1].str, "/abs.bin"), "modules: %s",
          m->n ? m->items[0].str : "-");
    fixture_free(&f);
}

TEST(lists_append_across_layers) {
    const char *const env[] = {"KILN_QEMU_ARGS=-env 'two words'", NULL};
    struct fixture f;
    resolve_full(&f, layered_toml, env, "--profile ci --expect one -- -cli x", "k.elf --expect two -- -plan", false);
    REQUIRE(f.ok, "%s", f.e.msg);
    static const char *const want[] = {"-a", "1", "-run", "-ci", "-env", "two words", "-cli", "x", "-plan"};
    static const char *const srcs[] = {"kiln.toml:4", "kiln.toml:4", "kiln.toml:7 [run]", "kiln.toml:13 [profile.ci]",
                                       "env KILN_QEMU_ARGS", "env KILN_QEMU_ARGS", "--", "--", "runner.plan:7 --"};
    const struct rc_list *l = rc_clist(&f.c, K_QEMU_ARGS);
    REQUIRE(l->n == ARRAY_LEN(want), "%zu qemu args", l->n);
    for (size_t i = 0; i < l->n; i++) {
        const char *s = rc_source_str(&f.a, &l->items[i].src);
        CHECK(!strcmp(l->items[i].str, want[i]), "arg %zu: %s", i, l->items[i].str);
        CHECK(strlen(s) >= strlen(srcs[i]) && !strcmp(s + strlen(s) - strlen(srcs[i]), srcs[i]), "arg %zu from %s",
              i, s);
    }
    const struct rc_list *ex = rc_clist(&f.c, K_EXPECT);
    CHECK(ex->n == 2 && !strcmp(ex->items[0].str, "one") && !strcmp(ex->items[1].str, "two"), "expect appended");
    fixture_free(&f);
}

TEST(profiles) {
    struct fixture f;
    resolve(&f, layered_toml, no_env, "--profile nope");
    CHECK(!f.ok && strstr(f.e.msg, "unknown profile 'nope' (--profile)") && strstr(f.e.msg, "defines: ci, debug"),
          "unknown profile: %s", f.e.msg);
    fixture_free(&f);
    const char *const env[] = {"KILN_PROFILE=ci2", NULL};
    resolve(&f, "kernel = \"k\"\n", env, "");
    CHECK(!f.ok && strstr(f.e.msg, "unknown profile 'ci2' (env KILN_PROFILE)") && strstr(f.e.msg, "defines no profiles"),
          "no profiles: %s", f.e.msg);
    fixture_free(&f);
    resolve(&f, NULL, no_env, "k --profile ci");
    CHECK(!f.ok && strstr(f.e.msg, "no kiln.toml found"), "no file: %s", f.e.msg);
    fixture_free(&f);
    resolve(&f, layered_toml, no_env, "--profile debug");
    CHECK(f.ok && f.c.v[K_GUI].num && src_is(&f, K_GUI, "kiln.toml:17 [profile.debug]"), "debug profile: %s",
          f.e.msg);
    fixture_free(&f);
}

/* kiln.toml mistakes, each naming its line. */
TEST(file_errors) {
    static const struct {
        const char *toml, *msg;
    } cases[] = {
        {"kernel = \"k\"\nmemroy = 5\n", "kiln.toml:2: unknown key 'memroy' (known: kernel, firmware"},
        {"kernel = \"k\"\nmemory = \"512\"\n", "kiln.toml:2: memory: expected an integer, found a string"},
        {"kernel = \"k\"\n\ncpus = 0\n", "kiln.toml:3: cpus = 0: must be 1..255"},
        {"firmware = \"efi\"\n", "kiln.toml:1: firmware = \"efi\": must be bios or uefi"},
        {"gui = 1\n", "kiln.toml:1: gui: expected true or false, found an integer"},
        {"qemu_args = \"-x\"\n", "kiln.toml:1: qemu_args: expected an array of strings, found a string"},
        {"expect = [\"ok\", \"(\"]\n", "kiln.toml:1: expect[1] = \"(\": bad regular expression"},
        {"reply = [\"noequals\"]\n", "kiln.toml:1: reply[0] = \"noequals\": expected PATTERN=TEXT"},
        {"[runn]\n", "kiln.toml:1: unknown table [runn]"},
        {"[profile]\nx = 1\n", "kiln.toml:2: 'x' directly under [profile]"},
        {"[profile.ci.other]\n", "kiln.toml:1: unknown table [profile.ci.other]"},
        {"[profile.ci]\ntimeout = -1\n", "kiln.toml:2: timeout = -1: must be 0..86400 seconds"},
        {"gdb = true\n", "kiln.toml:1: 'gdb' is a command-line option only (--gdb)"},
        {"[vars]\nKERNEL = \"x\"\n", "kiln.toml:2: {{KERNEL}} is a built-in variable"},
        {"[vars]\nA = 1\n", "kiln.toml:2: A: a variable must be a string"},
        {"[vars]\nA-B = \"x\"\n", "kiln.toml:2: variable name 'A-B'"},
        {"modules = [\"=x\"]\n", "kiln.toml:1: modules[0] = \"=x\": expected FILE[=NAME]"},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        struct fixture f;
        resolve(&f, cases[i].toml, no_env, "k.elf");
        const char *m = strstr(f.e.msg, "kiln.toml:");
        CHECK(!f.ok && m && strstr(m, cases[i].msg) == m, "case %zu: got '%s', want '%s'", i, f.e.msg, cases[i].msg);
        fixture_free(&f);
    }
}

TEST(env_errors) {
    static const struct {
        const char *var, *msg;
    } cases[] = {
        {"KILN_MEMORY=abc", "KILN_MEMORY=abc: not a number of MiB"},
        {"KILN_MEMORY=8", "KILN_MEMORY=8: must be 16..4194304 MiB"},
        {"KILN_CPUS=0", "KILN_CPUS=0: must be 1..255"},
        {"KILN_CPUS=-1", "KILN_CPUS=-1: not a number"},
        {"KILN_FIRMWARE=coreboot", "KILN_FIRMWARE=coreboot: must be bios or uefi"},
        {"KILN_MACHINE=isapc", "KILN_MACHINE=isapc: must be q35 or pc"},
        {"KILN_ACCEL=hvf", "KILN_ACCEL=hvf: must be tcg or kvm"},
        {"KILN_DISK=scsi", "KILN_DISK=scsi: must be ide, ahci, nvme, virtio or usb"},
        {"KILN_TIMEOUT=1m", "KILN_TIMEOUT=1m: not a number of seconds"},
        {"KILN_QEMU_ARGS=-x 'open", "KILN_QEMU_ARGS=-x 'open: unterminated single quote"},
        {"KILN_VAR_A-B=1", "KILN_VAR_A-B: 'A-B' is not a variable name"},
        {"KILN_VAR_KERNEL=1", "KILN_VAR_KERNEL: {{KERNEL}} is a built-in variable"},
        {"KILN_CONFIG_FILE=/nonexistent/kiln.toml", "KILN_CONFIG_FILE=/nonexistent/kiln.toml: no such file"},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        const char *const env[] = {cases[i].var, NULL};
        struct fixture f;
        resolve(&f, NULL, env, "k.elf");
        CHECK(!f.ok && strstr(f.e.msg, cases[i].msg) == f.e.msg, "case %zu: got '%s', want '%s'", i, f.e.msg,
              cases[i].msg);
        fixture_free(&f);
    }
    const char *const good[] = {"KILN_MEMORY=2G", "KILN_CPUS=4", "KILN_MACHINE=pc", "KILN_QEMU=/opt/q",
                                "KILN_TIMEOUT=", NULL};
    struct fixture f;
    resolve_full(&f, NULL, good, "k.elf", NULL, true);
    REQUIRE(f.ok, "%s", f.e.msg);
    CHECK(f.c.v[K_MEMORY].num == 2048 && f.c.v[K_CPUS].num == 4 && f.c.v[K_MACHINE].num == MACHINE_PC, "values");
    CHECK(!strcmp(f.c.v[K_QEMU].str, "/opt/q") && !strcmp(src_of(&f, K_QEMU), "env KILN_QEMU"), "KILN_QEMU");
    CHECK(f.c.v[K_TIMEOUT].num == 60, "an empty variable is unset");
    fixture_free(&f);
}

TEST(combinations) {
    struct fixture f;
    resolve(&f, NULL, no_env, "k.elf --firmware uefi --kind bios");
    CHECK(!f.ok && strstr(f.e.msg, "kind bios (--kind) cannot boot with firmware uefi (--firmware)"), "%s", f.e.msg);
    fixture_free(&f);
    resolve(&f, "machine = \"q35\"\n", no_env, "k.elf --disk ide");
    CHECK(!f.ok && strstr(f.e.msg, "disk ide (--disk) needs machine pc") && strstr(f.e.msg, "use disk ahci"), "%s",
          f.e.msg);
    fixture_free(&f);
    resolve(&f, NULL, no_env, "");
    CHECK(!f.ok && strstr(f.e.msg, "no TARGET"), "%s", f.e.msg);
    fixture_free(&f);
    resolve(&f, NULL, no_env, "a.elf b.elf");
    CHECK(!f.ok && strstr(f.e.msg, "more than one TARGET ('a.elf' and 'b.elf')"), "%s", f.e.msg);
    fixture_free(&f);
}

TEST(templates) {
    const char *toml = "kernel = \"build/my.kernel.elf\"\n"
                       "cmdline = \"k={{KERNEL_NAME}} t={{ IS_TEST }} v={{LEVEL}} e={{FROM_ENV}} lit={{{{x}}\"\n"
                       "qemu_args = [\"-name\", \"{{KERNEL_NAME}}\", \"-D\", \"{{PROJECT_DIR}}/q.log\"]\n"
                       "[vars]\n"
                       "LEVEL = \"debug\"\n"
                       "FROM_ENV = \"file\"\n";
    const char *const env[] = {"KILN_VAR_FROM_ENV=env", "KILN_VAR_EXTRA=x", NULL};
    struct fixture f;
    resolve_full(&f, toml, env, "", NULL, true);
    REQUIRE(f.ok, "%s", f.e.msg);
    CHECK(!strcmp(f.c.v[K_CMDLINE].str, "k=my.kernel t=1 v=debug e=env lit={{x}}"), "cmdline: %s",
          f.c.v[K_CMDLINE].str);
    const struct rc_list *l = rc_clist(&f.c, K_QEMU_ARGS);
    char want[160];
    snprintf(want, sizeof want, "%s/q.log", tmp);
    CHECK(l->n == 4 && !strcmp(l->items[1].str, "my.kernel") && !strcmp(l->items[3].str, want), "qemu_args: %s %s",
          l->n > 1 ? l->items[1].str : "", l->n > 3 ? l->items[3].str : "");
    char *out;
    struct rc_source src = {RC_CLI, NULL, 0, NULL, "--x"};
    CHECK(rc_expand(&f.c, "{{KERNEL}}|{{EXTRA}}", "x", &src, &out, &f.e), "%s", f.e.msg);
    snprintf(want, sizeof want, "%s/build/my.kernel.elf|x", tmp);
    CHECK(!strcmp(out, want), "KERNEL: %s", out);
    fixture_free(&f);

    resolve(&f, "kernel = \"k\"\n\ncmdline = \"{{NOPE}}\"\n[vars]\nA = \"1\"\n", no_env, "");
    CHECK(!f.ok && strstr(f.e.msg, "kiln.toml:3: cmdline: unknown template variable {{NOPE}}") &&
              strstr(f.e.msg, "KERNEL, KERNEL_NAME, IS_TEST, PROJECT_DIR, A"),
          "unknown variable: %s", f.e.msg);
    fixture_free(&f);
    resolve(&f, NULL, no_env, "k --cmdline 'a {{OPEN'");
    CHECK(!f.ok && strstr(f.e.msg, "cmdline (--cmdline): unterminated {{"), "unterminated: %s", f.e.msg);
    fixture_free(&f);
    resolve(&f, NULL, no_env, "k -- '{{a b}}'");
    CHECK(!f.ok && strstr(f.e.msg, "'{{a b}}' is not a variable name"), "bad name: %s", f.e.msg);
    fixture_free(&f);
    resolve(&f, NULL, no_env, "k --cmdline '{{IS_TEST}}'");
    CHECK(f.ok && !strcmp(f.c.v[K_CMDLINE].str, "0"), "IS_TEST in run mode");
    fixture_free(&f);
}

/* --- kiln run's command line ------------------------------------------------------------------ */

TEST(run_options) {
    struct fixture f;
    resolve(&f, NULL, no_env,
            "--firmware=uefi --kind uefi --machine pc --memory 1G --cpus 8 --disk virtio --accel kvm --qemu /q "
            "--cmdline 'a b' --module m.bin --module n.bin=two --image-config cfg.txt --gui --net --timeout 9 "
            "--pass-on done --debugcon dbg.txt --log serial.txt --gdb --monitor -v --expect x --expect y "
            "--reply 'login\\: \\= =root\\n' --expect-fail='QEMU exited' --test k.elf -- -d int");
    REQUIRE(f.ok, "%s", f.e.msg);
    const struct rc_value *v = f.c.v;
    CHECK(v[K_FIRMWARE].num == FW_UEFI && v[K_KIND].num == KIND_UEFI && v[K_MACHINE].num == MACHINE_PC, "enums");
    CHECK(v[K_MEMORY].num == 1024 && v[K_CPUS].num == 8 && v[K_DISK].num == DISK_VIRTIO && v[K_ACCEL].num == ACCEL_KVM,
          "numbers");
    CHECK(!strcmp(v[K_QEMU].str, "/q") && !strcmp(v[K_CMDLINE].str, "a b") && !strcmp(v[K_IMAGE_CONFIG].str, "cfg.txt"),
          "strings");
    CHECK(v[K_GUI].num && v[K_NET].num && v[K_GDB].num && v[K_MONITOR].num && v[K_VERBOSE].num, "flags");
    CHECK(v[K_TIMEOUT].num == 9 && !strcmp(v[K_PASS_ON].str, "done") && !strcmp(v[K_DEBUGCON].str, "dbg.txt") &&
              !strcmp(v[K_LOG].str, "serial.txt"),
          "timeout, pass-on, files");
    CHECK(v[K_EXPECT_FAIL].num && !strcmp(v[K_EXPECT_FAIL].str, "QEMU exited"), "expect-fail");
    CHECK(f.c.test && !strcmp(v[K_KERNEL].str, "k.elf"), "--test, target");
    CHECK(rc_clist(&f.c, K_MODULES)->n == 2 && !strcmp(rc_clist(&f.c, K_MODULES)->items[1].str, "n.bin=two"), "modules");
    CHECK(rc_clist(&f.c, K_EXPECT)->n == 2, "expects");
    const struct rc_list *qa = rc_clist(&f.c, K_QEMU_ARGS);
    CHECK(qa->n == 2 && !strcmp(qa->items[0].str, "-d") && !strcmp(qa->items[1].str, "int"), "after --");
    char *pat, *text, err[128];
    size_t len;
    CHECK(rc_reply_split(&f.a, rc_clist(&f.c, K_REPLY)->items[0].str, &pat, &text, &len, err, sizeof err) &&
              !strcmp(pat, "login\\: = ") && !strcmp(text, "root\n"),
          "reply split: '%s' '%s'", pat, text);
    fixture_free(&f);

    resolve(&f, "gui = true\nnet = true\n", no_env, "k --no-gui --no-net --expect-fail");
    CHECK(f.ok && !f.c.v[K_GUI].num && !f.c.v[K_NET].num && f.c.v[K_EXPECT_FAIL].num && !*f.c.v[K_EXPECT_FAIL].str,
          "--no-gui, --no-net, bare --expect-fail: %s", f.e.msg);
    fixture_free(&f);

    static const struct {
        const char *args, *msg;
    } bad[] = {
        {"k --cpus 0", "--cpus 0: must be 1..255"},
        {"k --cpus 256", "--cpus 256: must be 1..255"},
        {"k --memory lots", "--memory lots: not a number of MiB (e.g. 512, 512M or 2G)"},
        {"k --memory 3T", "--memory 3T: not a number of MiB"},
        {"k --machine isapc", "--machine isapc: must be q35 or pc"},
        {"k --disk floppy", "--disk floppy: must be ide, ahci, nvme, virtio or usb"},
        {"k --accel hax", "--accel hax: must be tcg or kvm"},
        {"k --timeout -1", "--timeout -1: not a number of seconds"},
        {"k --expect '('", "--expect (: bad regular expression"},
        {"k --pass-on '['", "--pass-on [: bad regular expression"},
        {"k --reply nothing", "--reply nothing: expected PATTERN=TEXT (no '=')"},
        {"k --reply '=x'", "--reply =x: expected PATTERN=TEXT (empty PATTERN)"},
        {"k --reply 'a=\\q'", "--reply a=\\q: unknown escape \\q in TEXT"},
        {"k --module ''", "--module : expected FILE[=NAME] (empty FILE)"},
        {"k --module 'a='", "--module a=: expected FILE[=NAME] (empty NAME)"},
        {"k --expect-fail='('", "--expect-fail (: bad regular expression"},
        {"k --frobnicate", "unknown option '--frobnicate'"},
        {"k --memory", "--memory needs a value"},
        {"k --gui=yes", "--gui takes no value"},
        {"k --cmdline 'a\\\nb'", "--cmdline: the kernel command line may not contain a newline"},
    };
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        resolve(&f, NULL, no_env, bad[i].args);
        CHECK(!f.ok && strstr(f.e.msg, bad[i].msg) == f.e.msg, "case %zu: got '%s', want '%s'", i, f.e.msg,
              bad[i].msg);
        fixture_free(&f);
    }
    resolve_full(&f, NULL, no_env, "k", "k --profile x", true);
    CHECK(!f.ok && !strcmp(f.e.msg, "runner.plan:7: --profile cannot be used in a plan line"), "%s", f.e.msg);
    fixture_free(&f);
    resolve_full(&f, NULL, no_env, "k", "k --cpus 0", true);
    CHECK(!f.ok && !strcmp(f.e.msg, "runner.plan:7: --cpus 0: must be 1..255"), "%s", f.e.msg);
    fixture_free(&f);
}

/* --- words and plans ----------------------------------------------------------------------------- */

static bool words_are(const char *line, const char *const *want, size_t n) {
    struct arena a = {0};
    char **w, err[128];
    int nw;
    bool ok = rc_split_words(&a, line, &w, &nw, err, sizeof err) && (size_t)nw == n;
    for (size_t i = 0; ok && i < n; i++) ok = !strcmp(w[i], want[i]);
    ok = ok && w[n] == NULL;
    arena_free(&a);
    return ok;
}

TEST(split_words) {
    static const char *const w1[] = {"a", "b c", "d'e", "f\"g", "h i", "$x", "j\\k", "", "end"};
    CHECK(words_are("  a 'b c' \"d'e\" 'f\"g' h\\ i \"\\$x\" \"j\\k\" '' end  ", w1, 9), "quotes and escapes");
    static const char *const w2[] = {"a", "b#c"};
    CHECK(words_are("a b#c # a comment 'unterminated", w2, 2), "comments start a word");
    static const char *const w3[] = {"ab", "c", "de"};
    CHECK(words_are("a'b' \\\n c d\\\ne", w3, 3), "adjacent quoting, backslash-newline");
    CHECK(words_are("", NULL, 0) && words_are("   # only a comment", NULL, 0), "empty");
    struct arena a = {0};
    char **w, err[128];
    int nw;
    CHECK(!rc_split_words(&a, "a 'b", &w, &nw, err, sizeof err) && strstr(err, "single quote"), "open '");
    CHECK(!rc_split_words(&a, "a \"b", &w, &nw, err, sizeof err) && strstr(err, "double quote"), "open \"");
    CHECK(!rc_split_words(&a, "a \\", &w, &nw, err, sizeof err) && strstr(err, "backslash"), "trailing \\");
    arena_free(&a);
}

TEST(plan_files) {
    const char *text = "# a comment\n"
                       "\n"
                       "one  k.elf --cmdline 'a b'   # trailing\n"
                       "two  img.img \\\n"
                       "     --expect \"x y\"\n"
                       "   \n"
                       "three k.elf\n";
    struct arena a = {0};
    struct rc_plan_line *l;
    size_t n;
    struct rc_err e;
    REQUIRE(rc_plan_parse(&a, text, strlen(text), "p.plan", &l, &n, &e), "%s", e.msg);
    REQUIRE(n == 3, "%zu lines", n);
    CHECK(!strcmp(l[0].name, "one") && l[0].line == 3 && l[0].argc == 3 && !strcmp(l[0].argv[2], "a b"), "line one");
    CHECK(!strcmp(l[1].name, "two") && l[1].line == 4 && l[1].argc == 3 && !strcmp(l[1].argv[2], "x y"),
          "continued line two: %d args", l[1].argc);
    CHECK(!strcmp(l[2].name, "three") && l[2].line == 7 && l[2].argc == 1, "line three at %d", l[2].line);
    static const struct {
        const char *text, *msg;
    } bad[] = {
        {"a k\nb k\na k2\n", "p.plan:3: boot name 'a' is used twice (first on line 1)"},
        {"\nlonely\n", "p.plan:2: expected NAME TARGET [options...]"},
        {"x k 'open\n", "p.plan:1: unterminated single quote"},
        {"a/b k\n", "p.plan:1: boot name 'a/b': use letters"},
        {"-a k\n", "p.plan:1: boot name '-a' may not start with '-'"},
    };
    for (size_t i = 0; i < ARRAY_LEN(bad); i++)
        CHECK(!rc_plan_parse(&a, bad[i].text, strlen(bad[i].text), "p.plan", &l, &n, &e) &&
                  strstr(e.msg, bad[i].msg) == e.msg,
              "case %zu: %s", i, e.msg);
    arena_free(&a);
}

/* --- the QEMU command line ------------------------------------------------------------------------ */

static bool argv_is(char **argv, int argc, const char *const *want, char *why, size_t whysz) {
    int i = 0;
    for (; want[i]; i++)
        if (i >= argc || strcmp(argv[i], want[i])) {
            snprintf(why, whysz, "argument %d: got '%s', want '%s'", i, i < argc ? argv[i] : "(end)", want[i]);
            return false;
        }
    if (i != argc || argv[argc]) return snprintf(why, whysz, "%d arguments, want %d", argc, i), false;
    return true;
}

static void check_argv(const char *args, bool test, const struct qemu_inputs *in, const char *const *want) {
    struct fixture f;
    resolve_full(&f, NULL, no_env, args, NULL, test);
    if (!f.ok) {
        CHECK(false, "%s: %s", args, f.e.msg);
        return;
    }
    char **argv, why[256];
    int argc;
    bool ok = qemu_argv(&f.c, in, &argv, &argc, &f.e);
    CHECK(ok, "%s: %s", args, f.e.msg);
    if (ok) CHECK(argv_is(argv, argc, want, why, sizeof why), "%s: %s", args, why);
    fixture_free(&f);
}

#define COMMON_HEAD "q", "-machine"
#define COMMON_TAIL "-serial", "stdio", "-monitor", "none", "-display", "none", "-nic", "none"

TEST(qemu_command_lines) {
    struct qemu_inputs in = {"q", "d,1.img", NULL, NULL, NULL};
    {
        const char *const want[] = {COMMON_HEAD, "q35", "-accel", "tcg", "-m", "256", "-smp", "1", "-drive",
                                    "if=none,id=disk0,format=raw,file=d,,1.img,snapshot=on", "-device",
                                    "ide-hd,drive=disk0,bus=ide.0,bootindex=0", COMMON_TAIL, NULL};
        check_argv("k", false, &in, want);
    }
    {
        const char *const want[] = {COMMON_HEAD, "pc", "-accel", "tcg", "-m", "256", "-smp", "1", "-drive",
                                    "if=none,id=disk0,format=raw,file=d,,1.img,snapshot=on", "-device",
                                    "ide-hd,drive=disk0,bootindex=0", COMMON_TAIL, NULL};
        check_argv("k --machine pc", false, &in, want);
    }
    {
        const char *const want[] = {COMMON_HEAD, "pc", "-accel", "tcg", "-m", "256", "-smp", "1", "-drive",
                                    "if=none,id=disk0,format=raw,file=d,,1.img,snapshot=on", "-device", "ahci,id=ahci0",
                                    "-device", "ide-hd,drive=disk0,bus=ahci0.0,bootindex=0", COMMON_TAIL, NULL};
        check_argv("k --machine pc --disk ahci", false, &in, want);
    }
    static const struct {
        const char *disk;
        const char *dev[4];
    } disks[] = {
        {"nvme", {"-device", "nvme,serial=kiln0,drive=disk0,bootindex=0", NULL, NULL}},
        {"virtio", {"-device", "virtio-blk-pci,drive=disk0,bootindex=0", NULL, NULL}},
        {"usb", {"-device", "qemu-xhci,id=xhci", "-device", "usb-storage,bus=xhci.0,drive=disk0,bootindex=0"}},
    };
    for (size_t m = 0; m < 2; m++)
        for (size_t i = 0; i < ARRAY_LEN(disks); i++) {
            const char *want[32] = {COMMON_HEAD, m ? "pc" : "q35", "-accel", "tcg", "-m", "256", "-smp", "1",
                                    "-drive", "if=none,id=disk0,format=raw,file=d,,1.img,snapshot=on"};
            size_t n = 11;
            for (size_t k = 0; k < 4 && disks[i].dev[k]; k++) want[n++] = disks[i].dev[k];
            const char *const tail[] = {COMMON_TAIL};
            for (size_t k = 0; k < ARRAY_LEN(tail); k++) want[n++] = tail[k];
            char args[64];
            snprintf(args, sizeof args, "k --disk %s --machine %s", disks[i].disk, m ? "pc" : "q35");
            check_argv(args, false, &in, want);
        }

    /* UEFI, test mode, every option that adds arguments, user arguments last */
    struct qemu_inputs uefi = {"/usr/bin/qemu", "disk.img", "/fw/CODE.fd", "/tmp/vars,x.fd", "/tmp/s.sock"};
    {
        const char *const want[] = {
            "/usr/bin/qemu", "-machine", "q35", "-accel", "kvm", "-cpu", "host", "-m", "2048", "-smp", "4",
            "-drive", "if=pflash,format=raw,readonly=on,file=/fw/CODE.fd",
            "-drive", "if=pflash,format=raw,file=/tmp/vars,,x.fd",
            "-drive", "if=none,id=disk0,format=raw,file=disk.img,snapshot=on",
            "-device", "virtio-blk-pci,drive=disk0,bootindex=0",
            "-chardev", "socket,id=serial0,path=/tmp/s.sock", "-serial", "chardev:serial0",
            "-monitor", "stdio", "-debugcon", "file:dbg.log",
            "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04", "-no-reboot", "-s", "-S", "-d", "int", NULL};
        check_argv("k --firmware uefi --accel kvm --memory 2G --cpus 4 --disk virtio --monitor --gui --net "
                   "--debugcon dbg.log --gdb -- -d int",
                   true, &uefi, want);
    }
    /* q35 cannot have IDE even if resolution was bypassed */
    struct fixture f;
    resolve(&f, NULL, no_env, "k --machine pc");
    REQUIRE(f.ok, "%s", f.e.msg);
    f.c.v[K_MACHINE].num = MACHINE_Q35;
    char **argv;
    int argc;
    CHECK(!qemu_argv(&f.c, &in, &argv, &argc, &f.e) && strstr(f.e.msg, "use disk ahci"), "%s", f.e.msg);
    f.c.v[K_FIRMWARE].num = FW_UEFI;
    f.c.v[K_DISK].num = DISK_AHCI;
    CHECK(!qemu_argv(&f.c, &in, &argv, &argc, &f.e) && strstr(f.e.msg, "without OVMF"), "uefi without OVMF");
    fixture_free(&f);
}

TEST(quoting) {
    struct arena a = {0};
    CHECK(!strcmp(shell_quote(&a, "plain-1.0/x=y,z"), "plain-1.0/x=y,z"), "plain");
    CHECK(!strcmp(shell_quote(&a, "a b"), "'a b'"), "space");
    CHECK(!strcmp(shell_quote(&a, "it's"), "'it'\\''s'"), "quote");
    CHECK(!strcmp(shell_quote(&a, ""), "''"), "empty");
    char *argv[] = {"q", "-x", "a b", NULL};
    CHECK(!strcmp(shell_join(&a, argv), "q -x 'a b'"), "join");
    arena_free(&a);
}

/* --- finding things ----------------------------------------------------------------------------- */

static void touch(const char *rel) {
    char path[256];
    snprintf(path, sizeof path, "%s/%s", tmp, rel);
    for (char *s = path + strlen(tmp) + 1; *s; s++)
        if (*s == '/') {
            *s = 0;
            mkdir(path, 0755);
            *s = '/';
        }
    write_text(path, "x");
}

TEST(ovmf_discovery) {
    struct arena a = {0};
    struct rc_err e;
    const char *code, *vars;
    char root[128], want[256];
    snprintf(root, sizeof root, "%s/fw", tmp);
    CHECK(!qemu_find_ovmf(&a, no_env, root, &code, &vars, &e) && strstr(e.msg, "apt-get install ovmf") &&
              strstr(e.msg, "KILN_OVMF_CODE"),
          "none: %s", e.msg);
    touch("fw/usr/share/qemu/edk2-x86_64-code.fd");
    touch("fw/usr/share/qemu/edk2-i386-vars.fd");
    CHECK(qemu_find_ovmf(&a, no_env, root, &code, &vars, &e) && strstr(code, "edk2-x86_64-code.fd") &&
              strstr(vars, "edk2-i386-vars.fd"),
          "QEMU's edk2: %s", e.msg);
    touch("fw/usr/share/OVMF/OVMF_CODE.fd"); /* without its VARS: skipped */
    CHECK(qemu_find_ovmf(&a, no_env, root, &code, &vars, &e) && strstr(code, "edk2"), "a CODE without VARS is skipped");
    touch("fw/usr/share/OVMF/OVMF_CODE_4M.fd");
    touch("fw/usr/share/OVMF/OVMF_VARS_4M.fd");
    snprintf(want, sizeof want, "%s/usr/share/OVMF/OVMF_CODE_4M.fd", root);
    CHECK(qemu_find_ovmf(&a, no_env, root, &code, &vars, &e) && !strcmp(code, want) && strstr(vars, "OVMF_VARS_4M.fd"),
          "4M first: %s", code);
    char ec[300], ev[300];
    snprintf(ec, sizeof ec, "KILN_OVMF_CODE=%s/usr/share/qemu/edk2-x86_64-code.fd", root);
    const char *const env1[] = {ec, NULL};
    CHECK(qemu_find_ovmf(&a, env1, root, &code, &vars, &e) && strstr(vars, "edk2-i386-vars.fd"), "derived vars");
    snprintf(ec, sizeof ec, "KILN_OVMF_CODE=%s/usr/share/OVMF/OVMF_CODE.fd", root);
    const char *const env2[] = {ec, NULL};
    CHECK(!qemu_find_ovmf(&a, env2, root, &code, &vars, &e) && strstr(e.msg, "OVMF_VARS.fd; set KILN_OVMF_VARS"),
          "no derived vars: %s", e.msg);
    snprintf(ev, sizeof ev, "KILN_OVMF_VARS=%s/usr/share/OVMF/OVMF_VARS_4M.fd", root);
    const char *const env3[] = {ec, ev, NULL};
    CHECK(qemu_find_ovmf(&a, env3, root, &code, &vars, &e) && strstr(code, "OVMF_CODE.fd") &&
              strstr(vars, "OVMF_VARS_4M.fd"),
          "both given");
    const char *const env4[] = {"KILN_OVMF_CODE=/nonexistent", NULL};
    CHECK(!qemu_find_ovmf(&a, env4, root, &code, &vars, &e) && !strcmp(e.msg, "KILN_OVMF_CODE=/nonexistent: no such file"),
          "missing: %s", e.msg);
    arena_free(&a);
}

TEST(binary_and_kvm) {
    struct fixture f;
    char bin[160], path[200];
    snprintf(bin, sizeof bin, "%s/bin", tmp);
    mkdir(bin, 0755);
    snprintf(path, sizeof path, "%s/qemu-system-x86_64", bin);
    write_text(path, "#!/bin/sh\n");
    chmod(path, 0755);
    char envpath[200];
    snprintf(envpath, sizeof envpath, "PATH=/nonexistent:%s", bin);
    const char *const env[] = {envpath, NULL};
    resolve(&f, NULL, env, "k");
    REQUIRE(f.ok, "%s", f.e.msg);
    const char *found;
    CHECK(qemu_find_binary(&f.c, env, &found, &f.e) && !strcmp(found, path), "found in PATH: %s", f.e.msg);
    const char *const empty_path[] = {"PATH=/nonexistent", NULL};
    CHECK(!qemu_find_binary(&f.c, empty_path, &found, &f.e) && strstr(f.e.msg, "apt-get install qemu-system-x86"),
          "missing: %s", f.e.msg);
    fixture_free(&f);
    resolve(&f, NULL, env, "k --qemu /nonexistent/qemu");
    CHECK(f.ok && !qemu_find_binary(&f.c, env, &found, &f.e) &&
              !strcmp(f.e.msg, "QEMU '/nonexistent/qemu' (--qemu): not found or not executable"),
          "explicit: %s", f.e.msg);
    fixture_free(&f);
    char why[256];
    CHECK(!qemu_kvm_usable("/dev/null", why, sizeof why) && strstr(why, "/dev/null: KVM_GET_API_VERSION failed"),
          "/dev/null is no KVM: %s", why);
    CHECK(!qemu_kvm_usable("/nonexistent/kvm", why, sizeof why) && strstr(why, "No such file"), "%s", why);
}

/* --- the serial watch and the verdict ------------------------------------------------------------- */

static void watch_for(struct fixture *f, struct serial_watch *w, const char *args) {
    resolve_full(f, NULL, no_env, args, NULL, true);
    if (!f->ok) {
        CHECK(false, "%s", f->e.msg);
        return;
    }
    struct rc_err e;
    if (!watch_init(w, &f->c, &e)) CHECK(false, "%s", e.msg);
}

struct collect {
    char buf[4096];
};

static void collect_line(void *ctx, const char *line) {
    struct collect *c = ctx;
    strncat(c->buf, line, sizeof c->buf - strlen(c->buf) - 2);
    strcat(c->buf, "|");
}

TEST(serial_watch) {
    struct fixture f;
    struct serial_watch w;
    watch_for(&f, &w, "k --expect '^b$' --expect '^d' --reply 'login: $=root\\n' --reply 'Pass=x' --pass-on '^done$'");
    const char *out = "a\r\nb\nc\n[PASS] one\n  [FAIL] two: why\nlog";
    watch_feed(&w, out, strlen(out));
    CHECK(w.ninput == 0, "no reply before the prompt is complete");
    watch_feed(&w, "in: ", 4);
    CHECK(w.ninput == 5 && !memcmp(w.input, "root\n", 5), "a reply to a partial line");
    watch_feed(&w, "\nlogin: \n", 9);
    CHECK(w.ninput == 5, "each reply fires once");
    CHECK(w.npass == 1 && w.nfail == 1 && w.nmarkers == 2 && !strcmp(w.markers[1], "[FAIL] two: why"), "markers");
    CHECK(w.next_expect == 1, "one expect so far");
    watch_feed(&w, "d1\nd2\n", 6);
    CHECK(w.next_expect == 2 && !w.pass_on_hit, "expects in order");
    watch_feed(&w, "done\npartial", 12);
    CHECK(w.pass_on_hit, "pass-on");
    struct collect c = {""};
    watch_tail(&w, collect_line, &c);
    CHECK(!strcmp(c.buf, "a|b|c|[PASS] one|  [FAIL] two: why|login: |login: |d1|d2|done|partial|"), "tail: %s", c.buf);
    watch_free(&w);
    fixture_free(&f);

    /* the tail keeps the last 20 lines; expects need lines in order */
    watch_for(&f, &w, "k --expect second --expect first");
    watch_feed(&w, "first\nsecond\n", 13);
    for (int i = 0; i < 30; i++) {
        char l[16];
        int n = snprintf(l, sizeof l, "line %d\n", i);
        watch_feed(&w, l, (size_t)n);
    }
    watch_feed(&w, "first\n", 6);
    CHECK(w.next_expect == 2, "order: second, then a later first");
    c.buf[0] = 0;
    watch_tail(&w, collect_line, &c);
    CHECK(!strncmp(c.buf, "line 11|", 8) && strstr(c.buf, "line 29|first|"), "last 20: %s", c.buf);
    watch_free(&w);
    fixture_free(&f);
}

static void verdict_for(const char *args, const struct outcome *o, struct verdict *v, bool test) {
    struct fixture f;
    resolve_full(&f, NULL, no_env, args, NULL, test);
    if (!f.ok) CHECK(false, "%s", f.e.msg);
    else verdict_compute(&f.c, o, v);
    fixture_free(&f);
}

TEST(verdicts) {
    struct verdict v;
    struct outcome ok = {.exited = true, .exit_code = 33, .timeout_s = 60};
    verdict_for("k", &ok, &v, true);
    CHECK(v.passed && v.exit_code == 0 && !v.reason[0], "exit 33 passes");

    struct outcome o = ok;
    o.exit_code = 35;
    verdict_for("k", &o, &v, true);
    CHECK(!v.passed && v.exit_code == 1 && strstr(v.reason, "expected exit 33, QEMU exited 35"), "35: %s", v.reason);
    o.exit_code = 0;
    verdict_for("k", &o, &v, true);
    CHECK(!v.passed && strstr(v.reason, "QEMU exited 0 (a shutdown, or a triple fault"), "0: %s", v.reason);
    o.exit_code = 1;
    o.qemu_error = "qemu: -device foo: bad";
    verdict_for("k", &o, &v, true);
    CHECK(!v.passed && strstr(v.reason, "QEMU exited 1; QEMU: qemu: -device foo: bad"), "1: %s", v.reason);
    o = ok;
    o.exited = false, o.signal = 9;
    verdict_for("k", &o, &v, true);
    CHECK(!v.passed && strstr(v.reason, "killed by signal 9"), "signal: %s", v.reason);
    o = ok;
    o.nfail = 2, o.npass = 5;
    verdict_for("k", &o, &v, true);
    CHECK(!v.passed && !strcmp(v.reason, "2 [FAIL] markers"), "markers: %s", v.reason);
    o = ok;
    o.exited = false, o.signal = 15, o.timed_out = true, o.timeout_s = 5;
    verdict_for("k", &o, &v, true);
    CHECK(!v.passed && v.exit_code == 124 && !strcmp(v.reason, "timed out after 5 s"), "timeout: %s", v.reason);
    o = ok;
    o.nexpect = 2, o.expect_matched = 1, o.first_missing = "^beta$";
    verdict_for("k", &o, &v, true);
    CHECK(!v.passed && !strcmp(v.reason, "missing \"^beta$\""), "missing: %s", v.reason);
    o.exited = false, o.signal = 15, o.pass_on_hit = true;
    verdict_for("k", &o, &v, true);
    CHECK(!v.passed && !strcmp(v.reason, "missing \"^beta$\""), "pass-on before every expect");
    o.expect_matched = 2;
    verdict_for("k", &o, &v, true);
    CHECK(v.passed && v.exit_code == 0, "pass-on after every expect: %s", v.reason);
    o = ok;
    o.guest_stuck = "KVM internal error";
    verdict_for("k", &o, &v, true);
    CHECK(!v.passed && strstr(v.reason, "QEMU stopped the guest: KVM internal error") && !strstr(v.reason, "exit 33"),
          "stuck: %s", v.reason);

    /* --expect-fail */
    o = ok;
    o.exit_code = 35;
    verdict_for("k --expect-fail", &o, &v, true);
    CHECK(v.passed && v.exit_code == 0 && strstr(v.reason, "failed as expected: expected exit 33, QEMU exited 35"),
          "inverted: %s", v.reason);
    verdict_for("k --expect-fail='exited 35'", &o, &v, true);
    CHECK(v.passed, "reason matches");
    verdict_for("k --expect-fail='timed out'", &o, &v, true);
    CHECK(!v.passed && v.exit_code == 1 && strstr(v.reason, "failed, but not as expected"), "wrong reason: %s",
          v.reason);
    verdict_for("k --expect-fail", &ok, &v, true);
    CHECK(!v.passed && strstr(v.reason, "expected a failure (--expect-fail), but the boot passed"), "%s", v.reason);

    /* run mode: QEMU's status */
    o = ok;
    o.exit_code = 0;
    verdict_for("k", &o, &v, false);
    CHECK(v.passed && v.exit_code == 0, "run: 0");
    o.exit_code = 3;
    verdict_for("k", &o, &v, false);
    CHECK(!v.passed && v.exit_code == 3, "run: 3");
    o.exited = false, o.signal = 9;
    verdict_for("k", &o, &v, false);
    CHECK(v.exit_code == 137, "run: signal -> 128 + 9");
    o.timed_out = true, o.timeout_s = 2;
    verdict_for("k", &o, &v, false);
    CHECK(v.exit_code == 124 && strstr(v.reason, "timed out after 2 s"), "run: timeout");
    o = ok;
    o.interrupted = true;
    verdict_for("k", &o, &v, true);
    CHECK(!v.passed && v.exit_code == 130, "interrupted");
}

TEST(sha256_vectors) {
    static const struct {
        const char *in, *hex;
    } cases[] = {
        {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
        {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
        {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        struct sha256 s;
        char hex[65];
        sha256_init(&s);
        sha256_update(&s, cases[i].in, strlen(cases[i].in));
        sha256_hex(&s, hex);
        CHECK(!strcmp(hex, cases[i].hex), "case %zu: %s", i, hex);
    }
    /* a million 'a's, fed unevenly across block boundaries */
    struct sha256 s;
    char hex[65], buf[1000];
    memset(buf, 'a', sizeof buf);
    sha256_init(&s);
    for (size_t done = 0, step = 1; done < 1000000; done += step, step = step % 997 + 1)
        sha256_update(&s, buf, MIN(step, 1000000 - done));
    sha256_hex(&s, hex);
    CHECK(!strcmp(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"), "1M a: %s", hex);
}

int main(void) {
    snprintf(tmp, sizeof tmp, "/tmp/kiln-test-rc-XXXXXX");
    if (!mkdtemp(tmp)) {
        perror("mkdtemp");
        return 2;
    }
    RUN(toml_valid);
    RUN(toml_invalid);
    RUN(defaults);
    RUN(layering_and_sources);
    RUN(lists_append_across_layers);
    RUN(profiles);
    RUN(file_errors);
    RUN(env_errors);
    RUN(combinations);
    RUN(templates);
    RUN(run_options);
    RUN(split_words);
    RUN(plan_files);
    RUN(qemu_command_lines);
    RUN(quoting);
    RUN(ovmf_discovery);
    RUN(binary_and_kvm);
    RUN(serial_watch);
    RUN(verdicts);
    RUN(sha256_vectors);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", tmp);
    return test_summary();
}
