/* test_runconfig.c - host unit tests of the tool's configuration
 * (tools/kiln/config): the layering of settings with their sources,
 * profiles, kiln.toml and environment checks, templates (nested ones too),
 * `kiln run` option parsing, plan files, the checks that need the target,
 * the warning for KILN_* variables kiln does not read, and kiln image's
 * settings through the same table. (The TOML subset: test_toml.c; QEMU,
 * the serial watch and verdicts: test_qemu.c.) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/unit/rc_fixture.h"
#include "tests/unit/testlib.h"
#include "tools/kiln/config/config.h"
#include "tools/kiln/util/shellwords.h"

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

    resolve_full(&f, NULL, no_env, "k.elf --machine pc", NULL, RC_TEST);
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
    resolve_full(&f, layered_toml, no_env, "", NULL, RC_TEST);
    REQUIRE(f.ok, "%s", f.e.msg);
    CHECK(f.c.v[K_MEMORY].num == 302 && src_is(&f, K_MEMORY, "kiln.toml:9 [test]"), "[test] memory (%s)",
          src_of(&f, K_MEMORY));
    fixture_free(&f);

    /* the profile over the file, its [profile.ci.test] over [profile.ci] */
    resolve_full(&f, layered_toml, no_env, "--profile ci", NULL, RC_TEST);
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
    resolve_full(&f, layered_toml, env, "--memory 600 --cpus 3", "k2.elf --memory 700", RC_TEST);
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
    struct rc_ctx ctx = {no_env, sub, RC_RUN};
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
    resolve_full(&f, layered_toml, env, "--profile ci --expect one -- -cli x", "k.elf --expect two -- -plan", RC_RUN);
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
        {"firmware = \"efi\"\n", "kiln.toml:1: firmware = \"efi\": must be bios, uefi or uboot"},
        {"gui = 1\n", "kiln.toml:1: gui: expected true or false, found an integer"},
        {"qemu_args = \"-x\"\n", "kiln.toml:1: qemu_args: expected an array of strings, found a string"},
        {"expect = [\"ok\", \"(\"]\n", "kiln.toml:1: expect[1] = \"(\": bad regular expression"},
        {"reply = [\"noequals\"]\n", "kiln.toml:1: reply[0] = \"noequals\": expected PATTERN=TEXT"},
        {"[runn]\n", "kiln.toml:1: unknown table [runn]"},
        {"[profile]\nx = 1\n", "kiln.toml:2: 'x' directly under [profile]"},
        {"[profile.ci.other]\n", "kiln.toml:1: unknown table [profile.ci.other]"},
        {"[profile.ci]\ntimeout = -1\n", "kiln.toml:2: timeout = -1: must be 0..86400 seconds"},
        {"verbose = true\n", "kiln.toml:1: 'verbose' is a command-line option only (--verbose)"},
        {"expect-fail = \"x\"\n", "kiln.toml:1: 'expect-fail' is a command-line option only (--expect-fail)"},
        {"gdb = \"yes\"\n", "kiln.toml:1: gdb: expected true or false, found a string"},
        {"serial_log = \"\"\n", "kiln.toml:1: serial_log = \"\": empty file name"},
        {"log = \"x\"\n", "kiln.toml:1: 'log' is now 'serial_log'"},
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
        {"KILN_FIRMWARE=coreboot", "KILN_FIRMWARE=coreboot: must be bios, uefi or uboot"},
        {"KILN_MACHINE=isapc", "KILN_MACHINE=isapc: must be q35 or pc"},
        {"KILN_ACCEL=hvf", "KILN_ACCEL=hvf: must be tcg, kvm or auto"},
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
    resolve_full(&f, NULL, good, "k.elf", NULL, RC_TEST);
    REQUIRE(f.ok, "%s", f.e.msg);
    CHECK(f.c.v[K_MEMORY].num == 2048 && f.c.v[K_CPUS].num == 4 && f.c.v[K_MACHINE].num == MACHINE_PC, "values");
    CHECK(!strcmp(f.c.v[K_QEMU].str, "/opt/q") && !strcmp(src_of(&f, K_QEMU), "env KILN_QEMU"), "KILN_QEMU");
    CHECK(f.c.v[K_TIMEOUT].num == 60, "an empty variable is unset");
    fixture_free(&f);
}

TEST(combinations) {
    struct fixture f;
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

/* Firmware and image kind must fit, for a kernel; a disk image's kind is
 * what it is. Both settings are named with their sources. */
static const char *const firmware_bios_env[] = {"KILN_FIRMWARE=bios", NULL};
static const char *const self_var_env[] = {"KILN_VAR_X={{X}}", NULL};

TEST(firmware_and_kind) {
    static const struct {
        const char *toml, *args;
        const char *const *env;
        const char *msg; /* NULL: fine */
    } cases[] = {
        {NULL, "k.elf --firmware uefi --kind bios", NULL,
         "kind bios (--kind) cannot boot with firmware uefi (--firmware): a bios image has no EFI system partition"},
        {NULL, "k.elf --firmware bios --kind uefi", NULL,
         "kind uefi (--kind) cannot boot with firmware bios (--firmware): a uefi image has no BIOS boot code; use "
         "kind hybrid or bios"},
        {NULL, "k.elf --kind uefi", NULL, "kind uefi (--kind) cannot boot with firmware bios (default)"},
        {"kind = \"uefi\"\n", "k.elf", firmware_bios_env,
         "kiln.toml:1) cannot boot with firmware bios (env KILN_FIRMWARE): a uefi image has no BIOS boot code"},
        {NULL, "k.elf --firmware uboot --kind bios", NULL,
         "kind bios (--kind) cannot boot with firmware uboot (--firmware): a bios image has no EFI system partition"},
        {NULL, "k.elf --firmware uboot --kind uefi", NULL, NULL},
        {NULL, "k.elf --firmware uefi --kind uefi", NULL, NULL},
        {NULL, "k.elf --firmware bios --kind bios", NULL, NULL},
        {NULL, "k.elf --firmware uefi", NULL, NULL},
        {NULL, "k.elf --firmware bios", NULL, NULL},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        struct fixture f;
        resolve(&f, cases[i].toml, cases[i].env ? cases[i].env : no_env, cases[i].args);
        if (!f.ok) {
            CHECK(false, "case %zu: %s", i, f.e.msg);
            fixture_free(&f);
            continue;
        }
        bool ok = rc_check_target(&f.c, true, &f.e);
        if (!cases[i].msg) CHECK(ok, "case %zu: %s", i, f.e.msg);
        else CHECK(!ok && strstr(f.e.msg, cases[i].msg), "case %zu: got '%s', want '%s'", i, ok ? "" : f.e.msg,
                   cases[i].msg);
        /* an image is booted as it is */
        CHECK(rc_check_target(&f.c, false, &f.e), "case %zu, an image: %s", i, f.e.msg);
        fixture_free(&f);
    }
}

/* gdb, serial_log, monitor and debugcon in kiln.toml and profiles. */
TEST(debug_settings_from_the_file) {
    const char *toml = "kernel = \"k.elf\"\n"         /* 1 */
                       "debugcon = \"build/e9.log\"\n" /* 2 */
                       "[profile.debug]\n"              /* 3 */
                       "gdb = true\n"                   /* 4 */
                       "serial_log = \"build/serial.log\"\n"  /* 5 */
                       "[profile.mon.run]\n"            /* 6 */
                       "monitor = true\n";              /* 7 */
    struct fixture f;
    resolve_full(&f, toml, no_env, "--profile debug", NULL, RC_TEST);
    REQUIRE(f.ok, "%s", f.e.msg);
    char want[160];
    snprintf(want, sizeof want, "%s/build/serial.log", tmp);
    CHECK(f.c.v[K_GDB].num && src_is(&f, K_GDB, "kiln.toml:4 [profile.debug]"), "gdb (%s)", src_of(&f, K_GDB));
    CHECK(f.c.v[K_SERIAL_LOG].set && !strcmp(f.c.v[K_SERIAL_LOG].str, want) && src_is(&f, K_SERIAL_LOG, "kiln.toml:5 [profile.debug]"),
          "log relative to kiln.toml: %s (%s)", f.c.v[K_SERIAL_LOG].str, src_of(&f, K_SERIAL_LOG));
    snprintf(want, sizeof want, "%s/build/e9.log", tmp);
    CHECK(!strcmp(f.c.v[K_DEBUGCON].str, want), "debugcon: %s", f.c.v[K_DEBUGCON].str);
    CHECK(!f.c.v[K_MONITOR].num && f.c.v[K_TIMEOUT].num == 60,
          "monitor off; the timeout stays set (oneboot.c drops it)");
    const char *named = rc_named(&f.c, K_GDB);
    CHECK(strstr(named, "gdb (") == named && strstr(named, "kiln.toml:4 [profile.debug])"), "named: %s", named);
    fixture_free(&f);

    /* the command line and the environment over the file */
    const char *const env[] = {"KILN_SERIAL_LOG=env.log", "KILN_DEBUGCON=env-e9.log", NULL};
    resolve(&f, toml, env, "--profile debug --no-gdb");
    REQUIRE(f.ok, "%s", f.e.msg);
    CHECK(!f.c.v[K_GDB].num && !strcmp(src_of(&f, K_GDB), "--no-gdb"), "--no-gdb");
    CHECK(!strcmp(f.c.v[K_SERIAL_LOG].str, "env.log") && !strcmp(src_of(&f, K_SERIAL_LOG), "env KILN_SERIAL_LOG") &&
              !strcmp(rc_named(&f.c, K_SERIAL_LOG), "serial_log (env KILN_SERIAL_LOG)"),
          "KILN_SERIAL_LOG: %s", f.c.v[K_SERIAL_LOG].str);
    CHECK(!strcmp(f.c.v[K_DEBUGCON].str, "env-e9.log"), "KILN_DEBUGCON");
    fixture_free(&f);

    resolve(&f, toml, no_env, "--profile mon");
    CHECK(f.ok && f.c.v[K_MONITOR].num && src_is(&f, K_MONITOR, "kiln.toml:7 [profile.mon.run]"), "monitor: %s",
          f.e.msg);
    fixture_free(&f);
    resolve_full(&f, toml, no_env, "--profile mon", NULL, RC_TEST);
    CHECK(f.ok && !f.c.v[K_MONITOR].num, "[profile.mon.run] is not for test mode");
    fixture_free(&f);
}

/* KILN_* variables kiln does not read: a warning each, with the nearest
 * name when it is close. */
TEST(unknown_environment) {
    struct arena a = {0};
    const char **msgs;
    const char *const env[] = {"KILN_MEMROY=512",     "KILN_FIRMWRAE=uefi", "KILN_FROBNICATE=1", "KILN_TIMEOUT=5",
                               "KILN_VAR_ANY_NAME=x", "KILN_SERIAL_LOG=x",         "KILN_DATADIR=/x",   "KILN_CACHE=/c",
                               "KILN_OVMF_CODE=/o",   "KILN_QEMU_ARG=-x",   "PATH=/bin",         "kiln_memory=1",
                               "KILN_CONFIG=x",       NULL};
    size_t n = rc_unknown_env(&a, env, &msgs);
    static const char *const want[] = {
        "unknown environment variable KILN_MEMROY (did you mean KILN_MEMORY?)",
        "unknown environment variable KILN_FIRMWRAE (did you mean KILN_FIRMWARE?)",
        "unknown environment variable KILN_FROBNICATE (kiln reads the KILN_* variables listed in docs/running.md)",
        "unknown environment variable KILN_QEMU_ARG (did you mean KILN_QEMU_ARGS?)",
        "unknown environment variable KILN_CONFIG (did you mean KILN_CONFIG_FILE?)",
    };
    REQUIRE(n == ARRAY_LEN(want), "%zu warnings", n);
    for (size_t i = 0; i < n; i++) CHECK(!strcmp(msgs[i], want[i]), "warning %zu: %s", i, msgs[i]);
    const char *const clean[] = {"KILN_FIRMWARE=bios", "KILN_KIND=uefi", "KILN_PROFILE=ci", "KILN_CONFIG_FILE=",
                                 "KILN_OVMF_VARS=/v",  "KILN_DEBUGCON=d", "HOME=/root",      NULL};
    CHECK(rc_unknown_env(&a, clean, &msgs) == 0, "known variables draw no warning");
    /* every variable of the settings table and the others is known */
    const char **known;
    size_t nk = rc_known_env(&known);
    static const char *const must[] = {"KILN_FIRMWARE", "KILN_MEMORY", "KILN_CPUS",      "KILN_MACHINE",
                                       "KILN_QEMU",     "KILN_ACCEL",  "KILN_QEMU_ARGS", "KILN_KIND",
                                       "KILN_DISK",     "KILN_TIMEOUT", "KILN_PROFILE",  "KILN_CONFIG_FILE",
                                       "KILN_CACHE",    "KILN_OVMF_CODE", "KILN_OVMF_VARS", "KILN_DATADIR",
                                       "KILN_SERIAL_LOG", "KILN_DEBUGCON", "KILN_LOADER_LOG", "KILN_LOADER_FB",
                                       "KILN_LOADER_SERIAL", "KILN_SYSFS", "KILN_MOUNTS",
                                       "KILN_SIGN_KEY", "KILN_SIGN_CERT"};
    for (size_t i = 0; i < ARRAY_LEN(must); i++) {
        bool found = false;
        for (size_t k = 0; k < nk; k++) found |= !strcmp(known[k], must[i]);
        CHECK(found, "%s is not in the known list", must[i]);
    }
    CHECK(nk == ARRAY_LEN(must), "%zu known variables, the test knows %zu", nk, ARRAY_LEN(must));
    arena_free(&a);
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
    resolve_full(&f, toml, env, "", NULL, RC_TEST);
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

/* Variables' values are templates too: expanded once each, cycles and
 * runaway nesting refused with the chain named. */
TEST(nested_templates) {
    const char *toml = "kernel = \"k.elf\"\n"                            /* 1 */
                       "cmdline = \"log={{LOG}} lit={{LIT}}\"\n"          /* 2 */
                       "[vars]\n"                                         /* 3 */
                       "DIR = \"{{PROJECT_DIR}}/out\"\n"                  /* 4 */
                       "LOG = \"{{DIR}}/{{ KERNEL_NAME }}.log\"\n"        /* 5 */
                       "LIT = \"{{{{DIR}} stays\"\n";                     /* 6 */
    struct fixture f;
    resolve(&f, toml, no_env, "");
    REQUIRE(f.ok, "%s", f.e.msg);
    char want[256];
    snprintf(want, sizeof want, "log=%s/out/k.log lit={{DIR}} stays", tmp);
    CHECK(!strcmp(f.c.v[K_CMDLINE].str, want), "cmdline: %s", f.c.v[K_CMDLINE].str);
    fixture_free(&f);

    /* the environment's value wins, and is expanded as well */
    const char *const env[] = {"KILN_VAR_DIR=/env/{{KERNEL_NAME}}", NULL};
    resolve(&f, toml, env, "");
    REQUIRE(f.ok, "%s", f.e.msg);
    CHECK(!strncmp(f.c.v[K_CMDLINE].str, "log=/env/k/k.log ", 17), "cmdline: %s", f.c.v[K_CMDLINE].str);
    fixture_free(&f);

    static const struct {
        const char *vars, *msg;
        const char *const *env;
    } bad[] = {
        {"X = \"{{Y}}\"\nY = \"a{{X}}\"\n", "kiln.toml:4: [vars] Y: template: {{X}} refers to itself through {{Y}}",
         NULL},
        {"X = \"{{X}}\"\n", "kiln.toml:3: [vars] X: template: {{X}} refers to itself", NULL},
        {"A = \"{{B}}\"\nB = \"{{C}}\"\nC = \"{{A}}\"\n",
         "kiln.toml:5: [vars] C: template: {{A}} refers to itself through {{B}}, {{C}}", NULL},
        /* an unused variable is checked too */
        {"UNUSED = \"{{NOPE}}\"\n", "kiln.toml:3: [vars] UNUSED: unknown template variable {{NOPE}}", NULL},
        {"UNUSED = \"{{open\"\n", "kiln.toml:3: [vars] UNUSED: unterminated {{", NULL},
        {"X = \"a\"\n", "KILN_VAR_X: template: {{X}} refers to itself", self_var_env},
    };
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        char text[256];
        snprintf(text, sizeof text, "kernel = \"k.elf\"\n[vars]\n%s", bad[i].vars);
        resolve(&f, text, bad[i].env ? bad[i].env : no_env, "");
        const char *m = f.ok ? NULL : strstr(f.e.msg, bad[i].msg[0] == 'K' ? "KILN_VAR_" : "kiln.toml:");
        CHECK(m && strstr(m, bad[i].msg) == m, "case %zu: got '%s', want '%s'", i, f.ok ? "success" : f.e.msg,
              bad[i].msg);
        fixture_free(&f);
    }

    /* deeper than 16 */
    char text[2048];
    int n = snprintf(text, sizeof text, "kernel = \"k.elf\"\ncmdline = \"{{V0}}\"\n[vars]\n");
    for (int i = 0; i < 20; i++) n += snprintf(text + n, sizeof text - (size_t)n, "V%d = \"{{V%d}}\"\n", i, i + 1);
    snprintf(text + n, sizeof text - (size_t)n, "V20 = \"end\"\n");
    resolve(&f, text, no_env, "");
    CHECK(!f.ok && strstr(f.e.msg, "variables nested more than 16 deep"), "deep: %s", f.e.msg);
    fixture_free(&f);

    /* each variable is expanded once: 12 levels of 16 references each would
     * be 16^12 expansions, and 16^12 bytes, without that */
    n = snprintf(text, sizeof text, "kernel = \"k.elf\"\ncmdline = \"{{W0}}\"\n[vars]\n");
    for (int i = 0; i < 12; i++) {
        n += snprintf(text + n, sizeof text - (size_t)n, "W%d = \"", i);
        for (int k = 0; k < 16; k++) n += snprintf(text + n, sizeof text - (size_t)n, "{{W%d}}", i + 1);
        n += snprintf(text + n, sizeof text - (size_t)n, "\"\n");
    }
    snprintf(text + n, sizeof text - (size_t)n, "W12 = \"x\"\n");
    resolve(&f, text, no_env, "");
    CHECK(!f.ok && strstr(f.e.msg, "template: the expansion is longer than 1048576 bytes"), "runaway: %s", f.e.msg);
    fixture_free(&f);
}

/* --- kiln run's command line ------------------------------------------------------------------ */

TEST(run_options) {
    struct fixture f;
    resolve(&f, NULL, no_env,
            "--firmware=uefi --kind uefi --machine pc --memory 1G --cpus 8 --disk virtio --accel kvm --qemu /q "
            "--cmdline 'a b' --module m.bin --module n.bin=two --image-config cfg.txt --gui --net --timeout 9 "
            "--pass-on done --debugcon dbg.txt --serial-log serial.txt --gdb --monitor -v --expect x --expect y "
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
              !strcmp(v[K_SERIAL_LOG].str, "serial.txt"),
          "timeout, pass-on, files");
    CHECK(v[K_EXPECT_FAIL].num && !strcmp(v[K_EXPECT_FAIL].str, "QEMU exited"), "expect-fail");
    CHECK(f.c.test && !strcmp(v[K_KERNEL].str, "k.elf"), "--test, target");
    CHECK(rc_clist(&f.c, K_MODULES)->n == 2 && !strcmp(rc_clist(&f.c, K_MODULES)->items[1].str, "n.bin=two"), "modules");
    CHECK(rc_clist(&f.c, K_EXPECT)->n == 2, "expects");
    const struct rc_list *qa = rc_clist(&f.c, K_QEMU_ARGS);
    CHECK(qa->n == 2 && !strcmp(qa->items[0].str, "-d") && !strcmp(qa->items[1].str, "int"), "after --");
    char *pat, *text;
    size_t len;
    CHECK(rc_reply_split(&f.a, rc_clist(&f.c, K_REPLY)->items[0].str, &pat, &text, &len, &f.e) &&
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
        {"k --accel hax", "--accel hax: must be tcg, kvm or auto"},
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
        {"k --memroy 5", "unknown option '--memroy' (did you mean --memory?)"},
        {"k --serial-lgo x", "unknown option '--serial-lgo' (did you mean --serial-log?)"},
        {"k --no-projetc", "unknown option '--no-projetc' (did you mean --no-project?)"},
        {"k --log debug", "--log is ambiguous: the loader's log level is --loader-log LEVEL, a copy of the serial "
                          "output is --serial-log FILE"},
        {"k --config kiln.toml", "--config is ambiguous: the image config (the loader's settings) is --image-config "
                                 "FILE, the project file (kiln.toml) is --project FILE"},
        {"k --no-config", "--no-config is now --no-project"},
        {"k --loader-log loud", "--loader-log: log must be error, warn, info or debug"},
        {"k --fb huge", "--fb: fb must be auto, keep, none, WxH, max:WxH or min:WxH"},
        {"k --serial maybe", "--serial: serial must be on or off"},
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
    resolve(&f, NULL, no_env, "k --loader-log debug --fb 800x600 --serial off --serial-log s.log");
    CHECK(f.ok && !strcmp(f.c.v[K_LOADER_LOG].str, "debug") && !strcmp(f.c.v[K_LOADER_FB].str, "800x600") &&
              !strcmp(f.c.v[K_LOADER_SERIAL].str, "off") && !strcmp(f.c.v[K_SERIAL_LOG].str, "s.log"),
          "kiln run's loader options: %s", f.e.msg);
    fixture_free(&f);
    resolve_full(&f, NULL, no_env, "k", "k --profile x", RC_TEST);
    CHECK(!f.ok && !strcmp(f.e.msg, "runner.plan:7: --profile cannot be used in a plan line"), "%s", f.e.msg);
    fixture_free(&f);
    resolve_full(&f, NULL, no_env, "k", "k --cpus 0", RC_TEST);
    CHECK(!f.ok && !strcmp(f.e.msg, "runner.plan:7: --cpus 0: must be 1..255"), "%s", f.e.msg);
    fixture_free(&f);
}

/* --- words and plans ----------------------------------------------------------------------------- */

static bool words_are(const char *line, const char *const *want, size_t n) {
    struct arena a = {0};
    char **w;
    int nw;
    kiln_err e;
    bool ok = shell_split(&a, line, &w, &nw, &e) && (size_t)nw == n;
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
    char **w;
    int nw;
    kiln_err e;
    CHECK(!shell_split(&a, "a 'b", &w, &nw, &e) && strstr(e.msg, "single quote"), "open '");
    CHECK(!shell_split(&a, "a \"b", &w, &nw, &e) && strstr(e.msg, "double quote"), "open \"");
    CHECK(!shell_split(&a, "a \\", &w, &nw, &e) && strstr(e.msg, "backslash"), "trailing \\");
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
    kiln_err e;
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

/* --- kiln image: the same table, its own column ---------------------------------------------------------- */

static const char *const image_toml = "kernel = \"k.elf\"\n"         /* 1 */
                                      "cmdline = \"top\"\n"          /* 2 */
                                      "memory = 512\n"               /* 3: kiln run's, not kiln image's */
                                      "loader_fb = \"1024x768\"\n"   /* 4: the loader's, every command's */
                                      "[run]\n"                      /* 5 */
                                      "gui = true\n"                 /* 6 */
                                      "[image]\n"                    /* 7 */
                                      "output = \"out/disk.img\"\n"  /* 8 */
                                      "kind = \"bios\"\n"            /* 9 */
                                      "[profile.rel]\n"              /* 10 */
                                      "loader_log = \"warn\"\n"      /* 11 */
                                      "[profile.rel.image]\n"        /* 12 */
                                      "quiet = true\n";              /* 13 */

static bool ends_with(const char *s, const char *end) {
    size_t n = strlen(s), m = strlen(end);
    return n >= m && !strcmp(s + n - m, end);
}

TEST(image_settings) {
    struct fixture f;
    resolve_full(&f, image_toml, no_env, "", NULL, RC_IMAGE);
    REQUIRE(f.ok, "%s", f.e.msg);
    const struct rc_value *v = f.c.v;
    CHECK(ends_with(v[K_KERNEL].str, "/k.elf") && src_is(&f, K_KERNEL, "kiln.toml:1"), "kernel %s", v[K_KERNEL].str);
    CHECK(ends_with(v[K_OUTPUT].str, "/out/disk.img") && src_is(&f, K_OUTPUT, "kiln.toml:8 [image]"),
          "output relative to kiln.toml: %s", v[K_OUTPUT].str);
    CHECK(v[K_KIND].num == KIND_BIOS && src_is(&f, K_KIND, "kiln.toml:9 [image]"), "kind from [image]");
    CHECK(!strcmp(v[K_CMDLINE].str, "top") && !strcmp(v[K_LOADER_FB].str, "1024x768"), "top level");
    CHECK(!v[K_LOADER_LOG].set && !v[K_QUIET].num && src_is(&f, K_QUIET, "default"), "no profile");
    CHECK(!v[K_MEMORY].set && !v[K_GUI].set, "kiln run's settings are not read");
    char *out;
    size_t n;
    FILE *m = open_memstream(&out, &n);
    rc_print(m, &f.c);
    fclose(m);
    CHECK(strstr(out, "\nloader_fb     = \"1024x768\"  (") && strstr(out, "\nkind          = bios  (") &&
              !strstr(out, "\nmode ") && !strstr(out, "\nmemory ") && !strstr(out, "\nqemu_args "),
          "--dry-run lists kiln image's settings: %s", out);
    free(out);
    fixture_free(&f);

    /* the profile, the environment and the command line; --log is kiln image's old spelling of --loader-log */
    const char *const env[] = {"KILN_KIND=uefi", "KILN_LOADER_SERIAL=off", "KILN_SERIAL_LOG=serial.log", "KILN_MEMORY=abc",
                               "KILN_VAR_A-B=1", NULL};
    resolve_full(&f, image_toml, env, "--profile rel --log debug --image-config x.cfg -o y.img -q --module m=n", NULL,
                 RC_IMAGE);
    REQUIRE(f.ok, "kiln run's variables are not read: %s", f.e.msg);
    CHECK(v[K_KIND].num == KIND_UEFI && !strcmp(src_of(&f, K_KIND), "env KILN_KIND"), "env kind");
    CHECK(!strcmp(v[K_LOADER_SERIAL].str, "off") && !strcmp(src_of(&f, K_LOADER_SERIAL), "env KILN_LOADER_SERIAL"),
          "env serial");
    CHECK(!strcmp(v[K_LOADER_LOG].str, "debug") && !strcmp(src_of(&f, K_LOADER_LOG), "--log") && !v[K_SERIAL_LOG].set,
          "--log is the loader's log level (%s)", src_of(&f, K_LOADER_LOG));
    CHECK(!strcmp(v[K_IMAGE_CONFIG].str, "x.cfg") && !strcmp(src_of(&f, K_IMAGE_CONFIG), "--image-config") &&
              ends_with(f.c.config_file, "/kiln.toml"),
          "--image-config is the image config, not the project file");
    CHECK(!strcmp(v[K_OUTPUT].str, "y.img") && !strcmp(src_of(&f, K_OUTPUT), "-o"), "-o");
    CHECK(v[K_QUIET].num && !strcmp(src_of(&f, K_QUIET), "-q"), "-q over [profile.rel.image]");
    const struct rc_list *mods = rc_clist(&f.c, K_MODULES);
    CHECK(mods->n == 1 && !strcmp(mods->items[0].str, "m=n"), "modules");
    fixture_free(&f);

    /* kiln run reads the same file: its own settings */
    resolve_full(&f, image_toml, no_env, "", NULL, RC_RUN);
    REQUIRE(f.ok, "%s", f.e.msg);
    CHECK(v[K_MEMORY].num == 512 && v[K_GUI].num && v[K_KIND].num == KIND_HYBRID && v[K_LOADER_FB].set &&
              !strcmp(v[K_LOADER_FB].str, "1024x768") && !v[K_OUTPUT].set,
          "kiln run: its settings and the loader's");
    fixture_free(&f);
}

/* kiln image's errors: its own messages for the command line, the
 * table's for every other source. */
TEST(image_errors) {
    static const char *const fb_env[] = {"KILN_LOADER_FB=huge", NULL};
    static const char *const kind_env[] = {"KILN_KIND=floppy", NULL};
    static const struct {
        const char *toml;
        const char *const *env;
        const char *args, *msg;
    } cases[] = {
        {NULL, no_env, "-o x.img", "image: no kernel given (usage: kiln image KERNEL -o OUT)"},
        {NULL, no_env, "k.elf", "image: no output given (-o OUT)"},
        {NULL, no_env, "a.elf b.elf -o x", "image: more than one kernel given ('a.elf' and 'b.elf')"},
        {NULL, no_env, "k.elf -o", "-o needs a value"},
        {NULL, no_env, "k.elf -o x --fb 800x", "--fb: fb must be auto, keep, none, WxH, max:WxH or min:WxH"},
        {NULL, no_env, "k.elf -o x --log loud", "--log: log must be error, warn, info or debug"},
        {NULL, no_env, "k.elf -o x --loader-log loud", "--loader-log: log must be error, warn, info or debug"},
        {NULL, no_env, "k.elf -o x --config c", "--config is ambiguous: the image config (the loader's settings) is --image-config FILE, the project file (kiln.toml) is --project FILE"},
        {NULL, no_env, "k.elf -o x --outptu c", "unknown option '--outptu' (did you mean --output?)"},
        {NULL, no_env, "k.elf -o x --test", "unknown option '--test'"},
        {NULL, no_env, "k.elf -o x --no-config", "--no-config is now --no-project"},
        {NULL, no_env, "k.elf -o x -- -a", "unknown option '--'"},
        {NULL, fb_env, "k.elf -o x", "KILN_LOADER_FB=huge: fb must be auto"},
        {NULL, kind_env, "k.elf -o x", "KILN_KIND=floppy: must be hybrid, bios, uefi, iso or pxe"},
        {"[image]\nloader_serial = \"maybe\"\n", no_env, "k.elf -o x",
         "kiln.toml:2: loader_serial = \"maybe\": serial must be on or off"},
        {"[image]\nmemory = 512\n", no_env, "k.elf -o x",
         "kiln.toml:2: 'memory' cannot be set in [image]: it is not a setting of kiln image (known there: kernel, "
         "kind, cmdline, image_config, sign_key, sign_cert, output, loader_log, loader_fb, loader_serial, quiet, "
         "kernel_name, modules)"},
        {"[run]\noutput = \"x.img\"\n", no_env, "k.elf -o x",
         "kiln.toml:2: 'output' cannot be set in [run]: it is not a setting of kiln run or kiln test"},
        {"[profile.x.image]\nfrob = 1\n", no_env, "k.elf -o x",
         "kiln.toml:2: unknown key 'frob' (known: kernel, kind, cmdline, image_config, sign_key, sign_cert, output, "
         "loader_log, "
         "loader_fb, loader_serial, quiet, kernel_name, modules)"},
        {"[profile.x.imag]\n", no_env, "k.elf -o x", "kiln.toml:1: unknown table [profile.x.imag] (known: [run], "
         "[test], [image], [vars], [profile.NAME], [profile.NAME.run], [profile.NAME.test], [profile.NAME.image])"},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        struct fixture f;
        resolve_full(&f, cases[i].toml, cases[i].env, cases[i].args, NULL, RC_IMAGE);
        const char *m = strstr(f.e.msg, cases[i].msg);
        CHECK(!f.ok && m && (m == f.e.msg || !strncmp(f.e.msg, tmp, strlen(tmp))), "case %zu: got '%s', want '%s'",
              i, f.ok ? "success" : f.e.msg, cases[i].msg);
        fixture_free(&f);
    }
}

static void scratch(void) { fixture_scratch("rc"); }
TEST_BEFORE_ALL(scratch)
TEST_AFTER_ALL(fixture_scratch_remove)
